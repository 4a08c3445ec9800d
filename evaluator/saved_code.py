"""What Python would compile at every start, compiled once and saved
(``evaluator/shipped_code.marshal``): the methods ``dataclasses`` writes for this package's
classes, and the regular expressions of its modules and of the indicator grammar's lexer.

A small run spends a third of its own time so: ``dataclasses`` writes each class's
``__init__``, ``__eq__``, ``__hash__`` … as Python text and compiles it (0.5 ms a class, some
fifty classes), ``re`` parses and compiles each expression in Python (Lark's lexer, a union of
the terminals a parser state accepts, 1 ms each). What is saved is keyed by the very text
compiled: the source of the methods, an expression and its flags; the file by Python's
bytecode and ``re``'s code formats. Text not saved (a class or an expression changed since, or
another module's) is compiled as before, and so is everything on another Python: what is used
is always what compiling would give. Written by `python -m evaluator.saved_code`; a test holds
it to a fresh recording.
"""

from __future__ import annotations

import dataclasses
import marshal
import re
import sys
from pathlib import Path
from types import CodeType
from typing import TYPE_CHECKING, Any

import _sre

SAVED = Path(__file__).with_name("shipped_code.marshal")

# {"methods": {module: its classes' methods}, "patterns": {(expression, flags): what re hands
# to _sre.compile}}, each marshalled apart and read when first asked for (a JSON run makes a
# third of the package's classes, and uses 8 of the 21 lexers)
_saved: dict[str, dict] | None = None
_methods: dict[str | None, dict[str, CodeType]] = {}  # by module, as read
_recording: dict[str, dict] | None = None  # what `save` writes, as the modules are imported


def saved_key() -> bytes:
    """What the saved code is good for: this Python's bytecode (the methods' code objects, in
    marshal's format) and its regular expressions' code, under its optimisation level."""
    from importlib.util import MAGIC_NUMBER

    return (f"{sys.implementation.cache_tag} {MAGIC_NUMBER.hex()} sre {_sre.MAGIC} "
            f"{_sre.CODESIZE} optimize {sys.flags.optimize}").encode()


def _loaded() -> dict[str, dict]:
    global _saved
    if _saved is None:
        _saved = {"methods": {}, "patterns": {}}
        try:
            with open(SAVED, "rb") as saved:
                if saved.readline().rstrip(b"\n") == saved_key():
                    # marshal.load(file) would read it a piece at a time: 6× slower
                    _saved = marshal.loads(saved.read())
        except Exception:  # missing or unreadable: everything is compiled
            pass
    return _saved


def _method_code(text: str) -> CodeType:
    # as exec compiles the text in dataclasses, whose module imports nothing from __future__
    # (this one does: its flags are not to be inherited)
    return compile(text, "<string>", "exec", dont_inherit=True)


def _module_methods(module: str | None) -> dict[str, CodeType]:
    methods = _methods.get(module)
    if methods is None:
        saved = _loaded()["methods"].get(module)
        methods = _methods[module] = marshal.loads(saved) if saved is not None else {}
    return methods


def _exec(text: Any, globals: dict | None = None, locals: dict | None = None) -> None:
    """``exec`` as dataclasses calls it, on the text of a class's method, with the globals of
    the class's module."""
    module = globals.get("__name__") if globals is not None else None
    code = _module_methods(module).get(text) if type(text) is str else None
    if code is None:
        code = _method_code(text) if type(text) is str else text
        if _recording is not None and type(text) is str:
            _recording["methods"].setdefault(module, {})[text] = code
    exec(code, globals, locals)


if TYPE_CHECKING:
    from dataclasses import dataclass
else:
    def dataclass(cls=None, /, **options):
        """``dataclasses.dataclass``: the same class, with its methods' code taken from what
        was saved rather than compiled. The module's own ``exec`` is found before the
        builtin, and only while a class of this package is made: the name is given back
        after."""
        if cls is None:
            return lambda cls: dataclass(cls, **options)
        had = "exec" in vars(dataclasses)
        dataclasses.exec = _exec
        try:
            return dataclasses.dataclass(cls, **options)
        finally:
            if not had:
                vars(dataclasses).pop("exec", None)


def compiled(source: str | bytes, flags: int = 0) -> re.Pattern:
    """``re.compile(source, flags)``, its code read from what was saved when it is there."""
    flags = int(flags)
    saved = _loaded()["patterns"].get((source, flags))
    if saved is not None:
        try:
            return _sre.compile(source, *marshal.loads(saved))
        except Exception:  # not what this re takes after all: compiled
            pass
    pattern = re.compile(source, flags)
    if _recording is not None:
        _recording["patterns"][(source, flags)] = _code_of(source, flags)
    return pattern


def _code_of(source: str | bytes, flags: int) -> tuple:
    """What ``re`` hands to ``_sre.compile`` for this expression, bar the expression itself
    (re._compiler.compile, whose last step this is)."""
    from re import _compiler, _parser  # type: ignore[attr-defined]

    parsed = _parser.parse(source, flags)
    code = _compiler._code(parsed, flags)
    indexgroup = [None] * parsed.state.groups
    for name, index in parsed.state.groupdict.items():
        indexgroup[index] = name
    return (flags | parsed.state.flags, [int(op) for op in code], parsed.state.groups - 1,
            parsed.state.groupdict, tuple(indexgroup))


class SavedRe:
    """What Lark's lexer asks of ``re`` (its ``compile``, ``match`` and ``error``), answered
    from the saved patterns: given to each lexer of the saved parser (parser._parser)."""

    error = re.error

    @staticmethod
    def compile(source: str | bytes, flags: int = 0) -> re.Pattern:
        return compiled(source, flags)

    @staticmethod
    def match(source: str | bytes, text: Any, flags: int = 0) -> re.Match | None:
        return compiled(source, flags).match(text)


def recorded() -> dict[str, dict]:
    """Import every module of the package and build every lexer of the grammar, recording
    what is compiled; call in a fresh process (a module imported before is not seen)."""
    global _recording
    import importlib
    import pkgutil

    import evaluator

    _recording = {"methods": {}, "patterns": {}}
    try:
        for module in sorted(pkgutil.walk_packages(evaluator.__path__, "evaluator."),
                             key=lambda m: m.name):
            if not module.name.endswith("__main__"):
                importlib.import_module(module.name)
        from .parser import every_scanner

        every_scanner()
        return _recording
    finally:
        _recording = None


def save(path: Path = SAVED) -> None:
    """Write what is recorded (`python -m evaluator.saved_code [PATH]`)."""
    global _saved
    _saved = {"methods": {}, "patterns": {}}  # record everything: nothing read from the file
    code = recorded()
    for kind in ("methods", "patterns"):
        code[kind] = {key: marshal.dumps(value) for key, value in code[kind].items()}
    path.write_bytes(saved_key() + b"\n" + marshal.dumps(code))


if __name__ == "__main__":
    from evaluator import saved_code  # the package's module, which the others import

    saved_code.save(Path(sys.argv[1]) if len(sys.argv) > 1 else SAVED)
