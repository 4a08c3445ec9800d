"""The parser saved beside the grammar (evaluator/indicator_parser.lark.pickle) is the one the
grammar builds: written by `python -m evaluator.parser` whenever grammar/indicator.lark
changes, and parsing every string of the example and a generated unit as the built one does."""

from __future__ import annotations

import pytest
import yaml

from benchmarks.generate import generate
from evaluator import parser
from evaluator.resources import resource_path
from tests.conftest import EXAMPLE


def _grammar() -> str:
    return resource_path("grammar", "indicator.lark").read_text(encoding="utf-8")


def _strings() -> set[str]:
    found: set[str] = set()

    def walk(value):
        if isinstance(value, dict):
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)
        elif isinstance(value, str):
            found.add(value)

    for name in ("goals.yaml", "actuals.yaml"):
        walk(yaml.safe_load((EXAMPLE / name).read_text(encoding="utf-8")))
    for text in generate(20, mess=0.6):
        walk(yaml.safe_load(text))
    return found


def _outcome(chosen, text: str) -> str:
    try:
        return repr(chosen.parse(parser.normalize(text)))
    except Exception as problem:  # the same error, at the same place, expecting the same
        expected = sorted(getattr(problem, "expected", None) or getattr(problem, "allowed", None)
                          or ())
        return f"{type(problem).__name__} at {getattr(problem, 'column', '?')}: {expected}"


def test_the_saved_parser_is_the_grammars():
    header = parser.SAVED.read_bytes().split(b"\n", 1)[0]
    assert header.split()[0] == parser.saved_key(_grammar()).split()[0], (
        "grammar/indicator.lark changed: write the saved parser again, python -m evaluator.parser")


def test_the_saved_parser_parses_as_the_built_one():
    grammar = _grammar()
    if parser.SAVED.read_bytes().split(b"\n", 1)[0] != parser.saved_key(grammar):
        pytest.skip("saved with another Lark or Python: this one builds from the grammar")
    loaded, built = parser._parser.__wrapped__(), parser._built(grammar)
    assert loaded.source_path == "<deserialized>"  # the saved one, not built again
    strings = _strings()
    assert len(strings) > 300
    for text in strings:
        assert _outcome(loaded, text) == _outcome(built, text), text
