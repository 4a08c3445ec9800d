"""Positions inside a project found by searching its lines (source.Locator._plain_position)
are the positions the parse gives, for every key and value of a unit's projects, key or value,
each character offset: a messy unit has seven diagnostics a project, and each is placed by
the search, not a parse."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.generate import generate
from evaluator.source import load_document
from tests.conftest import EXAMPLE

# written by hand, in the forms the search must read as the parse does, or leave to it
_VARIANTS = {
    "actuals.yaml": """year: 2024
projects:
  项目一:
    indicators:
      指标100: {actual: 3次}
      二级/指标2: 'it''s'
  项目四:   # 注释
    budget:
      adjusted: 100.00   
      executed:   90.00  # 执行数
      score:
    indicators:
  # 一行注释，缩进比指标浅

      指标1: 3次
      指标10:
        actual: '≥ 5 次'
        reason: ''
        score: -5
      指标100: 10:30 完成
      二级/指标2: 'a: b'
  项目二:
    indicators:
      指标1: 10:30 完成
      指标2: "双引号"
      指标3: 多行
        的值
  项目三:
    indicators:
      指标1: 有注释 # 注释
      "指标2": 引号键
    budget:
      - 1
      - 2
  项目五:
    indicators:
      指标1 : 键后有空格
      指标2: 3次
  项目六:
    indicators:
      指标1\v: 键后有垂直制表符
      指标2:
        actual: 3次
""",
    "goals.yaml": """year: 2024
unit: 单位
projects:
  - name: 项目一
    funds:
      total: 1.00
    indicators:
      产出指标:
        数量指标:
          次数: '≥3.00(次)'
          次数2: ≥ 3 次
          空: 
  -   name: 项目二
      indicators: {产出指标: {数量指标: {次数: 3}}}
  - name: 项目三
    indicators:
      产出指标:
        数量指标:
          次数: >-
            ≥3
""",
}


def _paths(value: Any, path: tuple) -> list[tuple]:
    found = [path]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, path + (key,))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, path + (index,))
    return found


def _compare(path_of_file: str) -> tuple[int, int]:
    """(positions compared, of them found by the search); asserts each is the parse's."""
    document, _problems = load_document(path_of_file, split="projects")
    locator = document.locator
    compared = searched = 0
    projects = document.data["projects"]
    entries = enumerate(projects) if isinstance(projects, list) else projects.items()
    for project, data in entries:
        piece, _lines = locator._piece(project)
        root = (0,) if isinstance(project, int) else (project,)
        for path in _paths(data, root):
            value = data
            for step in path[1:]:
                value = value[step]
            offsets = range(len(value) + 2) if isinstance(value, str) else (0, 1)
            for key in (True, False):
                for offset in offsets if not key else (0,):
                    searched_position = piece._plain_position(path, key=key, offset=offset)
                    piece.node(path)  # the parse's answer, as _position_in_piece asks for it
                    parsed = piece._position_in_tree(path, key=key, offset=offset)
                    compared += 1
                    if searched_position is not None:
                        searched += 1
                        assert searched_position == parsed, (path_of_file, path, key, offset)
    return compared, searched


@pytest.mark.parametrize("mess", [0.0, 0.6])
def test_a_generated_unit_is_placed_by_search_as_by_parse(tmp_path, mess):
    goals, actuals = generate(8, mess=mess)
    for name, text in (("goals.yaml", goals), ("actuals.yaml", actuals)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        compared, searched = _compare(str(tmp_path / name))
        assert searched == compared  # every position of such a unit is searched for


def test_the_example_is_placed_by_search_as_by_parse():
    searched_in = {}
    for name in ("goals.yaml", "actuals.yaml"):
        compared, searched_in[name] = _compare(str(EXAMPLE / name))
        assert compared
    assert searched_in["actuals.yaml"]  # its comments stand on lines of their own


def test_lines_in_other_forms_are_left_to_the_parse(tmp_path):
    for name, text in _VARIANTS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        compared, searched = _compare(str(tmp_path / name))
        assert 0 < searched < compared  # the plain projects searched, the others parsed


def test_lines_seen_plain_before_are_not_checked_again_to_another_answer(tmp_path):
    """source._is_plain, which checks only the lines the file's other projects have not shown
    plain already, answers as the expression over the whole project: for each project, for it
    again (all its lines seen), and for it with one line made unplain after its lines were
    seen (a double quote, a flow list, a continued line, a nested list)."""
    from evaluator.source import _PLAIN_BLOCK, _is_plain

    goals, actuals = generate(6, mess=0.6)
    texts = [goals, actuals, *_VARIANTS.values()]
    for text in texts:
        (tmp_path / "unit.yaml").write_text(text, encoding="utf-8")
        document, _problems = load_document(str(tmp_path / "unit.yaml"), split="projects")
        blocks, raw = document.locator.blocks, document.locator.raw
        ends = blocks.starts[1:] + (blocks.end,)
        seen: set[bytes] = set()
        for start, end in zip(blocks.starts, ends):
            piece = raw[start:end]
            expected = _PLAIN_BLOCK.fullmatch(piece) is not None
            assert _is_plain(piece, seen) == expected == _is_plain(piece, seen)
            lines = piece.split(b"\n")
            unplain = 0
            for made in (lines[-2] + b' "x"', b"      [1, 2]", b"        more words",
                         b"      - item"):
                changed = b"\n".join(lines[:-2] + [made] + lines[-1:])
                expected = _PLAIN_BLOCK.fullmatch(changed) is not None
                assert _is_plain(changed, seen) is expected
                unplain += not expected
            assert unplain == 4 or not _PLAIN_BLOCK.fullmatch(piece)


def test_a_block_ends_where_the_expression_says_it_does():
    """Locator._plain_extent counts line breaks in C to see that every line below a key is
    deeper, empty or the window's last (its block then ends with its parent's), and asks the
    expression otherwise: both answer alike for lines of every indentation, empty, blank with
    spaces, comments, at the window's end or not."""
    import random

    from evaluator.source import Locator, _dedented

    shapes = [b"", b" ", b"   ", b"# c", b"k:", b"k: v", b"\xe6\x8c\x87\xe6\xa0\x87: 3"]
    chance = random.Random(19)
    locator = Locator("x.yaml", b"")
    for _case in range(3000):
        lines = [b" " * chance.randrange(8) + chance.choice(shapes)
                 for _line in range(chance.randrange(1, 9))]
        raw = b"\n".join(lines) + chance.choice([b"", b"\n", b"\n\n"])
        for at in range(len(raw) + 1):
            for within in {len(raw), chance.randrange(at, len(raw) + 1)}:
                indent = chance.randrange(7)
                own_end = raw.find(b"\n", at, within)
                if own_end < 0:
                    expected = (within, within)
                else:
                    closing = _dedented(indent).search(raw, own_end, within)
                    expected = (own_end, closing.start() if closing is not None else within)
                assert locator._plain_extent(raw, at, indent, within) == expected, (
                    raw, at, indent, within)


def test_a_unit_is_placed_in_its_files_as_the_whole_file_parse_places_it(tmp_path):
    """Through the file's locator (its projects' pieces, their lines counted from the
    file's, rows asked for in and out of their order, the same one twice): the position of
    each row's key and value, and each 分值's, is where a parse of the whole file puts it."""
    from evaluator.source import Locator

    goals, actuals = generate(12, mess=0.6)
    for name, text in (("goals.yaml", goals), ("actuals.yaml", actuals)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        document, _problems = load_document(str(tmp_path / name), split="projects")
        whole = Locator(document.locator.path, document.locator.raw)
        projects = document.data["projects"]
        entries = enumerate(projects) if isinstance(projects, list) else projects.items()
        asked = []
        for project, data in entries:
            paths = [path for path in _paths(data, ("projects", project)) if len(path) > 2]
            asked += paths + paths[::-3]
        compared = 0
        for path in asked:
            for key in (True, False):
                whole.node(path)
                expected = whole._position_in_tree(path, key=key)
                assert document.locator.position(path, key=key) == expected, (name, path, key)
                compared += 1
        assert compared > 1000
        pieces = document.locator._pieces.values()
        assert pieces and all(piece._plain for piece in pieces)  # searched, not parsed
