"""What is saved in evaluator/shipped_code.marshal is what Python compiles: the methods
dataclasses writes for the package's classes, and the regular expressions of its modules and
of the grammar's lexers. Written by `python -m evaluator.saved_code` whenever a class or an
expression changes (or Python does); anything not saved is compiled as before."""

from __future__ import annotations

import collections
import dataclasses
import json
import marshal
import re
import subprocess
import sys
import typing
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
    assert saved["dataclasses"] == recorded["dataclasses"] == sys.version, again
    assert saved["classes"].keys() == recorded["classes"].keys(), again
    for module, classes in recorded["classes"].items():  # shapes, and code as above
        assert marshal.loads(saved["classes"][module]) == marshal.loads(classes), module
    assert marshal.loads(saved["expressions"]) == marshal.loads(recorded["expressions"]), again


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


# Every class of the package as a tuple of what it holds: each attribute, a function by its code
# (bytecode, constants, names, lines), defaults, annotations, closure and what it wraps, a field
# by each of its settings; object addresses left out.
_DESCRIBED = r"""
import dataclasses, importlib, json, pkgutil, re, sys, types, typing
from evaluator import saved_code
if sys.argv[1] == "dataclasses":  # every class made by dataclasses, every named tuple by typing
    saved_code._module_classes = lambda module: {}
    saved_code.NamedTuple = typing.NamedTuple
import evaluator

def code(c):
    return (c.co_name, c.co_qualname, c.co_code, c.co_names, c.co_varnames, c.co_freevars,
            c.co_cellvars, c.co_argcount, c.co_kwonlyargcount, c.co_flags, c.co_filename,
            c.co_firstlineno, c.co_linetable,
            tuple(code(k) if isinstance(k, types.CodeType) else repr(k) for k in c.co_consts))

def held(v, depth=0):
    if isinstance(v, types.FunctionType):
        return ("function", v.__name__, v.__qualname__, v.__module__, code(v.__code__),
                repr(v.__defaults__), repr(v.__kwdefaults__), repr(v.__annotations__), v.__doc__,
                sorted(vars(v)), v.__globals__ is vars(sys.modules[v.__module__]),
                tuple(held(c.cell_contents, depth + 1) if depth < 2 else repr(c.cell_contents)
                      for c in v.__closure__ or ()),
                held(v.__wrapped__, depth + 1) if hasattr(v, "__wrapped__") else None)
    if isinstance(v, dataclasses.Field):
        return ("field",) + tuple(repr(getattr(v, name)) for name in v.__slots__)
    if isinstance(v, type):
        return ("class", v.__module__, v.__qualname__)
    if isinstance(v, dict):
        return ("dict", tuple((k, held(x, depth + 1)) for k, x in v.items()))
    return (type(v).__name__, repr(v))

for module in pkgutil.walk_packages(evaluator.__path__, "evaluator."):
    if not module.name.endswith("__main__"):
        importlib.import_module(module.name)
described = {}
for name, module in sorted(sys.modules.items()):
    if name.startswith("evaluator"):
        described[name] = sorted(key for key in vars(module) if key.startswith(("_dflt", "__create")))
        for value in list(vars(module).values()):
            if (isinstance(value, type) and value.__module__ == name
                    and (dataclasses.is_dataclass(value) or hasattr(value, "_fields"))):
                described[f"{name}.{value.__qualname__}"] = (
                    [(key, held(item)) for key, item in vars(value).items()],
                    [base.__qualname__ for base in value.__mro__], getattr(value, "__slots__", None))
print(re.sub(r" at 0x[0-9a-f]+", "", json.dumps(described, default=repr)))
"""


def test_classes_finished_from_their_shape_are_the_ones_dataclasses_makes():
    # and named tuples made with the saved code are typing's own
    if not _current():
        pytest.skip("saved with another Python: dataclasses makes every class")
    made = {how: subprocess.run([sys.executable, "-c", _DESCRIBED, how], cwd=ROOT, check=True,
                                capture_output=True, text=True).stdout
            for how in ("saved", "dataclasses")}
    assert len(saved_code._loaded()["classes"]) > 15  # modules with classes so finished
    saved, own = json.loads(made["saved"]), json.loads(made["dataclasses"])
    assert saved.keys() == own.keys()
    assert [name for name in own if saved[name] != own[name]] == []
    assert "evaluator.goals.Funds" in own and "evaluator.actuals.Budget" in own


def test_named_tuples_are_typings_own():
    from evaluator.goals import Funds

    assert Funds.__orig_bases__ == (typing.NamedTuple,) and Funds.__mro__ == (Funds, tuple, object)
    assert Funds.__annotations__["fiscal"] == typing.ForwardRef("Decimal | None")
    assert Funds(1, None, None, None)._replace(total=2) == (2, None, None, None)
    assert "compile" not in vars(typing) and "eval" not in vars(collections)  # given back


def test_a_class_of_another_shape_is_made_by_dataclasses():
    # a saved class's qualified name, in its module, but another field: not finished from
    # the saved shape (its methods would be the saved class's)
    module = "evaluator.expression"
    recipe = saved_code._module_classes(module)["Quantity"]

    class Quantity:
        """A class named like a saved one."""
        value: str
        unit: str
        extra: int = 0
    Quantity.__module__, Quantity.__qualname__ = module, "Quantity"
    assert saved_code._shape(Quantity, {"frozen": True, "slots": True}) != recipe[0]
    made = saved_code.dataclass(Quantity, frozen=True, slots=True)
    assert made("a", "b") == made("a", "b", 0) and made("a", "b").extra == 0
    assert [field.name for field in dataclasses.fields(made)] == ["value", "unit", "extra"]


def test_the_lexers_compile_through_the_saved_patterns():
    lexers = [lexer for lexer in _lexers(_parser()) if lexer is not None]
    assert len(lexers) > 1 and all(lexer.re is saved_code.SavedRe for lexer in lexers)
