"""goals.yaml, the 绩效目标申报表: the records the later stages read (its schema: specs.py)."""

from __future__ import annotations

import datetime as dt
from sys import intern
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .diagnostics import Diagnostic, Position, error
from .saved_code import NamedTuple, dataclass
from .schema import NotPlain, plain_amount, plain_date, plain_text, plain_year
from .inputs import value_at
from .source import Document, new_record

if TYPE_CHECKING:
    from .specs import IndicatorSpec, ProjectSpec

_SPECS = ("FundsSpec", "IndicatorSpec", "ProjectSpec", "GoalsSpec")


def __getattr__(name: str) -> Any:
    """The file's models (specs.py), imported when first named: a clean run needs none."""
    if name in _SPECS:
        from . import specs

        return getattr(specs, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Funds(NamedTuple):
    """项目资金, as read (``FundsSpec`` is its schema)."""

    total: Decimal
    fiscal: Decimal | None
    carryover: Decimal | None
    other: Decimal | None


class ProjectHeader(NamedTuple):
    """A project's fields but its indicators' meaning, as read (``ProjectSpec`` is its schema)."""

    name: str
    code: str | None
    nature: str | None
    category: str | None
    department: str | None
    unit: str | None
    start: dt.date | None
    end: dt.date | None
    funds: Funds
    goal: str | None
    indicators: dict[str, Any]


# the models' keys (tests/test_fast_paths.py holds them to specs.py)
_PROJECT_KEYS = frozenset({"name", "code", "nature", "category", "department", "unit", "start",
                           "end", "funds", "goal", "indicators"})
_FUNDS_KEYS = frozenset({"total", "fiscal", "carryover", "other"})
_HEADER_KEYS = frozenset({"year", "department", "unit", "funds_unit", "projects"})


def plain_project(data: dict[str, Any]) -> ProjectHeader | None:
    """The header of a project that is plainly valid, read as ``ProjectSpec`` reads it; None
    for any other (the model then says what is wrong)."""
    funds, indicators, get = data.get("funds"), data.get("indicators"), data.get
    if not (data.keys() <= _PROJECT_KEYS and type(funds) is dict and funds.keys() <= _FUNDS_KEYS
            and type(indicators) is dict):
        return None
    try:
        money = new_record(Funds, (plain_amount(funds.get("total"), required=True),
                                   plain_amount(funds.get("fiscal")),
                                   plain_amount(funds.get("carryover")),
                                   plain_amount(funds.get("other"))))
        return new_record(ProjectHeader, (
            plain_text(get("name"), required=True), plain_text(get("code")),
            plain_text(get("nature")), plain_text(get("category")), plain_text(get("department")),
            plain_text(get("unit")), plain_date(get("start")), plain_date(get("end")), money,
            plain_text(get("goal")), indicators))
    except NotPlain:
        return None


def _header_of(spec: ProjectSpec) -> ProjectHeader:
    funds = spec.funds
    return ProjectHeader(spec.name, spec.code, spec.nature, spec.category, spec.department,
                         spec.unit, spec.start, spec.end,
                         Funds(funds.total, funds.fiscal, funds.carryover, funds.other),
                         spec.goal, spec.indicators)


def written_keys(level1: str, level2: str, name: str) -> tuple[str, str, str]:
    """The ways actuals.yaml may name an indicator: 三级, 二级/三级, 一级/二级/三级."""
    return name, f"{level2}/{name}", f"{level1}/{level2}/{name}"


class Indicator(NamedTuple):
    """One level-3 indicator. A named tuple: a province has millions, and a tuple is the
    cheapest immutable record Python builds."""

    level1: str
    level2: str
    name: str
    target: str
    document: Document  # where it was read: positions are found only when a message needs one
    project: tuple  # its project's path in the document: ("projects", 3)
    long_form: bool = False
    direction: str | None = None
    note: str | None = None

    @property
    def path(self) -> tuple[str, str, str]:
        return (self.level1, self.level2, self.name)

    @property
    def where(self) -> tuple:
        """Its path in the document: ("projects", 3, "indicators", 一级, 二级, 三级)."""
        return self.project + ("indicators", self.level1, self.level2, self.name)

    @property
    def position(self) -> Position:
        """Of the level-3 name."""
        return self.document.position(self.where, key=True)

    def target_position(self, offset: int = 0) -> Position:
        where = self.where + ("target",) if self.long_form else self.where
        return self.document.position(where, offset=offset)


@dataclass(frozen=True, slots=True)
class Project:
    """One project of the 申报表: its header, funds and indicators, read."""

    name: str
    document: Document
    where: tuple  # ("projects", index)
    department: str
    unit: str
    code: str | None
    nature: str | None
    category: str | None
    start: dt.date | None
    end: dt.date | None
    funds: Funds
    goal: str
    indicators: tuple[Indicator, ...]
    # (一级, 二级, rows) of each group in order: with the 分值 written in actuals.yaml, what
    # the allocation of weights depends on, and so the key it is remembered by
    shape: tuple[tuple[str, str, int], ...] = ()
    # names ("三级", "二级/三级", "一级/二级/三级") of indicators written but in error: the goals' error is the
    # report, and an actual for one is not "unknown"
    unreadable: frozenset[str] = frozenset()

    @property
    def position(self) -> Position:
        """Of the project's name."""
        return self.document.position(self.where + ("name",))


@dataclass(frozen=True, slots=True)
class Goals:
    """The 申报表's header. Projects are read one at a time (``read_project``), so that a
    province's file is never held twice in memory."""

    path: str
    year: int
    department: str
    unit: str
    funds_unit: str
    document: Document
    names: tuple[str | None, ...]  # each project's name as written (None if not text)
    # the header in error (its error told): the projects are still read and checked, so that
    # every problem of the run is told at once, but none is scored (year is then 0)
    checking_only: bool = False


def _not_a_level(document: Document, at: tuple, level: str, below: str) -> Diagnostic:
    """At the name when nothing follows it, else under what was written in place of a level."""
    value = value_at(document.data, at)
    empty = value is None or value == ""
    where = document.position(at, key=empty)
    length = len(str(at[-1])) if empty else len(value) if isinstance(value, str) else 1
    return error("schema.type", f"{level}指标“{at[-1]}”下面应是{below}指标（“名称: …”形式的映射）",
                 where, length=length, hint=f"请按“{level}指标 → {below}指标”逐层缩进")


def _long_form(entry: Any, document: Document, at: tuple
               ) -> tuple[IndicatorSpec | None, list[Diagnostic]]:
    if not isinstance(entry, dict):
        return None, [error("schema.type", f"“{at[-1]}”的指标值应为文字，或 {{target: …}} 形式的映射",
                            document.position(at), hint="如“≥3.00(次)”或“按时完成”")]
    from .models import validate_part
    from .specs import IndicatorSpec

    return validate_part(IndicatorSpec, entry, document, at)


class GoalsHeader(NamedTuple):
    """The file's header, as read (``GoalsSpec`` is its schema)."""

    year: int
    department: str | None
    unit: str
    funds_unit: str
    projects: list[Any]


def plain_goals_header(data: Any) -> GoalsHeader | None:
    """The header of a file that is plainly valid, read as ``GoalsSpec`` reads it; None for
    any other. A clean run then imports no model at all."""
    if type(data) is not dict or not data.keys() <= _HEADER_KEYS:
        return None
    funds_unit, projects = data.get("funds_unit", "元"), data.get("projects")
    if type(funds_unit) is not str or funds_unit not in ("元", "万元") or (
            type(projects) is not list or not projects):
        return None
    try:
        return GoalsHeader(plain_year(data.get("year")), plain_text(data.get("department")),
                           plain_text(data.get("unit"), required=True), funds_unit, projects)
    except NotPlain:
        return None


def read_goals_header(document: Document) -> tuple[Goals | None, list[Diagnostic]]:
    """The header; when it is in error but its projects are a list, a header to check them
    with (``checking_only``); None when not even that."""
    spec, diagnostics = plain_goals_header(document.data), []
    if spec is None:
        from .models import validate
        from .specs import GoalsSpec

        spec, diagnostics = validate(GoalsSpec, document)
    data = document.data
    if spec is None:
        projects = data.get("projects") if isinstance(data, dict) else None
        if not isinstance(projects, list) or not projects:
            return None, diagnostics
    else:
        projects = spec.projects
    names = tuple(p.get("name") if isinstance(p, dict) and isinstance(p.get("name"), str)
                  else None for p in projects)
    first: dict[str, int] = {}
    for index, name in enumerate(names):
        if name is None:
            continue
        if name in first:
            line = document.position(("projects", first[name], "name")).line
            diagnostics.append(error(
                "goals.duplicate_project", f"项目名称“{name}”重复（第 {line} 行已有）",
                document.position(("projects", index, "name")), length=len(name),
                hint="同一申报表中的项目名称必须唯一"))
        else:
            first[name] = index
    if spec is None:
        return Goals(document.path, 0, "", "", "元", document, names, checking_only=True), \
            diagnostics
    goals = Goals(document.path, spec.year, spec.department or "", spec.unit, spec.funds_unit,
                  document, names)
    return goals, diagnostics


def read_project(goals: Goals, index: int) -> tuple[Project | None, list[Diagnostic]]:
    """Validate and read project ``index`` of the 申报表."""
    document = goals.document
    where = ("projects", index)
    data = document.data["projects"][index]
    if not isinstance(data, dict):
        return None, [error("goals.empty_project", f"第 {index + 1} 个项目没有内容",
                            document.position(where),
                            hint="每个项目应写成“- name: 项目名称”，下面再写 funds 和 indicators")]
    project, diagnostics = plain_project(data), []
    if project is None:
        from .models import validate_part
        from .specs import ProjectSpec

        spec, diagnostics = validate_part(ProjectSpec, data, document, where)
        if spec is None:
            return None, diagnostics
        project = _header_of(spec)
    indicators, shape, unreadable, problems = _indicators_of(project.indicators, document, where)
    diagnostics += problems
    if not indicators:
        diagnostics.append(error("goals.no_indicators", f"项目“{project.name}”没有绩效指标",
                                 document.position(where + ("name",)), length=len(project.name)))
    return Project(
        name=project.name, document=document, where=where,
        department=project.department or goals.department, unit=project.unit or goals.unit,
        code=project.code, nature=project.nature, category=project.category,
        start=project.start, end=project.end, funds=project.funds,
        goal=(project.goal or "").strip(), indicators=indicators,
        shape=shape, unreadable=unreadable), diagnostics


class ProjectRows(NamedTuple):
    """The indicators of a project whose header is in error (it cannot be scored), so that
    their problems, and those of its actuals, are told in the same run."""

    name: str
    document: Document
    where: tuple
    indicators: tuple[Indicator, ...]
    unreadable: frozenset[str]


def readable_indicators(goals: Goals, index: int) -> tuple[ProjectRows | None, list[Diagnostic]]:
    """The rows of project ``index`` when ``read_project`` found its header in error (None when
    they are not a mapping: that error is told already), and their own problems."""
    data = goals.document.data["projects"][index]
    name = goals.names[index]
    raw = data.get("indicators") if isinstance(data, dict) else None
    if not isinstance(raw, dict):
        return None, []
    where = ("projects", index)
    indicators, _shape, unreadable, problems = _indicators_of(raw, goals.document, where)
    return ProjectRows(name or "", goals.document, where, indicators, unreadable), problems


def _indicators_of(raw: dict[str, Any], document: Document, where: tuple
                   ) -> tuple[tuple[Indicator, ...], tuple[tuple[str, str, int], ...],
                              frozenset[str], list[Diagnostic]]:
    """A project's 一级 → 二级 → 三级 mapping: its indicators, its shape, the names of those
    written but in error, and the problems found."""
    problems: list[Diagnostic] = []
    indicators: list[Indicator] = []
    shape: list[tuple[str, str, int]] = []
    unreadable: set[str] = set()
    for level1, groups in raw.items():
        if not isinstance(groups, dict):
            problems.append(_not_a_level(document, where + ("indicators", level1), "一级", "二级"))
            continue
        for level2, entries in groups.items():
            if not isinstance(entries, dict):
                problems.append(_not_a_level(document, where + ("indicators", level1, level2),
                                             "二级", "三级"))
                continue
            before = len(indicators)
            named = bool(level1.strip() and level2.strip())
            for name, entry in entries.items():
                if not (named and name.strip()):
                    empty = "一级" if not level1.strip() else "二级" if not level2.strip() else "三级"
                    at = where + ("indicators", level1, level2, name)
                    problems.append(error(
                        "goals.empty_name", f"{empty}指标名称为空", document.position(at, key=True),
                        hint="请在冒号前写上指标名称"))
                    continue
                if type(entry) is str or entry is None:
                    indicators.append(new_record(Indicator, (level1, level2, name,
                                                             intern(entry) if entry else "",
                                                             document, where, False, None, None)))
                    continue
                spec, found = _long_form(entry, document, where + ("indicators", level1, level2,
                                                                    name))
                problems += found
                if spec is not None:
                    indicators.append(Indicator(level1, level2, name, spec.target, document, where,
                                                True, spec.direction, spec.note))
                else:
                    unreadable.update(written_keys(level1, level2, name))
            shape.append((level1, level2, len(indicators) - before))
    return tuple(indicators), tuple(shape), frozenset(unreadable), problems


def read_goals(document: Document) -> tuple[Goals | None, list[Project], list[Diagnostic]]:
    """The header and every project (for check and scaffold, which need them all)."""
    goals, diagnostics = read_goals_header(document)
    projects: list[Project] = []
    if goals is None:
        return None, projects, diagnostics
    seen: set[str] = set()
    for index, name in enumerate(goals.names):
        project, problems = read_project(goals, index)
        diagnostics += problems
        if project is not None and name not in seen:
            projects.append(project)
            seen.add(project.name)
    return goals, projects, diagnostics


__all__ = ["Funds", "Goals", "Project", "Indicator", "read_goals", "read_goals_header",
           "read_project", "readable_indicators", "ProjectRows", "written_keys"]
