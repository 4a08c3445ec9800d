"""What is saved in evaluator/shipped_code.marshal is what Python compiles: the methods
dataclasses writes for the package's classes, and the regular expressions of its modules and
of the grammar's lexers. Written by `python -m evaluator.saved_code` whenever a class or an
expression changes (or Python does); anything not saved is compiled as before."""

from __future__ import annotations

import dataclasses
import marshal
import re
import subprocess
import sys
from decimal import Decimal

import _sre
import pytest

from evaluator import saved_code
from evaluator.expression import Comparison, Operator, Quantity
from evaluator.parser import _lexers, _parser
from tests.conftest import ROOT


def _current() -> bool:
    return saved_code.SAVED.read_bytes().split(b"\n", 1)[0] == saved_code.saved_key()


def _read(path) -> dict:
    with open(path, "rb") as saved:
        saved.readline()
        return marshal.loads(saved.read())


def test_the_saved_code_is_what_python_compiles(tmp_path):
    if not _current():
        pytest.skip("saved with another Python: this one compiles")
    fresh = tmp_path / "code.marshal"
    subprocess.run([sys.executable, "-m", "evaluator.saved_code", str(fresh)], cwd=ROOT,
                   check=True)
    saved, recorded = _read(saved_code.SAVED), _read(fresh)
    again = "a class or an expression changed: save the code again, python -m evaluator.saved_code"
    assert saved["methods"].keys() == recorded["methods"].keys(), again
    for module, methods in recorded["methods"].items():
        methods, saved_methods = marshal.loads(methods), marshal.loads(saved["methods"][module])
        assert saved_methods.keys() == methods.keys(), again
        for text, code in methods.items():  # code objects compare by their bytecode,
            assert saved_methods[text] == code, text  # constants, names and line tables
    assert saved["patterns"].keys() == recorded["patterns"].keys(), again
    for key, code in recorded["patterns"].items():
        assert marshal.loads(saved["patterns"][key]) == marshal.loads(code), key


def test_a_saved_pattern_is_the_one_re_compiles():
    if not _current():
        pytest.skip("saved with another Python: this one compiles")
    patterns = _read(saved_code.SAVED)["patterns"]
    assert len(patterns) > 30  # the modules' and every lexer's
    for (source, flags), code in patterns.items():
        # patterns compare by their expression, flags and code
        assert _sre.compile(source, *marshal.loads(code)) == re.compile(source, flags), source
        assert saved_code.compiled(source, flags) == re.compile(source, flags)


def test_what_is_not_saved_is_compiled():
    assert saved_code.compiled(r"\d+ 不曾保存 (\w)", re.IGNORECASE) == re.compile(
        r"\d+ 不曾保存 (\w)", re.IGNORECASE)

    @saved_code.dataclass(frozen=True, slots=True)
    class Unsaved:
        name: str
        count: int = 0

    assert Unsaved("a") == Unsaved("a", 0) and hash(Unsaved("a")) == hash(Unsaved("a", 0))
    assert repr(Unsaved("a", 2)) == "test_what_is_not_saved_is_compiled.<locals>.Unsaved(name='a', count=2)"
    with pytest.raises(dataclasses.FrozenInstanceError):
        Unsaved("a").count = 1  # type: ignore[misc]
    assert "exec" not in vars(dataclasses)  # given back: other classes are dataclasses' own


def test_classes_made_from_saved_code_are_dataclasses():
    # the methods' annotations are what dataclasses gives them (the fields' own, strings
    # here), not the names of its locals, as `from __future__ import annotations` in the
    # module that compiles them would make them
    assert Quantity.__init__.__annotations__ == {"value": "Decimal", "unit": "str",
                                                 "return": None}
    assert dataclasses.fields(Comparison)[0].name == "operator"
    first = Comparison(Operator.GE, Quantity(Decimal("3"), "次"))
    assert first == dataclasses.replace(first) and hash(first) == hash(dataclasses.replace(first))
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.implied = True  # type: ignore[misc]


def test_the_lexers_compile_through_the_saved_patterns():
    lexers = [lexer for lexer in _lexers(_parser()) if lexer is not None]
    assert len(lexers) > 1 and all(lexer.re is saved_code.SavedRe for lexer in lexers)
