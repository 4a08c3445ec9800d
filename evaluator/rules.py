"""Rule sets: the scoring policy as data (rules/*.yaml), validated by the schema of
rule_specs.py, and read by a run as the plain objects below.

A rule set may ``extends:`` another (a shipped name or a file) and override single options;
mappings merge key by key, lists are replaced whole.
"""

from __future__ import annotations

import os
from dataclasses import field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic, Position, error
from .expression import Tier
from .resources import DEFAULT_RULES, resource_dir
from .inputs import value_at
from .saved_code import dataclass
from .source import Document, load_document
from .weights import split_pro_rata


class Options:
    """A part of a rule set as a run reads it: its options as attributes, never changed.
    rule_specs.py declares and validates them (``rule_specs.plain`` makes these of a validated
    rule set); a shipped rule set is loaded as saved so (saved_rules.py), and a run that uses
    one imports none of pydantic's models."""

    def __init__(self, **options: Any) -> None:
        self.__dict__.update(options)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.__dict__ == self.__dict__

    def __hash__(self) -> int:
        return hash((type(self), *self.__dict__.values()))

    def __repr__(self) -> str:
        options = ", ".join(f"{key}={value!r}" for key, value in self.__dict__.items())
        return f"{type(self).__name__}({options})"

    def as_data(self) -> dict[str, Any]:
        """The options as the model's ``model_dump`` gives them (mappings, tuples, values)."""
        return {key: _data(value) for key, value in self.__dict__.items()}


def _data(value: Any) -> Any:
    if isinstance(value, Options):
        return value.as_data()
    if isinstance(value, tuple):
        return tuple(_data(item) for item in value)
    return value


class BudgetRule(Options):
    """预算执行率一行 (each class here: its options in rule_specs.py, under the same name)."""


class Category(Options):
    def level1_names(self) -> tuple[str, ...]:
        return self.members or (self.name,)


class WeightRule(Options):
    pass


class QuantitativeRule(Options):
    pass


class TierBand(Options):
    @property
    def top(self) -> bool:
        """The 达成 band: its upper bound, 100, is included."""
        return self.high >= 100

    def contains(self, rate: Decimal) -> bool:
        """A score rate (in %) in this band: lower bound included, upper only for the top."""
        return self.low <= rate and (rate <= self.high if self.top else rate < self.high)


class QualitativeRule(Options):
    def band(self, tier: Tier) -> TierBand:
        return {Tier.ACHIEVED: self.achieved, Tier.PARTIAL: self.partial,
                Tier.MISSED: self.missed}[tier]


class TierWords(Options):
    pass


class Vocabulary(Options):
    pass


class Grade(Options):
    pass


class ReviewRule(Options):
    pass


class ImportRule(Options):
    pass


class RuleSet(Options):
    def category_of(self, level1: str) -> Category | None:
        for category in self.weights.categories:
            if level1 in category.level1_names():
                return category
        return None

    def with_overrides(self, overrides: dict[str, Any]) -> "RuleSet":
        """This rule set with some options replaced, key by key, as an ``extends:`` file does."""
        from .rule_specs import RuleSet as Spec, plain

        merged = _merge(self.as_data(), overrides)
        if "weight" in overrides.get("budget", {}) and "categories" not in overrides.get(
                "weights", {}):
            merged = _categories_fill(merged)
        return plain(Spec.model_validate(merged))

    def grade(self, total: Decimal) -> str:
        for grade in self.grades:
            if total >= grade.minimum:
                return grade.name
        return self.grades[-1].name if self.grades else ""


@dataclass(frozen=True)
class LoadedRules:
    """A rule set read: the RuleSet (None when in error) and the files it came from."""

    rules: RuleSet | None
    documents: tuple[Document, ...]  # every file read, for excerpts in messages
    data: Any = field(default=None, repr=False, compare=False)  # as validated, merged


@dataclass(frozen=True, eq=False)
class _Layered:
    """A rule set merged from an ``extends`` chain: its data, and positions found in the most
    derived file that holds the path (a LoadedDocument, see inputs.py; its excerpts come from
    the layers themselves, which are the run's sources)."""

    path: str
    data: Any
    layers: tuple[Document, ...]  # the file asked for first, then what it extends

    def position(self, path: tuple[Any, ...], *, key: bool = False, offset: int = 0) -> Position:
        for length in range(len(path), -1, -1):
            for layer in self.layers:
                if layer.has(path[:length]):
                    return layer.position(path[:length], key=key and length == len(path),
                                          offset=offset if length == len(path) else 0)
        return self.layers[0].position(())

    def has(self, path: tuple[Any, ...]) -> bool:
        """In the merged data (a list a layer replaced is the layer's)."""
        missing = object()
        return value_at(self.data, path, missing) is not missing


def _categories_fill(data: dict[str, Any]) -> dict[str, Any]:
    """Categories inherited under a budget weight of the derived file's own: they keep their
    proportions and fill what the budget leaves, in 0.01 steps that add up exactly (DESIGN
    §4.1: with budget 0, 产出 55.56, 效益 33.33, 满意度 11.11). Anything unreadable is left as
    it is, for the schema to name."""
    try:
        rest = Decimal(100) - Decimal(str(data["budget"]["weight"]))
        categories = data["weights"]["categories"]
        weights = [Decimal(str(category["weight"])) for category in categories]
        if not 0 <= rest <= 100 or sum(weights) <= 0 or sum(weights) == rest:
            return data
    except (KeyError, TypeError, ValueError, InvalidOperation):
        return data
    filled = [{**category, "weight": share}
              for category, share in zip(categories, split_pro_rata(rest, weights))]
    return {**data, "weights": {**data["weights"], "categories": filled}}


def _categories_advice(rules: RuleSet) -> str:
    """What to write when the categories a rule set states miss what its budget row leaves."""
    rest = Decimal(100) - rules.budget.weight
    categories = rules.weights.categories
    weights = [c.weight for c in categories]
    advice = f"预算执行率 {rules.budget.weight} 分时，各类别分值合计应为 {rest}"
    if sum(weights) > 0:
        shares = split_pro_rata(rest, weights)
        advice += "，按现有比例为" + "、".join(
            f"{c.name} {share}" for c, share in zip(categories, shares))
    return advice + "；只改预算执行率分值时可不写 weights.categories，继承的类别按原比例分配其余分值"


def shipped_rule_sets() -> list[str]:
    return sorted(p.stem for p in resource_dir("rules").glob("*.yaml"))


def _resolve(reference: str, relative_to: Path | None) -> Path | None:
    """The file a rule-set reference names. Given on the command line (``relative_to`` None):
    a path, or a shipped name. Named by ``extends:`` in a file: a file beside that one or below
    it, or a shipped name; a rule file someone sent must not reach the rest of the machine (a
    file read as rules is quoted in the excerpts of its diagnostics)."""
    candidate = Path(reference)
    if relative_to is None:
        if candidate.is_file():
            return candidate
    elif _confined(relative_to.parent / candidate, relative_to.parent) is not None:
        return relative_to.parent / candidate
    shipped = resource_dir("rules") / f"{reference}.yaml"
    return shipped if "/" not in reference and shipped.is_file() else None


def _confined(path: Path, folder: Path) -> Path | None:
    """``path`` when it is a file in ``folder`` or below, links followed."""
    try:
        real, root = path.resolve(), folder.resolve()
    except (OSError, RuntimeError):  # a loop of links
        return None
    # not only a regular file: a FIFO or a folder there is refused by the reading, as such
    return path if real.is_relative_to(root) and real.exists() else None


def _outside(reference: str) -> bool:
    """An ``extends:`` that points away from its file's folder: absolute, or through ``..``."""
    path = Path(reference)
    return path.is_absolute() or ".." in path.parts or reference.startswith("~")


def _merge(base: Any, override: Any) -> Any:
    """Override ``base`` key by key; lists and scalars are replaced whole."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge(base[key], value) if key in base else value
        return merged
    return override


def load_rules(reference: str = DEFAULT_RULES, *, saved: bool = True
               ) -> tuple[LoadedRules, list[Diagnostic]]:
    """Load a shipped rule set by name or a file, following ``extends:`` chains. ``saved``:
    data that is a shipped rule set's, to the byte, is taken as validated (saved_rules.py)."""
    documents: list[Document] = []
    seen: set[Path] = set()
    current: str | None = reference
    relative: Path | None = None
    while current is not None:
        path = _resolve(current, relative)
        if path is None and relative is not None and (
                _outside(current) or os.path.lexists(relative.parent / current)):
            # told without the target's name or contents: nothing of it is read
            return LoadedRules(None, tuple(documents)), [error(
                "rules.extends_outside", "extends 只能指向内置规则集，或本规则文件所在目录（及其子目录）中的文件",
                documents[-1].position(("extends",)), length=min(len(current), 80),
                hint="请把要继承的规则文件复制到本文件旁边，再写它的文件名")]
        if path is None:
            where = documents[-1].position(("extends",)) if documents else None
            known = "、".join(shipped_rule_sets())
            return LoadedRules(None, tuple(documents)), [error(
                "rules.not_found", f"找不到规则集“{current}”", where,
                hint=f"内置规则集：{known}；也可以给出规则文件的路径")]
        path = path.resolve()
        if path in seen:
            return LoadedRules(None, tuple(documents)), [error(
                "rules.cycle", f"规则集循环继承“{current}”", documents[-1].position(("extends",)))]
        seen.add(path)
        document, problems = load_document(path, display=_display(path))
        documents.append(document)
        if problems:
            return LoadedRules(None, tuple(documents)), problems
        if not isinstance(document.data, dict):
            return LoadedRules(None, tuple(documents)), [error(
                "rules.root", "规则集的最外层应为“名称: 值”形式的映射", document.position(()))]
        parent = document.data.get("extends")
        current = parent if isinstance(parent, str) and parent else None
        relative = path
    merged: Any = {}
    for layer in reversed(documents):
        merged = _merge(merged, {k: v for k, v in layer.data.items() if k != "extends"})
    if documents[0].data.get("extends") is not None:  # shown by `evaluate rules`
        merged["extends"] = documents[0].data["extends"]
        # a file that changes a rule set but names itself nothing is not that rule set: its
        # reports say whose rules were changed, and by which file
        own = Path(documents[0].path)
        if "name" not in documents[0].data:
            merged["name"] = own.stem
        if "title" not in documents[0].data and isinstance(merged.get("title"), str):
            merged["title"] = f"{merged['title']}（经 {own.name} 修改）"
    if _first_holding(documents, ("budget", "weight")) < _first_holding(
            documents, ("weights", "categories")):
        merged = _categories_fill(merged)
    if saved:
        from .saved_rules import saved_rule_set

        rules = saved_rule_set(merged)
        if rules is not None:
            return LoadedRules(rules, tuple(documents), merged), []
    from .models import validate
    from .rule_specs import RuleSet as Spec, plain

    combined = _Layered(documents[0].path, merged, tuple(documents))
    spec, problems = validate(Spec, combined)  # type: ignore[arg-type]
    rules = None if spec is None else plain(spec)
    return LoadedRules(rules, tuple(documents), merged), [_as_rules_error(d) for d in problems]


def _first_holding(documents: list[Document], path: tuple[str, ...]) -> int:
    """How far up the ``extends`` chain the option is set (0: the file asked for)."""
    return next((i for i, document in enumerate(documents) if document.has(path)),
                len(documents))


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _as_rules_error(diagnostic: Diagnostic) -> Diagnostic:
    return Diagnostic(diagnostic.severity, "rules." + diagnostic.code.split(".", 1)[-1],
                      diagnostic.message, diagnostic.position, diagnostic.length, diagnostic.hint)


def describe(rules: RuleSet) -> list[tuple[str, str, str, Any]]:
    """(option, title, description, value) for every option, for ``evaluate rules``."""
    from .models import described_fields
    from .rule_specs import RuleSet as Spec

    rows = []
    data = Spec.model_validate(rules.as_data()).model_dump(mode="json")
    for dotted, option in described_fields(Spec):
        value: Any = data
        for part in dotted.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        rows.append((dotted, option.title or "", option.description or "", value))
    return rows


__all__ = ["RuleSet", "LoadedRules", "load_rules", "shipped_rule_sets", "describe",
           "DEFAULT_RULES"]
