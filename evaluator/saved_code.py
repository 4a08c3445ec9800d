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

Beyond the compiling, ``dataclasses`` spends as long again working out each class (its fields
examined, each method's text written: 12 ms of a small run for some fifty classes). For each
class the file also keeps what decides that work, its shape (the options, each field's name and
settings, which methods the class writes itself), and the methods' code in the order they were
made: a class of the same shape is finished from those (``_replayed``: the same fields, the same
functions from the same code, set in the same order), anything else by ``dataclasses`` itself
(only a class of another kind has its methods' code kept by their text).
A test holds every class of the package made so to the one ``dataclasses`` makes.

A named tuple costs compiling too: ``typing`` compiles each field's annotation (a string, under
``from __future__ import annotations``) and ``collections`` the text of its ``__new__``. The
package's named tuples take ``NamedTuple`` from here: typing's own class, made with that code
read from what was saved (``expressions``, keyed by the text).
"""

from __future__ import annotations

import abc
import collections
import dataclasses
import marshal
import re
import sys
import typing
from dataclasses import MISSING, Field
from pathlib import Path
from types import CodeType, MemberDescriptorType
from typing import TYPE_CHECKING, Any

import _sre

SAVED = Path(__file__).with_name("shipped_code.marshal")

# {"methods": {module: its classes' methods}, "patterns": {(expression, flags): what re hands
# to _sre.compile}, "classes": {module: {qualname: (shape, methods made)}}, "dataclasses": the
# Python whose dataclasses made them}, each marshalled apart and read when first asked for (a
# JSON run makes a third of the package's classes, and uses 8 of the 21 lexers)
_saved: dict[str, Any] | None = None
_methods: dict[str | None, dict[str, CodeType]] = {}  # by module, as read
_classes: dict[str | None, dict[str, tuple]] = {}  # by module, as read
_recording: dict[str, dict] | None = None  # what `save` writes, as the modules are imported
_made: list[CodeType] | None = None  # the methods' code of the class being recorded, in order
_expressions: dict[tuple[str, str], CodeType] | None = None  # as read


def saved_key() -> bytes:
    """What the saved code is good for: this Python's bytecode (the methods' code objects, in
    marshal's format) and its regular expressions' code, under its optimisation level."""
    from importlib.util import MAGIC_NUMBER

    return (f"{sys.implementation.cache_tag} {MAGIC_NUMBER.hex()} sre {_sre.MAGIC} "
            f"{_sre.CODESIZE} optimize {sys.flags.optimize}").encode()


def _loaded() -> dict[str, dict]:
    global _saved
    if _saved is None:
        _saved = {"methods": {}, "patterns": {}, "classes": {}, "expressions": b"{}"}
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
        if _made is not None:  # a class finished from its shape: saved with it
            _made.append(code)
        elif _recording is not None and type(text) is str:  # one of another kind: by its text
            _recording["methods"].setdefault(module, {})[text] = code
    exec(code, globals, locals)


# ---- named tuples -------------------------------------------------------------------------------

def _compile(source: Any, filename: str, mode: str, flags: int = 0, dont_inherit: bool = False,
             optimize: int = -1) -> CodeType:
    """``compile`` as typing calls it on an annotation's text (its module imports nothing from
    __future__, which this one does: its flags are not inherited)."""
    if type(source) is not str or flags or optimize != -1:
        return compile(source, filename, mode, flags, True, optimize)
    global _expressions
    if _expressions is None:
        _expressions = marshal.loads(_loaded().get("expressions", b"{}"))
    code = _expressions.get((source, mode)) if filename == "<string>" else None
    if code is None:
        code = compile(source, filename, mode, dont_inherit=True)
        if _recording is not None and filename == "<string>":
            _recording["expressions"][(source, mode)] = code
    return code


def _eval(source: Any, globals: dict | None = None, locals: Any = None) -> Any:
    """``eval`` as collections.namedtuple calls it on the text of a ``__new__``."""
    if type(source) is str:  # as eval reads a text: leading spaces and tabs dropped
        source = _compile(source.lstrip(" \t"), "<string>", "eval")
    return eval(source, globals, locals)


class _NamedTupleMeta(type):
    def __new__(cls, typename: str, bases: tuple, namespace: dict) -> Any:
        if not bases:  # NamedTuple itself
            return super().__new__(cls, typename, bases, namespace)
        # as the class statement gives them to typing's NamedTuple
        namespace["__orig_bases__"] = tuple(typing.NamedTuple if base is NamedTuple else base
                                            for base in namespace.get("__orig_bases__", bases))
        bases = tuple(typing._NamedTuple if base is NamedTuple else base  # type: ignore[attr-defined]
                      for base in bases)
        had = ("compile" in vars(typing), "eval" in vars(collections))
        typing.compile, collections.eval = _compile, _eval  # type: ignore[attr-defined]
        try:
            return typing.NamedTupleMeta(typename, bases, namespace)  # type: ignore[attr-defined]
        finally:
            if not had[0]:
                vars(typing).pop("compile", None)
            if not had[1]:
                vars(collections).pop("eval", None)


if TYPE_CHECKING:
    from typing import NamedTuple
elif not (hasattr(typing, "NamedTupleMeta") and hasattr(typing, "_NamedTuple")):
    NamedTuple = typing.NamedTuple  # another Python's typing: its own, compiled
else:
    class NamedTuple(metaclass=_NamedTupleMeta):
        """``typing.NamedTuple`` as a base in a class statement: the same class, made with the
        annotations' and ``__new__``'s code read from what was saved."""


# ---- classes finished from their shape ---------------------------------------------------------

_OPTIONS = (("init", True), ("repr", True), ("eq", True), ("order", False),
            ("unsafe_hash", False), ("frozen", False), ("match_args", True),
            ("kw_only", False), ("slots", False), ("weakref_slot", False))
_OPTION_NAMES = frozenset(name for name, _ in _OPTIONS)
# what dataclasses sets only where the class has none of its own
_OWN = ("__init__", "__repr__", "__eq__", "__lt__", "__le__", "__gt__", "__ge__",
        "__setattr__", "__delattr__", "__match_args__", "__getstate__", "__setstate__")
_ORDERING = frozenset(("__lt__", "__le__", "__gt__", "__ge__"))
_HASH_ACTIONS = {None: None, dataclasses._hash_add: "add",  # type: ignore[attr-defined]
                 dataclasses._hash_set_none: "none"}  # type: ignore[attr-defined]
_NOT_FIELDS = (typing.ClassVar, dataclasses.InitVar, dataclasses.KW_ONLY)


def _pseudo_field(annotation: str, namespace: dict) -> bool:
    """Whether dataclasses could take this annotation for a ClassVar, an InitVar or KW_ONLY
    (its ``_is_type``, read more widely: a class with one is left to dataclasses)."""
    match = dataclasses._MODULE_IDENTIFIER_RE.match(annotation)  # type: ignore[attr-defined]
    if match is None:
        return False
    named = namespace.get(match.group(2))
    return (any(named is kind for kind in _NOT_FIELDS)
            or type(named) in (dataclasses.InitVar, type(dataclasses.KW_ONLY))
            or getattr(named, "__origin__", None) is typing.ClassVar)


def _shape(cls: type, options: dict) -> tuple | None:
    """What decides the methods dataclasses writes for this class, and how it sets them; None
    for a class that is not of the plain kind finished here (dataclasses makes it)."""
    if not options.keys() <= _OPTION_NAMES:
        return None
    settings = tuple(bool(options.get(name, default)) for name, default in _OPTIONS)
    init, _, eq, order, unsafe_hash, frozen, _, _, slots, weakref_slot = settings
    module = sys.modules.get(cls.__module__)
    if (module is None or (order and not eq) or (weakref_slot and not slots)
            or not getattr(cls, "__doc__")  # its doc would be written from its signature
            or any(hasattr(base, "__dataclass_fields__") for base in cls.__mro__[1:])
            or (slots and "__slots__" in cls.__dict__)):
        return None
    own = cls.__dict__
    annotations = own.get("__annotations__", {})
    fields = []
    for name, annotation in annotations.items():
        if type(annotation) is not str or name == "self" or _pseudo_field(annotation,
                                                                          module.__dict__):
            return None
        default = getattr(cls, name, MISSING)
        if isinstance(default, Field):
            if default.default.__class__.__hash__ is None:  # refused by dataclasses
                return None
            fields.append((name, default.default is not MISSING,
                           default.default_factory is not MISSING, default.init, default.repr,
                           default.hash, default.compare,
                           None if default.kw_only is MISSING else default.kw_only))
        else:
            if isinstance(default, MemberDescriptorType):
                default = MISSING
            if default.__class__.__hash__ is None:
                return None
            fields.append((name, default is not MISSING))
    if any(isinstance(value, Field) and name not in annotations for name, value in own.items()):
        return None
    written = tuple(name for name in _OWN if name in own)
    if ((order and _ORDERING.intersection(written))
            or (frozen and ("__setattr__" in written or "__delattr__" in written))):
        return None  # refused by dataclasses
    class_hash = own.get("__hash__", MISSING)
    explicit_hash = not (class_hash is MISSING or (class_hash is None and "__eq__" in own))
    action = dataclasses._hash_action[unsafe_hash, eq, frozen, explicit_hash]  # type: ignore[attr-defined]
    if action not in _HASH_ACTIONS:
        return None
    return (settings, tuple(fields), hasattr(cls, "__post_init__"), written,
            _HASH_ACTIONS[action], init)


def _module_classes(module: str | None) -> dict[str, tuple]:
    classes = _classes.get(module)
    if classes is None:
        saved = _loaded()
        made = saved["classes"].get(module) if saved.get("dataclasses") == sys.version else None
        classes = _classes[module] = marshal.loads(made) if made is not None else {}
    return classes


def _recipe(codes: list[CodeType]) -> tuple:
    """Each method as (its name, the code that makes it, the names that code is given)."""
    recipe = []
    for code in codes:
        maker = next(const for const in code.co_consts if isinstance(const, CodeType))
        method = next(const for const in maker.co_consts if isinstance(const, CodeType))
        recipe.append((method.co_name, code, maker.co_varnames[:maker.co_argcount]))
    return tuple(recipe)


_CONSTANTS = {"MISSING": MISSING,
              "_HAS_DEFAULT_FACTORY": dataclasses._HAS_DEFAULT_FACTORY,  # type: ignore[attr-defined]
              "__dataclass_builtins_object__": object, "_return_type": None,
              "FrozenInstanceError": dataclasses.FrozenInstanceError}


def _replayed(cls: type, settings: tuple, hash_action: str | None, recipe: tuple) -> type:
    """The class as ``dataclasses._process_class`` finishes it, step for step, its methods
    made from their saved code with the values dataclasses gives that code."""
    init, repr_, eq, order, unsafe_hash, frozen, match_args, kw_only, slots, weakref_slot = \
        settings
    globals = sys.modules[cls.__module__].__dict__
    cls.__dataclass_params__ = dataclasses._DataclassParams(  # type: ignore[attr-defined]
        init, repr_, eq, order, unsafe_hash, frozen)
    fields = {}
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        default = getattr(cls, name, MISSING)
        if isinstance(default, Field):
            field = default
        else:
            if isinstance(default, MemberDescriptorType):
                default = MISSING
            field = dataclasses.field(default=default)
        field.name, field.type = name, annotation
        field._field_type = dataclasses._FIELD  # type: ignore[attr-defined]
        if field.kw_only is MISSING:
            field.kw_only = kw_only
        fields[name] = field
    for field in fields.values():
        if isinstance(getattr(cls, field.name, None), Field):
            if field.default is MISSING:
                delattr(cls, field.name)
            else:
                setattr(cls, field.name, field.default)
    cls.__dataclass_fields__ = fields  # type: ignore[attr-defined]
    constants = dict(_CONSTANTS, cls=cls)
    for name, code, arguments in recipe:
        given = {}
        for argument in arguments:
            if argument.startswith("_type_"):
                given[argument] = fields[argument[6:]].type
            elif argument.startswith("_dflt_"):
                field = fields[argument[6:]]
                given[argument] = (field.default if field.default_factory is MISSING
                                   else field.default_factory)
            else:
                given[argument] = constants[argument]
        made: dict = {}
        exec(code, globals, made)
        method = made["__create_fn__"](**given)
        if name == "__hash__":
            cls.__hash__ = dataclasses._set_qualname(cls, method)  # type: ignore[attr-defined]
        else:
            if name == "__repr__":
                method = dataclasses._recursive_repr(method)  # type: ignore[attr-defined]
            dataclasses._set_new_attribute(cls, name, method)  # type: ignore[attr-defined]
    if hash_action == "none":
        cls.__hash__ = None  # type: ignore[assignment]
    if match_args:
        dataclasses._set_new_attribute(  # type: ignore[attr-defined]
            cls, "__match_args__",
            tuple(field.name for field in fields.values() if field.init and not field.kw_only))
    if slots:
        cls = dataclasses._add_slots(cls, frozen, weakref_slot)  # type: ignore[attr-defined]
    abc.update_abstractmethods(cls)
    return cls


if TYPE_CHECKING:
    from dataclasses import dataclass
else:
    def dataclass(cls=None, /, **options):
        """``dataclasses.dataclass``: the same class, with its methods' code taken from what
        was saved rather than compiled. The module's own ``exec`` is found before the
        builtin, and only while a class of this package is made: the name is given back
        after."""
        global _made
        if cls is None:
            return lambda cls: dataclass(cls, **options)
        shape = _shape(cls, options)
        if shape is not None and _recording is None:
            saved = _module_classes(cls.__module__).get(cls.__qualname__)
            if saved is not None and saved[0] == shape:
                return _replayed(cls, shape[0], shape[4], saved[1])
        had = "exec" in vars(dataclasses)
        dataclasses.exec = _exec
        _made = [] if _recording is not None and shape is not None else None
        try:
            made = dataclasses.dataclass(cls, **options)
            if _made is not None:
                _recording["classes"].setdefault(cls.__module__, {})[  # type: ignore[index]
                    cls.__qualname__] = (shape, _recipe(_made))
            return made
        finally:
            _made = None
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

    _recording = {"methods": {}, "patterns": {}, "classes": {}, "expressions": {}}
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
    global _expressions
    _saved = {"methods": {}, "patterns": {}, "classes": {}}  # record everything: nothing read
    _expressions = {}
    code: dict[str, Any] = recorded()
    for kind in ("methods", "patterns", "classes"):
        code[kind] = {key: marshal.dumps(value) for key, value in code[kind].items()}
    code["expressions"] = marshal.dumps(code["expressions"])
    code["dataclasses"] = sys.version
    path.write_bytes(saved_key() + b"\n" + marshal.dumps(code))


if __name__ == "__main__":
    from evaluator import saved_code  # the package's module, which the others import

    saved_code.save(Path(sys.argv[1]) if len(sys.argv) > 1 else SAVED)
