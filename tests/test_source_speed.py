"""The fast paths of source.py answer as the slow ones did: JSON decoded without a hook and its
entries counted against the tree, the newline scan of line_starts, the child index."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from evaluator import source


def _hooked(text: str) -> tuple[object, set[str]]:
    """The decoding every file went through before: a hook call for each mapping."""
    repeats: set[str] = set()
    data = json.loads(text, parse_float=str, parse_int=str,
                      object_pairs_hook=lambda pairs: source._object(pairs, repeats))
    return data, repeats


@pytest.mark.parametrize("yaml", [
    "a: true\nb: false\nc: yes\n",
    "- true\n- {a: false, b: [true, {c: true}]}\n",
    "true\n",
    "---\na: {b: true}\n",
    "a: ~\nb: []\nc: {}\nd: [[], [{}]]\n",
    "a: 1\na: 2\n",
    "a:\n  - {x: 1, x: true}\n  - y: 1\n    y: 2\nb: 3\nb: 4\n",
    "---\na: 1\na: 1\n",
])
def test_decoding_without_a_hook_gives_what_the_hook_gave(yaml):
    raw = yaml.encode("utf-8")
    text, _blocks, nodes = source._parse(raw)
    repeats: set[str] = set()
    data = source._load_json(text, nodes, repeats)
    expected, expected_repeats = _hooked(text)
    assert (source._plain(data), repeats) == (source._plain(expected), expected_repeats)


def test_a_file_without_repeats_is_decoded_once(monkeypatch):
    def hooked(*_args):
        raise AssertionError("decoded again with the hook")

    monkeypatch.setattr(source, "_object", hooked)
    document, problems = source.parse_bytes("a.yaml", b"---\na: [1, {b: true}]\nc: false\n")
    assert problems == []
    assert document.data == {"a": ["1", {"b": "true"}], "c": "false"}


def test_repeated_keys_are_named_where_they_repeat():
    raw = b"projects:\n  - name: x\n    goal: a\n    goal: b\nyear: 1\nyear: 2\n"
    document, problems = source.parse_bytes("a.yaml", raw)
    assert document.data is None
    found = sorted((p.code, p.position.line, p.position.column, p.message) for p in problems)
    assert found == [("yaml.duplicate_key", 4, 5, "重复的键“goal”（第 3 行已出现）"),
                     ("yaml.duplicate_key", 6, 1, "重复的键“year”（第 5 行已出现）")]


@pytest.mark.parametrize("raw", [b"", b"a", b"\n", b"a\nb", b"a\r\nb\n\n", "甲\n乙\n".encode()])
def test_line_starts_are_where_each_line_begins(raw):
    expected = [0] + [index + 1 for index, byte in enumerate(raw) if byte == ord("\n")]
    assert source.Locator("a.yaml", raw).line_starts() == expected


def test_a_big_mapping_is_indexed_and_a_small_one_is_not():
    raw = "".join(f"k{n}: {n}\n" for n in range(65)).encode() + b"small: {a: 1, b: 2}\n"
    locator = source.Locator("a.yaml", raw)
    root, _found = locator.node(())
    small, _found = locator.node(("small",))
    assert locator._index(root) is not None and locator._index(small) is None
    assert locator.position(("k64",)).line == 65
    assert locator.position(("small", "b")).column == 18


def test_escaped_control_characters_are_text():
    """YAML may write any character as an escape in double quotes; rapidyaml hands some of
    them to the JSON decoder as they are, which must take them as text, not a syntax error
    (with an English hint)."""
    document, problems = source.parse_bytes("a.yaml", b'a: "x\\u0001y"\nb: "\\t"\n')
    assert problems == []
    assert document.data == {"a": "x\x01y", "b": "\t"}


_PROJECTS = [  # block-style projects: a list, a mapping, CRLF, no newline at the end, a header
    "year: 2024\nprojects:\n  - name: 甲\n    goal: |\n      一\n      二\n  - name: 乙\n",
    "year: 2024\nprojects:\n  项目甲:\n    indicators:\n      指标: 3次\n  项目乙:\n    budget: {}\nnote: 末\n",
    "year: 2024\r\nprojects:\r\n  - name: 甲\r\n    unit: 某\r\n  - name: 乙\r\n    unit: 某\r\n",
    "projects:\n  - name: 甲\n  - name: 乙\n    goal: 无换行结尾",
]


@pytest.mark.parametrize("yaml", _PROJECTS)
def test_a_line_found_from_its_project_is_the_line_the_index_finds(yaml):
    """Excerpts are cut from a project's own lines; the whole file's line index is built only
    when a line lies outside every project."""
    raw = yaml.encode("utf-8")
    document, problems = source.parse_bytes("a.yaml", raw, split="projects")
    assert not problems and document.locator.blocks is not None
    within = range(1, raw[:document.locator.blocks.end].count(b"\n") + 1)  # header, projects
    fast = [document.line(n) for n in within]
    assert document.locator._line_starts is None  # found without the index
    fast += [document.line(n) for n in range(within.stop, raw.count(b"\n") + 3)] + [
        document.line(0)]
    slow = source.Locator("a.yaml", raw)
    assert fast == [slow.line(n) for n in within] + [
        slow.line(n) for n in range(within.stop, raw.count(b"\n") + 3)] + [slow.line(0)]


@pytest.mark.parametrize("yaml", _PROJECTS)
def test_a_position_counted_in_its_project_is_the_position_the_index_gives(yaml):
    raw = yaml.encode("utf-8")
    document, _problems = source.parse_bytes("a.yaml", raw, split="projects")
    whole = source.Locator("a.yaml", raw)  # no blocks: the whole file's tree and line index
    projects = document.data["projects"]
    keys = range(len(projects)) if isinstance(projects, list) else list(projects)
    for key in keys:
        for path, as_key in ((("projects", key), True), (("projects", key), False)):
            assert document.position(path, key=as_key) == whole.position(path, key=as_key)
        inner = projects[key]
        for field in inner or {}:
            path = ("projects", key, field)
            assert document.position(path) == whole.position(path)
            assert document.position(path, key=True) == whole.position(path, key=True)


_SECOND_FILES = [  # what the second file of a run may hold: the child's answer must be the same
    "year: 2024\nprojects:\n  甲:\n    budget: {adjusted: 1, executed: 1}\n",  # clean
    "year: 2024\nprojects:\n  甲: [\n",  # a syntax error: the child's ParseFailure
    "year: 2024\nyear: 2025\n",  # a repeated key: found here, after the child's parse
    "# 只有注释\n\n",  # nothing to parse: no child at all
    "a: &x 1\nb: *x\n",  # an alias
    "---\na: 1\n---\nb: 2\n",  # two documents
    "a: " + "[" * 3000 + "]" * 3000 + "\n",  # too deep for the emitter
    "year: 2024\nunit: 某单位\n".encode("gb18030"),  # not UTF-8: found here, while the child parses
    "\ufeffyear: 2024\n".encode("utf-8"),  # a byte-order mark
    b"year: 2024\n\x00\x01binary",  # binary: never given to the child
]


def _described(loaded):
    return [(document.data, [(d.code, d.message, str(d.position)) for d in problems])
            for document, problems in loaded]


@pytest.mark.parametrize("second", _SECOND_FILES)
def test_files_parsed_side_by_side_read_as_one_by_one(tmp_path, second):
    first = tmp_path / "goals.yaml"
    first.write_text("year: 2024\nunit: 某单位\nprojects:\n  - name: 甲\n", encoding="utf-8")
    other = tmp_path / "actuals.yaml"
    other.write_bytes(second if isinstance(second, bytes) else second.encode("utf-8"))
    serial = source.load_documents([first, other])
    side_by_side = source.load_documents([first, other], processes=2)
    assert _described(side_by_side) == _described(serial)


def test_a_biggest_file_that_is_not_utf8_leaves_the_other_to_be_read(tmp_path):
    """The child parses the biggest file first, before this process finds it is not UTF-8:
    its answer is passed over, and the next one read."""
    big = tmp_path / "goals.yaml"
    big.write_bytes(("year: 2024\nunit: 某单位\n" + "# 注释\n" * 5000).encode("gb18030"))
    small = tmp_path / "actuals.yaml"
    small.write_text("year: 2024\n", encoding="utf-8")
    side_by_side = source.load_documents([big, small], processes=2)
    assert _described(side_by_side) == _described(source.load_documents([big, small]))
    assert [d.code for d in side_by_side[0][1]] == ["file.encoding"]
    assert side_by_side[1][0].data == {"year": "2024"}


def test_a_child_that_cannot_answer_leaves_the_parse_to_the_parent(tmp_path, monkeypatch):
    path = tmp_path / "actuals.yaml"
    path.write_text("year: 2024\nprojects:\n  甲: {}\n", encoding="utf-8")

    def broken(*_args, **_kwargs):  # the child dies before its answer is written
        raise OSError("no room")

    monkeypatch.setattr(source.pickle, "dump", broken)
    loaded = source.load_documents([path, path], processes=2)
    assert _described(loaded) == _described(source.load_documents([path, path]))


def test_the_files_are_parsed_by_the_child_one_after_the_other(tmp_path, monkeypatch):
    paths = []
    for name, text in (("goals.yaml", "year: 2024\n"), ("actuals.yaml", "year: 2025\n")):
        paths.append(tmp_path / name)
        paths[-1].write_text(text, encoding="utf-8")
    here = []
    parse = source._parse
    monkeypatch.setattr(source, "_parse",
                        lambda raw, split=None: here.append(raw) or parse(raw, split))
    loaded = source.load_documents(paths, processes=2)
    assert here == []  # nothing parsed here: the child parsed both
    assert [document.data for document, _ in loaded] == [{"year": "2024"}, {"year": "2025"}]


def test_a_child_that_dies_after_one_answer_leaves_the_rest_to_the_parent(tmp_path,
                                                                          monkeypatch):
    paths = []
    for name, text in (("goals.yaml", "year: 2024\n"), ("actuals.yaml", "year: 2025\n")):
        paths.append(tmp_path / name)
        paths[-1].write_text(text, encoding="utf-8")
    emitted, parent = source._emitted, os.getpid()

    def dying(raw, split=None):  # in the child: the second file kills it mid-way
        if raw == b"year: 2025\n" and os.getpid() != parent:
            os._exit(3)
        return emitted(raw, split)

    here = []
    parse = source._parse
    monkeypatch.setattr(source, "_emitted", dying)
    monkeypatch.setattr(source, "_parse",
                        lambda raw, split=None: here.append(raw) or parse(raw, split))
    loaded = source.load_documents(paths, processes=2)
    assert here == [b"year: 2025\n"]  # the first answer was the child's
    assert [document.data for document, _ in loaded] == [{"year": "2024"}, {"year": "2025"}]


def _two_files(tmp_path):
    paths = []
    for name in ("goals.yaml", "actuals.yaml"):
        paths.append(tmp_path / name)
        paths[-1].write_text("year: 2024\n", encoding="utf-8")
    return paths


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts descriptors in /proc")
def test_no_descriptor_is_left_when_a_process_cannot_fork(tmp_path, monkeypatch):
    paths = _two_files(tmp_path)

    def refused():
        raise OSError("no room for a process")

    monkeypatch.setattr(source.os, "fork", refused)
    before = _open_descriptors()
    loaded = source.load_documents(paths, processes=2)
    assert _open_descriptors() == before
    assert [document.data for document, _ in loaded] == [{"year": "2024"}] * 2


def test_no_child_is_left_when_this_process_fails_first(tmp_path, monkeypatch):
    paths = _two_files(tmp_path)

    def failing(*_args):
        raise MemoryError

    monkeypatch.setattr(source, "_load_json", failing)  # the first file, read here, fails
    with pytest.raises(MemoryError):
        source.load_documents(paths, processes=2)
    with pytest.raises(ChildProcessError):  # none to wait for: the child was stopped and reaped
        os.waitpid(-1, os.WNOHANG)


@pytest.mark.parametrize("yaml, line, column", [
    ('unit: "某\\ud800"\n', 1, 9),  # a value
    ('projects: {"乙\\udcff": {a: 1}}\n', 1, 14),  # a key in flow style
    ('projects:\n  "乙\\ud800":\n    a: 1\n', 2, 5),  # a key in block style
    ('a: "\\U0000D800"\n', 1, 5),
])
def test_an_escape_of_no_character_is_named_where_it_is(yaml, line, column):
    """It would become a lone surrogate, which no later step can encode: it is refused."""
    document, problems = source.parse_bytes("a.yaml", yaml.encode("utf-8"))
    assert document.data is None
    assert [(p.code, p.position.line, p.position.column) for p in problems] == [
        ("yaml.bad_escape", line, column)]


def test_escapes_of_characters_are_text():
    """A character outside the BMP may be written \\U0001F600 or as a pair's two halves
    (JSON's way, which json.dump writes for 𠮷): rapidyaml writes each half alone, and they are
    joined again."""
    document, problems = source.parse_bytes(
        "a.yaml", 'a: "\\x80 \\u00e9 \\U0001F600 \\ud83d\\ude00 \\ud842\\udfb7"\n'.encode())
    assert not problems and document.data == {"a": "\x80 é 😀 😀 𠮷"}


@pytest.mark.parametrize("yaml, line, column, length", [
    ('# C:\\ud800 in a comment\nunit: "中心\\udc00"\n', 2, 10, 6),  # not the comment's
    ('a: "a\\\\ud800 b\\udc00"\n', 1, 15, 6),  # "\\\\ud800" is a backslash and text
    ('a: "\\U0000DC00"\n', 1, 5, 10),
    ('a: "\\ud83d\\ud83d\\ude00"\n', 1, 5, 6),  # a high half, then a whole pair
])
def test_the_bad_escape_is_the_one_pointed_at(yaml, line, column, length):
    _document, problems = source.parse_bytes("a.yaml", yaml.encode("utf-8"))
    assert [(p.code, p.position.line, p.position.column, p.length) for p in problems] == [
        ("yaml.bad_escape", line, column, length)]


def test_a_tree_is_reserved_by_the_file_s_lines_not_its_commas():
    """"- " and ", " in comments and text do not make nodes: at most two are reserved a line
    (a comment of 4 000 commas a line once reserved 1.4 GB)."""
    raw = b"a: 1\n" + b"# " + b", " * 4000 + b"\n" * 1
    lines = raw.count(b"\n")
    assert source._sized_tree(raw).capacity() <= 2 * lines + 16
    items = b"projects:\n" + b"  - name: x\n    goal: y\n" * 100
    tree = source._sized_tree(items)
    assert tree.capacity() >= 201 + 100  # a node a line, and one more for each item


def test_documents_asked_for_again_are_the_same():
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder) / "a.yaml", Path(folder) / "b.yaml"]
        for path in paths:
            path.write_text("year: 2024\n", encoding="utf-8")
        for processes in (1, 2):
            loading = source.Loading(paths, processes=processes)
            first = loading.documents()
            assert loading.documents() is first


def _gone(pid: int) -> bool:
    """The process has ended (a zombie not yet reaped by whoever adopted it counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal")
def test_the_parsing_child_ends_with_the_process_that_started_it(tmp_path):
    """A SIGTERM while the files load ends the run at once: its child does not parse on."""
    script = """
import sys, time
from evaluator import source
def slow(raw, split=None):
    time.sleep(60)  # a province's parse, drawn out: the child is mid-parse when the run ends
source._emitted = slow
loading = source.Loading(sys.argv[1:], processes=2)
print(loading.child.pid, flush=True)
time.sleep(60)
"""
    paths = [tmp_path / "a.yaml", tmp_path / "b.yaml"]
    for path in paths:
        path.write_text("year: 2024\n", encoding="utf-8")
    run = subprocess.Popen([sys.executable, "-c", script, *map(str, paths)],
                           stdout=subprocess.PIPE, text=True)
    child = None
    try:
        child = int(run.stdout.readline())
        assert not _gone(child)
        run.terminate()
        run.wait(timeout=30)
        for _ in range(300):  # ends within moments; without the signal, only after a minute
            if _gone(child):
                break
            time.sleep(0.1)
        assert _gone(child)
    finally:
        run.kill()
        run.wait()
        if child is not None and not _gone(child):  # failed: not left asleep for a minute
            os.kill(child, 9)


def test_a_loading_let_go_unread_leaves_no_child_behind(tmp_path):
    import gc

    paths = [tmp_path / "a.yaml", tmp_path / "b.yaml"]
    for path in paths:
        path.write_text("year: 2024\n", encoding="utf-8")
    loading = source.Loading(paths, processes=2)
    if loading.child is None:
        pytest.skip("no fork here")
    pid = loading.child.pid
    del loading
    gc.collect()
    with pytest.raises(ChildProcessError):  # stopped and reaped: not even a zombie is left
        os.waitpid(pid, os.WNOHANG)


_FORKED_COPY_EXITS = """
import os, sys, time
from evaluator import source
def slow(raw, split=None):
    time.sleep(60)
source._emitted = slow
loading = source.Loading(sys.argv[1:], processes=2)
copy = os.fork()
if copy == 0:
    sys.exit(0)  # a copy of this process ends as a program does: its exit runs finalizers
os.waitpid(copy, 0)
with open(f"/proc/{loading.child.pid}/stat") as stat:
    print(stat.read().rsplit(")", 1)[1].split()[0], flush=True)
loading.close()
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_a_forked_copy_ending_leaves_the_parsing_child_alone(tmp_path):
    """The child is stopped by the process that started it only: a copy forked from that
    process (a library user's own fork) runs the same finalizer as it exits."""
    paths = [tmp_path / "a.yaml", tmp_path / "b.yaml"]
    for path in paths:
        path.write_text("year: 2024\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", _FORKED_COPY_EXITS, *map(str, paths)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "S"  # asleep in its parse, not killed (Z)


def test_a_loading_made_in_a_thread_keeps_its_child_and_its_documents(tmp_path, monkeypatch):
    """The parent-death signal comes when the forking thread ends: a Loading made in a thread
    that has ended must still be answered by its child."""
    import threading

    emitted = source._emitted

    def slow(raw, split=None):  # the child is still parsing when the thread that made it ends
        time.sleep(0.3)
        return emitted(raw, split)

    monkeypatch.setattr(source, "_emitted", slow)
    paths = [tmp_path / "a.yaml", tmp_path / "b.yaml"]
    paths[0].write_text("year: 2024\nunit: 中心\n", encoding="utf-8")
    paths[1].write_text("projects:\n  甲: {}\n", encoding="utf-8")
    made: list[source.Loading] = []
    def make() -> None:
        made.append(source.Loading(paths, processes=2))
        time.sleep(0.1)  # the thread ends after the child has set whatever it sets

    thread = threading.Thread(target=make)
    thread.start()
    thread.join()
    (loading,) = made
    if loading.child is None:
        pytest.skip("no fork here")
    child = loading.child
    documents = loading.documents()
    assert child.answers == [None, None] and not child.broken  # both answered by the child
    assert [d.data for d, _problems in documents] == [{"year": "2024", "unit": "中心"},
                                                       {"projects": {"甲": {}}}]


@pytest.mark.parametrize("yaml, line, column", [
    ("year: 2024\nprojects:\n  P1:\n    indicators:\n      a: 3次\n      推送合格率:\t96%\n", 6,
     13),  # the last line
    ("year: 2024\nprojects:\n  P1:\n    indicators:\n      推送合格率:\t96%\n      b: 3次\n", 5, 13),
])
def test_a_tab_after_a_colon_is_told_where_it_is(yaml, line, column):
    """Not 'a colon is missing' on a line past the end of the file, nor a syntax error on the
    line after."""
    _document, problems = source.parse_bytes("a.yaml", yaml.encode("utf-8"))
    assert [(p.code, p.position.line, p.position.column) for p in problems] == [
        ("yaml.tab", line, column)]


def test_a_syntax_error_at_the_end_of_the_file_points_at_its_last_line():
    raw = b"year: 2024\nunit: x\n"
    found = source._syntax_error(source.Locator("a.yaml", raw), source.ParseFailure("?", len(raw)))
    assert (found.position.line, found.position.column) == (2, 8)  # not 3:1, past the end


@pytest.mark.parametrize("yaml, expected", [
    ('year: 2024  # note:\tx\nprojects: [1, 2\n', ("yaml.unterminated", 2, 11)),  # a comment
    ('unit: "a:\tb"\nprojects: [1, 2\n', ("yaml.unterminated", 2, 11)),  # inside quotes
    ("a:\n\tb:\tc\n", ("yaml.tab", 2, 1)),  # the indentation first: both told by one fix
])
def test_a_tab_in_a_comment_or_quotes_is_not_the_mistake(yaml, expected):
    _document, problems = source.parse_bytes("a.yaml", yaml.encode("utf-8"))
    assert [(p.code, p.position.line, p.position.column) for p in problems] == [expected]


def test_numbers_json_has_no_form_for_are_read_as_written():
    """rapidyaml writes +3, +.5 and 012.5 bare, as YAML numbers; JSON refuses them, and one such
    value made the whole file unreadable. Strings that look so stay as they are."""
    from evaluator.source import _bare_words_quoted

    text = '{\n  "a": +3,\n  "b": "x: +3 \\" 012.5, y",\n  "c": [012.5, -1, 1e5, true, null, +.5]\n}'
    assert json.loads(_bare_words_quoted(text)) == {
        "a": "+3", "b": 'x: +3 " 012.5, y', "c": ["012.5", -1, 1e5, True, None, "+.5"]}


@pytest.mark.parametrize("raw, line", [
    (b"year: 2024\n---\n", 2),  # a file ending in ---: there, not at 1:1
    (b"---\nyear: 2024\n---\nunit: x\n", 3),  # the opening --- starts the first document
    (b"# note\n\n---\nyear: 2024\n--- # two\nunit: x\n", 5),
])
def test_a_second_document_is_shown_at_its_mark(tmp_path, raw, line):
    from evaluator.source import load_document

    (tmp_path / "goals.yaml").write_bytes(raw)
    _document, problems = load_document(tmp_path / "goals.yaml")
    assert [(p.code, p.position.line, p.position.column, p.length) for p in problems] == [
        ("yaml.multiple_documents", line, 1, 3)]


def test_a_cr_pasted_into_an_lf_file_is_a_line_break_and_told(tmp_path):
    """A CR is a line break wherever it stands (YAML 1.2 §5.4; issue 20): one pasted into a
    summary of an LF file breaks the line there, and a warning names the line, so that the
    syntax error that follows is understood."""
    from evaluator.source import load_document

    (tmp_path / "a.yaml").write_bytes("summary: 第一段\r第二段\nyear: 2024\n".encode())
    document, problems = load_document(tmp_path / "a.yaml")
    assert [(p.code, p.position.line) for p in problems] == [
        ("file.mixed_line_breaks", 1), ("yaml.missing_colon", 2)]
    (tmp_path / "a.yaml").write_bytes("summary: 第一段\r  第二段\nyear: 2024\n".encode())
    document, problems = load_document(tmp_path / "a.yaml")
    assert [p.code for p in problems] == ["file.mixed_line_breaks"]
    assert document.data["summary"] == "第一段 第二段"  # folded, as any line break is


def test_a_directive_does_not_open_the_second_document(tmp_path):
    from evaluator.source import load_document

    (tmp_path / "a.yaml").write_bytes(b"%YAML 1.2\n---\nyear: 2024\n---\nunit: x\n")
    _document, problems = load_document(tmp_path / "a.yaml")
    assert [(p.code, p.position.line) for p in problems] == [("yaml.multiple_documents", 4)]


def test_a_cr_only_file_ending_in_crlf_is_read_by_its_cr_lines(tmp_path):
    from evaluator.source import load_document

    (tmp_path / "a.yaml").write_bytes(b"year: 2024\runit: x\rprojects: []\r\n")
    document, problems = load_document(tmp_path / "a.yaml")
    assert document.data == {"year": "2024", "unit": "x", "projects": []}
    assert [(p.code, p.position.line) for p in problems] == [("file.mixed_line_breaks", 3)]
