"""The fast paths of source.py answer as the slow ones did: JSON decoded without a hook and its
entries counted against the tree, the newline scan of line_starts, the child index."""

from __future__ import annotations

import json

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
