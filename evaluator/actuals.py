"""actuals.yaml: what happened in the year, the 分值, and optionally the unit's own scores."""

from __future__ import annotations

import functools
from sys import intern
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .diagnostics import Diagnostic, Position, error
from .saved_code import NamedTuple, dataclass
from .schema import NotPlain, plain_amount, plain_points, plain_text, plain_year
from .inputs import value_at
from .source import Document, new_record

if TYPE_CHECKING:
    from pydantic import TypeAdapter

    from .specs import ActualSpec, ProjectActualsSpec

_SPECS = ("SourceSpec", "BudgetSpec", "ActualSpec", "ProjectActualsSpec", "ActualsSpec")


def __getattr__(name: str) -> Any:
    """The file's models (specs.py), imported when first named: a clean run needs none."""
    if name in _SPECS:
        from . import specs

        return getattr(specs, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


SOURCES = ("fiscal", "carryover", "other")  # in the 自评表's order


class SourceFigures(NamedTuple):
    """A source's 全年预算数 and 全年执行数 as written (None where not given)."""

    key: str  # fiscal, carryover or other
    adjusted: Decimal | None
    executed: Decimal | None


class Budget(NamedTuple):
    """预算执行, as read (``BudgetSpec`` is its schema)."""

    initial: Decimal | None
    adjusted: Decimal
    executed: Decimal
    score: Decimal | None
    sources: tuple[SourceFigures, ...] = ()  # only those given, in SOURCES order


class ActualsHeader(NamedTuple):
    """A project's entry but its rows, as read (``ProjectActualsSpec`` is its schema)."""

    budget: Budget
    summary: str | None
    total: Decimal | None
    indicators: dict[str, Any]


# the models' keys (tests/test_fast_paths.py holds them to specs.py)
_PROJECT_KEYS = frozenset({"budget", "summary", "total", "indicators"})
_BUDGET_KEYS = frozenset({"initial", "adjusted", "executed", "score", *SOURCES})
_SOURCE_KEYS = frozenset({"adjusted", "executed"})
_HEADER_KEYS = frozenset({"year", "projects"})


def _plain_sources(budget: dict[str, Any]) -> tuple[SourceFigures, ...]:
    sources = []
    for key in SOURCES:
        source = budget.get(key)
        if source is None:
            continue
        if type(source) is not dict or not source.keys() <= _SOURCE_KEYS:
            raise NotPlain
        sources.append(new_record(SourceFigures, (key, plain_amount(source.get("adjusted")),
                                                  plain_amount(source.get("executed")))))
    return tuple(sources)


def plain_project_actuals(data: dict[str, Any]) -> ActualsHeader | None:
    """The entry of a project that is plainly valid, read as ``ProjectActualsSpec`` reads it;
    None for any other (the model then says what is wrong)."""
    budget, indicators = data.get("budget"), data.get("indicators", {})
    if not (data.keys() <= _PROJECT_KEYS and type(budget) is dict
            and budget.keys() <= _BUDGET_KEYS and type(indicators) is dict):
        return None
    try:
        figures = new_record(Budget, (plain_amount(budget.get("initial")),
                                      plain_amount(budget.get("adjusted"), required=True),
                                      plain_amount(budget.get("executed"), required=True),
                                      plain_points(budget.get("score")),
                                      _plain_sources(budget)))
        return new_record(ActualsHeader, (figures, plain_text(data.get("summary")),
                                          plain_points(data.get("total")), indicators))
    except NotPlain:
        return None


def _header_of(spec: ProjectActualsSpec) -> ActualsHeader:
    budget = spec.budget
    sources = tuple(SourceFigures(key, source.adjusted, source.executed) for key in SOURCES
                    if (source := getattr(budget, key)) is not None)
    return ActualsHeader(Budget(budget.initial, budget.adjusted, budget.executed, budget.score,
                                sources), spec.summary, spec.total, spec.indicators)


class Actual(NamedTuple):
    """One row of actuals.yaml (a named tuple, like goals.Indicator, for the same reason)."""

    key: str  # as written: a level-3 name, or "二级/三级"
    spec: "ActualSpec | TextActual | PlainActual"
    document: Document
    project: tuple  # its project's path in the document: ("projects", 项目)
    long_form: bool

    @property
    def where(self) -> tuple:
        """Its path in the document: ("projects", 项目, "indicators", key)."""
        return self.project + ("indicators", self.key)

    @property
    def position(self) -> Position:
        """Of the key."""
        return self.document.position(self.where, key=True)

    def actual_position(self, offset: int = 0) -> Position:
        where = self.where + ("actual",) if self.long_form else self.where
        return self.document.position(where, offset=offset)

    def field_position(self, name: str) -> Position:
        if self.long_form and self.document.has(self.where + (name,)):
            return self.document.position(self.where + (name,))
        return self.position

    def field_length(self, name: str) -> int:
        """How many characters ``field_position`` points at: the value as written, or the key."""
        if self.long_form and self.document.has(self.where + (name,)):
            return _written_length(value_at(self.document.data, self.where + (name,)))
        return len(self.key)


@dataclass(frozen=True, slots=True)
class ProjectActuals:
    """One project's entry in the actuals file: its header and its rows, read."""

    name: str
    spec: ActualsHeader  # None for a project whose header is in error: rows only, not scored
    indicators: tuple[Actual, ...]
    document: Document
    where: tuple  # ("projects", 项目)
    unreadable: frozenset[str] = frozenset()  # rows present but in error (reported already)

    @property
    def position(self) -> Position:
        """Of the project's key."""
        return self.document.position(self.where, key=True)

    def field_position(self, *path: str) -> Position:
        """Of a field such as ("budget", "executed"), or the nearest thing that is there."""
        for length in range(len(path), 0, -1):
            if self.document.has(self.where + path[:length]):
                return self.document.position(self.where + path[:length],
                                              key=length < len(path))
        return self.position

    def field_length(self, *path: str) -> int:
        """How many characters ``field_position`` points at."""
        for length in range(len(path), 0, -1):
            if self.document.has(self.where + path[:length]):
                if length < len(path):
                    return len(str(path[length - 1]))
                return _written_length(value_at(self.document.data, self.where + path))
        return len(self.name)


def _written_length(value: Any) -> int:
    """A one-line scalar's length as written (the loader keeps scalars as text), else 1."""
    return len(value) if isinstance(value, str) and value and "\n" not in value else 1


@dataclass(frozen=True, slots=True)
class Actuals:
    """The header of actuals.yaml; projects are read one at a time (``read_project_actuals``)."""

    path: str
    year: int | None
    document: Document
    names: tuple[str, ...]
    checking_only: bool = False  # the header in error: projects checked, none scored (Goals)

    @property
    def year_position(self) -> Position:
        return self.document.position(("year",))


class TextActual(NamedTuple):
    """A row that is all text: the short form ``指标: 3.5次``, or a long form with nothing but
    ``actual``, ``reason``, ``measures`` and ``evidence``. Text needs no validation beyond being
    text, so such rows skip a model's cost; a row with a number in it (分值, 得分) is a
    ``PlainActual`` when the number is plainly written, else validated as an ``ActualSpec``."""

    actual: str
    reason: str | None = None
    measures: str | None = None
    evidence: str | None = None
    weight = score = None  # not fields: such a row has neither


class PlainActual(NamedTuple):
    """A row with a 分值 or 得分 written plainly (digits, two decimals at most, 100 at most):
    read as ``ActualSpec`` reads it, without the model. Most rows of a 自评表 carry their 分值."""

    actual: str
    weight: Decimal | None
    score: Decimal | None
    reason: str | None
    measures: str | None
    evidence: str | None


_TEXT_KEYS = frozenset({"actual", "reason", "measures", "evidence"})
_PLAIN_KEYS = _TEXT_KEYS | {"weight", "score"}


def _texts(entry: dict[str, Any], keys: frozenset[str]) -> tuple | None:
    """(actual, reason, measures, evidence) of a row with no key but ``keys``, all of them
    text (``actual`` given), else None."""
    actual = entry.get("actual")
    if type(actual) is not str or not entry.keys() <= keys:
        return None
    reason, measures, evidence = entry.get("reason"), entry.get("measures"), entry.get("evidence")
    if ((reason is None or type(reason) is str) and (measures is None or type(measures) is str)
            and (evidence is None or type(evidence) is str)):
        return intern(actual), reason, measures, evidence
    return None


def text_actual(entry: dict[str, Any]) -> TextActual | None:
    """The row as a TextActual when it is one (what ``ActualSpec`` would accept, all text),
    else None."""
    texts = _texts(entry, _TEXT_KEYS)
    return None if texts is None else new_record(TextActual, texts)


def plain_actual(entry: dict[str, Any]) -> PlainActual | None:
    """The row as a PlainActual when it is one, else None (the model then reads it)."""
    texts = _texts(entry, _PLAIN_KEYS)
    return None if texts is None else _with_figures(entry, texts)


def _with_figures(entry: dict[str, Any], texts: tuple) -> PlainActual | None:
    actual, reason, measures, evidence = texts
    try:
        return new_record(PlainActual, (actual, plain_points(entry.get("weight")),
                                        plain_points(entry.get("score")), reason, measures,
                                        evidence))
    except NotPlain:
        return None


def plain_row(entry: dict[str, Any]) -> TextActual | PlainActual | None:
    """``text_actual(entry) or plain_actual(entry)``, the row's keys and texts looked at once:
    a row with neither 分值 nor 得分 is all text (most rows of a 自评表 are read here)."""
    texts = _texts(entry, _PLAIN_KEYS)
    if texts is None:
        return None
    if "weight" not in entry and "score" not in entry:
        return new_record(TextActual, texts)
    return _with_figures(entry, texts)


@functools.cache
def _long_forms() -> TypeAdapter[dict[str, ActualSpec]]:
    """Rows written as {actual: …} that are not plain, validated in one call. Built when a
    run first meets one: a validator built as the module is imported cost every run 15 ms."""
    from pydantic import TypeAdapter

    from .specs import ActualSpec

    return TypeAdapter(dict[str, ActualSpec])


class ActualsFileHeader(NamedTuple):
    """The file's header, as read (``ActualsSpec`` is its schema)."""

    year: int | None
    projects: dict[str, Any]


def plain_actuals_header(data: Any) -> ActualsFileHeader | None:
    """The header of a file that is plainly valid, read as ``ActualsSpec`` reads it; None for
    any other. A clean run then imports no model at all."""
    if type(data) is not dict or not data.keys() <= _HEADER_KEYS:
        return None
    year, projects = data.get("year"), data.get("projects")
    if type(projects) is not dict or not all(type(key) is str for key in projects):
        return None
    try:
        return ActualsFileHeader(None if year is None else plain_year(year), projects)
    except NotPlain:
        return None


def read_actuals_header(document: Document) -> tuple[Actuals | None, list[Diagnostic]]:
    spec, diagnostics = plain_actuals_header(document.data), []
    if spec is None:
        from .models import validate
        from .specs import ActualsSpec

        spec, diagnostics = validate(ActualsSpec, document)
    if spec is None:
        projects = document.data.get("projects") if isinstance(document.data, dict) else None
        if not isinstance(projects, dict) or not all(isinstance(k, str) for k in projects):
            return None, diagnostics
        return Actuals(document.path, None, document, tuple(projects), checking_only=True), \
            diagnostics
    return Actuals(document.path, spec.year, document, tuple(spec.projects)), diagnostics


def read_project_actuals(actuals: Actuals, name: str
                         ) -> tuple[ProjectActuals | None, list[Diagnostic]]:
    document = actuals.document
    where = ("projects", name)
    data = document.data["projects"][name]
    if not isinstance(data, dict):
        return None, [error("actuals.empty_project", f"项目“{name}”下面没有填写内容",
                            document.position(where, key=True), length=len(name),
                            hint="请填写 budget（预算执行）和 indicators（指标完成值）")]
    header, diagnostics = plain_project_actuals(data), []
    if header is None:
        from .models import validate_part
        from .specs import ProjectActualsSpec

        spec, diagnostics = validate_part(ProjectActualsSpec, data, document, where)
        if spec is None:  # a mistake in the unit's own total or budget score is reported, and
            spec = _without_own_scores(data)  # the project scored without it
        header = _header_of(spec) if spec is not None else None
    # any other mistake in the header leaves the project unscored (``spec`` None), its rows read
    # all the same: their problems, and the join's, are told in this run, not after the fix
    entries = header.indicators if header is not None else data.get("indicators", {})
    if not isinstance(entries, dict):  # the header's error says so
        return None, diagnostics
    rows, unreadable, problems = _rows(entries, document, where)
    return ProjectActuals(name, header, rows, document, where,  # type: ignore[arg-type]
                          unreadable), diagnostics + problems


def _without_score(entry: dict[str, Any]) -> ActualSpec | None:
    from pydantic import ValidationError

    from .specs import ActualSpec

    try:
        return ActualSpec.model_validate({k: v for k, v in entry.items() if k != "score"})
    except ValidationError:
        return None


def _without_own_scores(data: dict[str, Any]) -> ProjectActualsSpec | None:
    """The project read without the unit's own total, or budget score, or its sources'
    figures, or several (the fewest that make it valid: the rest is still read); None if none
    of them made it invalid. None of them counts in the score."""
    from pydantic import ValidationError

    from .specs import ProjectActualsSpec

    budget = data.get("budget")
    without_total = {key: value for key, value in data.items() if key != "total"}
    attempts = [without_total]
    if isinstance(budget, dict):
        for dropped in ({"score"}, set(SOURCES), {"score", *SOURCES}):
            if budget.keys() & dropped:
                bare = {key: value for key, value in budget.items() if key not in dropped}
                attempts += [{**data, "budget": bare}, {**without_total, "budget": bare}]
    for attempt in attempts:
        try:
            return ProjectActualsSpec.model_validate(attempt)
        except ValidationError:
            continue
    return None


def _rows(entries: dict[str, Any], document: Document, where: tuple
          ) -> tuple[tuple[Actual, ...], frozenset[str], list[Diagnostic]]:
    """A project's rows, the keys of those that could not be read, and their problems."""
    diagnostics: list[Diagnostic] = []
    indicators: list[Actual | None] = []
    append = indicators.append
    unreadable: set[str] = set()
    # Rows of text are read as they come; the others are validated together in one call (one
    # by one only to report mistakes), and take their places after.
    later: list[tuple[int, str, Any]] = []
    to_validate: dict[str, dict] = {}
    for key, entry in entries.items():
        if type(entry) is str or entry is None:
            row = new_record(TextActual, (intern(entry) if entry else "", None, None, None))
            append(new_record(Actual, (key, row, document, where, False)))
            continue
        if type(entry) is dict:
            row = plain_row(entry)
            if row is not None:
                append(new_record(Actual, (key, row, document, where, True)))
                continue
            to_validate[key] = entry
        later.append((len(indicators), key, entry))
        append(None)
    validated: dict[str, ActualSpec] = {}
    if to_validate:
        from pydantic import ValidationError

        try:
            validated = _long_forms().validate_python(to_validate)
        except ValidationError:
            pass
    for place, key, entry in later:
        at = where + ("indicators", key)
        if not isinstance(entry, dict):
            diagnostics.append(error(
                "schema.type", f"“{key}”的完成值应为文字，或 {{actual: …}} 形式的映射",
                document.position(at), hint="如“3.5次”“98%”“达成”"))
            unreadable.add(key)
            continue
        spec_of_row = validated.get(key)
        if spec_of_row is None:
            from .models import validate_part
            from .specs import ActualSpec

            spec_of_row, problems = validate_part(ActualSpec, entry, document, at)
            diagnostics += problems
            if spec_of_row is None and "score" in entry:
                # a mistake in the unit's own score (a figure for review) is told, and the row
                # is read without it: its actual and reason are not to be lost with it
                spec_of_row = _without_score(entry)
        if spec_of_row is not None:
            indicators[place] = Actual(key, spec_of_row, document, where, True)
        else:
            unreadable.add(key)
    rows = tuple(indicators) if not later else tuple(i for i in indicators if i is not None)
    return rows, frozenset(unreadable), diagnostics  # type: ignore[return-value]
