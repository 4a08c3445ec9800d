"""The department's summary as people read it: tallies, the context object, charts, and the
Markdown, HTML, JSON and XLSX renderings (DESIGN §12).

Units arrive one at a time (summary.evaluate_units); ``SummaryBuilder`` keeps their rows and
exceptions and adds up as they come, then ``context`` makes ``SummaryContext``, the one object
the templates (reports/summary.*.j2) and the other writers get. Its values are formatted text:
templates only present.
"""

from __future__ import annotations

import json
from dataclasses import field, replace
from decimal import Decimal
from typing import Any

from .charts import TOP, Chart, Label, Line, Rect, _u, grade_counts_chart
from .report import (environment, money, money_value, rate_text, rate_value, score_text,
                     score_value)
from .saved_code import dataclass
from .scoring import round_half_up
from .summary import Anomaly, ProjectRow, UnitSummary, sort_key

ZERO = Decimal(0)


@dataclass
class Tally:
    """Scored projects added up: counts, amounts (元), totals plain and weighted by budget."""

    projects: int = 0
    adjusted: Decimal = ZERO
    executed: Decimal = ZERO
    totals: Decimal = ZERO
    weighted: Decimal = ZERO  # Σ 总分 × 全年预算数
    grades: dict[str, int] = field(default_factory=dict)

    def add(self, row: ProjectRow) -> None:
        self.projects += 1
        self.adjusted += row.adjusted
        self.executed += row.executed
        self.totals += row.total
        self.weighted += row.total * row.adjusted
        self.grades[row.grade] = self.grades.get(row.grade, 0) + 1

    @property
    def rate(self) -> Decimal | None:
        return self.executed / self.adjusted if self.adjusted else None

    @property
    def average(self) -> Decimal | None:
        """The plain average 总分, to 0.01 half-up."""
        return round_half_up(self.totals / self.projects) if self.projects else None

    @property
    def weighted_average(self) -> Decimal | None:
        """Σ 总分 × 全年预算数 / Σ 全年预算数, to 0.01 half-up: a big project counts as much as
        its money."""
        return round_half_up(self.weighted / self.adjusted) if self.adjusted else None


@dataclass(frozen=True)
class Previous:
    """A unit's figures of the year before, from the archive (archive.previous_year)."""

    year: int
    average: Decimal | None
    weighted_average: Decimal | None
    rate: Decimal | None
    projects: dict[str, tuple[Decimal, str, Decimal | None]]  # key → (总分, 等级, 执行率)


# ---- the context ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ProjectLine:
    """One project in the units × projects table."""

    unit: str  # 实施单位
    name: str  # 项目名称
    code: str  # 项目编码, or ""
    adjusted: str  # 全年预算数, 元
    executed: str  # 全年执行数, 元
    rate: str  # 执行率
    achievement: str  # 指标得分率 (indicator points scored of their weights)
    total: str  # 总分 adopted
    rule_total: str  # 总分 by the rules
    grade: str  # 自评等级
    # change from the previous year in the archive ("" without one): 总分, 等级, 执行率
    total_change: str
    grade_change: str
    rate_change: str
    # the exact numbers the strings above show (rates as fractions), for writers that want
    # numbers (XLSX) and for JSON
    adjusted_value: Decimal
    executed_value: Decimal
    rate_value: Decimal | None
    achievement_value: Decimal | None
    total_value: Decimal
    rule_total_value: Decimal


@dataclass(frozen=True)
class UnitLine:
    """A unit's (or, as ``SummaryContext.overall``, all units') figures."""

    unit: str  # 实施单位 (合计 for the overall line)
    folder: str  # the unit's folder ("" overall)
    year: str
    rules: str  # the rule set's name
    funds_unit: str  # as the unit wrote its amounts (元 or 万元)
    projects: str  # projects scored
    # what was not scored because of errors: "" when nothing, "2 个项目未评分", or, when the
    # unit itself could not be read (a file missing, a header in error), "整个单位未评分"
    unscored: str
    adjusted: str  # 全年预算数, 元
    executed: str
    rate: str  # 执行率 of the sums
    average: str  # 平均总分
    weighted_average: str  # 按预算加权的平均总分
    grade_counts: tuple[tuple[str, int], ...]  # (等级, 项目数)
    errors: int
    warnings: int
    previous_year: str  # the year compared with ("" without one)
    average_change: str  # change of the plain average, of the weighted one, and of 执行率
    weighted_change: str
    rate_change: str
    # the exact numbers the strings above show (None where they show —)
    adjusted_value: Decimal
    executed_value: Decimal
    rate_value: Decimal | None
    average_value: Decimal | None
    weighted_average_value: Decimal | None


@dataclass(frozen=True)
class AnomalyLine:
    """One line of the exceptions list, in the order a reviewer reads them."""

    kind: str  # 自评得分比规则宽松 …
    unit: str
    project: str
    figure: str  # the amount concerned, in words
    position: str  # FILE:LINE:COL
    code: str  # the diagnostic's code
    message: str  # the diagnostic's message


@dataclass(frozen=True)
class SummaryContext:
    """Everything a summary template may use (variable ``summary``)."""

    title: str
    years: str  # the years of the units, e.g. 2024
    rules: str  # the rule sets used, by name
    units: tuple[UnitLine, ...]
    overall: UnitLine
    projects: tuple[ProjectLine, ...]
    grades: tuple[str, ...]  # grade names, best first
    anomalies: tuple[AnomalyLine, ...]
    charts: tuple[Chart, ...]  # grade distribution; execution against achievement
    has_history: bool  # an archive gave a previous year for at least one unit
    errors: int
    warnings: int


def _signed(value: Decimal | None, suffix: str = "") -> str:
    if value is None:
        return "—"
    value = round_half_up(value)
    return f"{'+' if value > 0 else ''}{value}{suffix}"


def _change(now: Decimal | None, before: Decimal | None, suffix: str = "") -> str:
    return _signed(now - before if now is not None and before is not None else None, suffix)


def _rate_change(now: Decimal | None, before: Decimal | None) -> str:
    if now is None or before is None:
        return "—"
    return _signed((now - before) * 100, " 个百分点")


def _tally_values(tally: Tally) -> dict[str, Decimal | None]:
    return {"adjusted_value": money_value(tally.adjusted),
            "executed_value": money_value(tally.executed), "rate_value": rate_value(tally.rate),
            "average_value": tally.average, "weighted_average_value": tally.weighted_average}


class SummaryBuilder:
    """Takes units one at a time; keeps their rows, exceptions and tallies only."""

    def __init__(self) -> None:
        self.units: list[tuple[UnitSummary, Tally, Previous | None]] = []
        self.overall = Tally()
        self.grades: list[str] = []
        self.errors = self.warnings = 0

    def add(self, unit: UnitSummary, previous: Previous | None = None) -> None:
        tally = Tally()
        for row in unit.projects:
            tally.add(row)
            self.overall.add(row)
        for grade in unit.grades:
            if grade not in self.grades:
                self.grades.append(grade)
        self.units.append((unit, tally, previous))
        self.errors += unit.errors
        self.warnings += unit.warnings

    def _counts(self, tally: Tally) -> tuple[tuple[str, int], ...]:
        return tuple((g, tally.grades.get(g, 0)) for g in self.grades)

    def _unit_line(self, unit: UnitSummary, tally: Tally, previous: Previous | None) -> UnitLine:
        return UnitLine(
            unit=unit.unit, folder=unit.folder, year=str(unit.year or ""), rules=unit.rules,
            funds_unit=unit.funds_unit, projects=str(tally.projects),
            unscored=(f"{len(unit.unscored)} 个项目未评分" if unit.unscored else "")
            if unit.scored else "整个单位未评分", adjusted=money(tally.adjusted),
            executed=money(tally.executed), rate=rate_text(tally.rate),
            average=score_text(tally.average) or "—",
            weighted_average=score_text(tally.weighted_average) or "—",
            grade_counts=self._counts(tally), errors=unit.errors, warnings=unit.warnings,
            previous_year=str(previous.year) if previous else "",
            average_change=_change(tally.average, previous.average) if previous else "",
            weighted_change=(_change(tally.weighted_average, previous.weighted_average)
                             if previous else ""),
            rate_change=_rate_change(tally.rate, previous.rate) if previous else "",
            **_tally_values(tally))

    def _overall_line(self) -> UnitLine:
        overall = self.overall
        years = "、".join(sorted({str(u.year) for u, _t, _p in self.units if u.year is not None}))
        rules = "、".join(sorted({u.rules for u, _t, _p in self.units if u.rules}))
        return UnitLine(
            unit="合计", folder="", year=years, rules=rules, funds_unit="元",
            projects=str(overall.projects), unscored=self._unscored(),
            adjusted=money(overall.adjusted), executed=money(overall.executed),
            rate=rate_text(overall.rate), average=score_text(overall.average) or "—",
            weighted_average=score_text(overall.weighted_average) or "—",
            grade_counts=self._counts(overall), errors=self.errors, warnings=self.warnings,
            previous_year="", average_change="", weighted_change="", rate_change="",
            **_tally_values(overall))

    def _unscored(self) -> str:
        projects = sum(len(u.unscored) for u, _t, _p in self.units)
        units = sum(1 for u, _t, _p in self.units if not u.scored)
        parts = ([f"{projects} 个项目"] if projects else []) + ([f"{units} 个单位"] if units else [])
        return f"另有 {'、'.join(parts)}因输入错误未评分" if parts else ""

    def context(self) -> SummaryContext:
        projects: list[ProjectLine] = []
        anomalies: list[Anomaly] = []
        for unit, _tally, previous in self.units:
            anomalies += unit.anomalies
            for row in unit.projects:
                before = previous.projects.get(row.key) if previous else None
                projects.append(ProjectLine(
                    unit=row.unit, name=row.name, code=row.code, adjusted=money(row.adjusted),
                    executed=money(row.executed), rate=rate_text(row.rate),
                    achievement=rate_text(row.achievement), total=score_text(row.total),
                    rule_total=score_text(row.rule_total), grade=row.grade,
                    total_change=_change(row.total, before[0]) if before else
                    ("新项目" if previous else ""),
                    grade_change=(f"{before[1]}→{row.grade}" if before[1] != row.grade
                                  else "持平") if before else "",
                    rate_change=_rate_change(row.rate, before[2]) if before else "",
                    adjusted_value=money_value(row.adjusted), executed_value=money_value(
                        row.executed), rate_value=rate_value(row.rate),
                    achievement_value=rate_value(row.achievement),
                    total_value=score_value(row.total), rule_total_value=score_value(
                        row.rule_total)))
        overall = self._overall_line()
        return SummaryContext(
            title="绩效自评汇总", years=overall.year, rules=overall.rules,
            units=tuple(self._unit_line(u, t, p) for u, t, p in self.units), overall=overall,
            projects=tuple(projects), grades=tuple(self.grades),
            anomalies=tuple(AnomalyLine(a.label, a.unit, a.project, a.figure, a.position,
                                        a.code, a.message)
                            for a in sorted(anomalies, key=sort_key)),
            charts=(grade_counts_chart(dict(self._counts(self.overall))),
                    execution_chart([row for u, _t, _p in self.units for row in u.projects])),
            has_history=any(p is not None for _u, _t, p in self.units),
            errors=self.errors, warnings=self.warnings)


# ---- charts -------------------------------------------------------------------------------

PLOT = Decimal(300)  # the square of the execution chart: 0–120 % across, 0–100 % up
LEFT = Decimal(50)


def execution_chart(rows: list[ProjectRow]) -> Chart:
    """Each project as a dot: 预算执行率 across, 指标得分率 up. A dot far above the diagonal
    scored its indicators well with the money unspent: what a reviewer asks about."""
    across, up = PLOT / Decimal("1.2"), PLOT
    rects, labels = [], []
    for row in rows:
        if row.rate is None or row.achievement is None:
            continue
        x = LEFT + min(row.rate, Decimal("1.2")) * across
        y = TOP + PLOT - min(row.achievement, Decimal(1)) * up
        css = "over" if row.achievement - min(row.rate, Decimal(1)) > Decimal("0.05") else "rate"
        rects.append(Rect(_u(x - 3), _u(y - 3), "6", "6", css,
                          f"{row.unit} · {row.name}：执行率 {rate_text(row.rate)}，"
                          f"指标得分率 {rate_text(row.achievement)}"))
    bottom, right = TOP + PLOT, LEFT + PLOT
    for percent in (0, 50, 100):
        fraction = Decimal(percent) / 100
        labels.append(Label(_u(LEFT + fraction * across), _u(bottom + 16), f"{percent}%",
                            "middle"))
        labels.append(Label(_u(LEFT - 6), _u(bottom - fraction * up + 4), f"{percent}%", "end"))
    labels.append(Label(_u(LEFT + PLOT / 2), _u(bottom + 34), "预算执行率", "middle"))
    labels.append(Label(_u(LEFT), _u(TOP - 10), "指标得分率", "start"))
    lines = (Line(_u(LEFT), _u(bottom), _u(right), _u(bottom)),
             Line(_u(LEFT), _u(TOP), _u(LEFT), _u(bottom)),
             Line(_u(LEFT), _u(bottom), _u(LEFT + across), _u(TOP)))  # achievement = execution
    used = {rect.css for rect in rects}
    legend = tuple((css, name) for css, name in (("rate", "得分率与执行率相当"),
                                                 ("over", "得分率高出执行率 5 个百分点以上"))
                   if css in used)
    return Chart("各项目预算执行率与指标得分率（斜线为两者相等）", _u(right + 20),
                 _u(bottom + 44), tuple(rects), tuple(labels), lines, legend)


# ---- renderings ---------------------------------------------------------------------------

TEMPLATES = {"md": "summary.md.j2", "html": "summary.html.j2"}


def render(context: SummaryContext, output_format: str) -> str:
    env = environment(html=output_format == "html")
    return env.get_template(TEMPLATES[output_format]).render(summary=context)


def to_data(context: SummaryContext) -> dict[str, Any]:
    """The JSON form: the context's fields, charts left out (they are drawing, not data)."""
    data = _plain(context)
    del data["charts"]
    return data


def _plain(value: Any) -> Any:
    """Dataclasses as dicts, tuples as lists, the rest as it is (dataclasses.asdict copies
    each value deeply: seconds for a province's 10 000 projects)."""
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    names = getattr(type(value), "__dataclass_fields__", None)
    if names is None:
        return value
    return {name: _plain(getattr(value, name)) for name in names}


def render_json(context: SummaryContext) -> str:
    """Decimals as strings, as in the JSON of a single run; each unit, project and exception
    on a line of its own (and encoded by the C encoder, which an indent would turn off)."""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "), default=str).encode
    parts = []
    for key, value in to_data(context).items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            lines = ",\n".join(map(dumps, value))
            parts.append(f"{dumps(key)}: [\n{lines}\n]")
        else:
            parts.append(f"{dumps(key)}: {dumps(value)}")
    return "{" + ",\n".join(parts) + "}\n"


def render_xlsx(context: SummaryContext) -> bytes:
    """Three sheets: 单位 (units and the whole), 项目 (units × projects), 异常 (exceptions);
    amounts, rates and scores as numbers a reviewer can add up, the same bytes each time."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    from .sheet_layout import MONEY, PERCENT, POINTS, RIGHT, _page_setup, _Sheet, saved

    book = Workbook()
    history = context.has_history
    formats = {"money": MONEY, "rate": PERCENT, "points": POINTS}

    def sheet(title: str, columns: list[tuple[str, str, int]], rows: list[list[Any]]) -> None:
        """``columns``: (heading, kind: text, money, rate, points or count, width). Cells go
        through xlsx._Sheet.put, as the 自评表's do: text stays text (a name starting with =
        is no formula), too long a text is cut visibly, wrapped rows grow."""
        page = book.create_sheet(title)
        cells = _Sheet(page, len(columns))
        for index, (head, _kind, width) in enumerate(columns, 1):
            page.column_dimensions[get_column_letter(index)].width = width
            cells.put(1, index, head, head=True)
        for number, row in enumerate(rows, 2):
            for index, ((_head, kind, _width), value) in enumerate(zip(columns, row), 1):
                if kind in formats:  # None (no budget, no rate: "—") is an empty cell
                    cells.put(number, index, value, align=RIGHT, number_format=formats[kind])
                else:
                    cells.put(number, index, value if value != "" else None)
        cells.fit_rows()
        page.freeze_panes = "A2"
        _page_setup(page)

    grades = [(f"{g}（个）", "count", 8) for g in context.grades]
    changes = [("对比年度", "text", 10), ("平均总分变化", "text", 12),
               ("加权平均变化", "text", 12), ("执行率变化", "text", 14)] if history else []
    sheet("单位", [("实施单位", "text", 30), ("年度", "text", 8), ("规则集", "text", 12),
                 ("评分项目数", "count", 10), ("未评分", "text", 16),
                 ("全年预算数（元）", "money", 18), ("全年执行数（元）", "money", 18),
                 ("执行率", "rate", 10), ("平均总分", "points", 10),
                 ("加权平均总分", "points", 12), *grades, *changes],
          [[u.unit, u.year, u.rules, int(u.projects), u.unscored, u.adjusted_value,
            u.executed_value, u.rate_value, u.average_value, u.weighted_average_value,
            *[c for _g, c in u.grade_counts]]
           + ([u.previous_year, u.average_change, u.weighted_change, u.rate_change]
              if history else [])
           for u in (*context.units, context.overall)])
    changes = [("总分变化", "text", 10), ("等级变化", "text", 10),
               ("执行率变化", "text", 14)] if history else []
    sheet("项目", [("实施单位", "text", 30), ("项目名称", "text", 30), ("项目编码", "text", 18),
                 ("全年预算数（元）", "money", 18), ("全年执行数（元）", "money", 18),
                 ("执行率", "rate", 10), ("指标得分率", "rate", 10), ("总分", "points", 8),
                 ("规则总分", "points", 10), ("自评等级", "text", 8), *changes],
          [[p.unit, p.name, p.code, p.adjusted_value, p.executed_value, p.rate_value,
            p.achievement_value, p.total_value, p.rule_total_value, p.grade] + ([p.total_change, p.grade_change, p.rate_change]
                                      if history else [])
           for p in context.projects])
    sheet("异常", [("类别", "text", 22), ("实施单位", "text", 30), ("项目", "text", 30),
                 ("数额", "text", 30), ("位置", "text", 40), ("代码", "text", 28),
                 ("说明", "text", 60)],
          [[a.kind, a.unit, a.project, a.figure, a.position, a.code, a.message]
           for a in context.anomalies])
    book.remove(book["Sheet"])
    return saved(book)


def automatic_jobs(units: int) -> int:
    """``--jobs auto`` for a summary: on Linux, a process a usable CPU (at most
    parallel.AUTO_AT_MOST) once there are a few units to share; else one."""
    import sys

    from .parallel import AUTO_AT_MOST, can_fork, usable_cpus

    if not sys.platform.startswith("linux") or units < 4:
        return 1
    jobs = min(usable_cpus(), AUTO_AT_MOST, units)
    return jobs if jobs > 1 and can_fork() else 1


@dataclass(frozen=True)
class Outcome:
    """What a summary run gives the command: the rendered summary and the run's counts."""

    data: bytes
    errors: int
    warnings: int
    rules_failed: bool  # a unit's own rules.yaml could not be used (exit 2)
    refused: tuple | None = None  # the archive's diagnostics when it cannot be used


def summarize(folders: list, engine, output_format: str, *, jobs: int = 1,
              archive: Any = None, told: Any = None) -> Outcome:
    """Score the units (streamed: one unit's documents at a time in each process), tell each
    unit's diagnostics through ``told`` as it is done, keep it in ``archive`` (a path) and
    compare it with its previous year there, and render the summary."""
    from .summary import evaluate_units

    store = None
    if archive is not None:
        from .archive import Archive, ArchiveProblem

        try:
            store = Archive.open(archive)
        except ArchiveProblem as problem:
            return Outcome(b"", 0, 0, False, tuple(problem.diagnostics))
    builder = SummaryBuilder()
    rules_failed = False
    try:
        for unit in evaluate_units(folders, engine, jobs):
            if told is not None and unit.report:
                told(unit.report)
            unit = replace(unit, report="")  # told: not to be held for the other units
            rules_failed = rules_failed or unit.rules_failed
            previous = None
            if store is not None and unit.scored:
                previous = store.previous(unit)
                store.record(unit)
            builder.add(unit, previous)
    finally:
        if store is not None:
            store.close()
    context = builder.context()
    if output_format == "xlsx":
        data = render_xlsx(context)
    elif output_format == "json":
        data = render_json(context).encode("utf-8")
    else:
        data = render(context, output_format).encode("utf-8")
    return Outcome(data, builder.errors, builder.warnings, rules_failed)


def render_history(archive: Any, units: list[str]) -> str:
    """``evaluate history``: each unit's years in the archive (Markdown), then its projects'
    总分 and 等级 year by year."""
    from .report import markdown_cell as cell

    lines: list[str] = []
    for unit in units:
        years = list(archive.years(unit))
        lines += [f"## {cell(unit)}", "",
                  "| 年度 | 规则集 | 评分项目 | 未评分 | 全年预算数（元） | 全年执行数（元） | 执行率 "
                  "| 平均总分 | 加权平均总分 | 等级分布 | 异常 |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|"]
        for y in years:
            grades = "，".join(f"{cell(g)} {n}" for g, n in y.grades)
            lines.append(
                f"| {y.year} | {cell(y.rules)} | {y.projects} | {y.unscored} | {money(y.adjusted)} "
                f"| {money(y.executed)} | {rate_text(y.executed / y.adjusted if y.adjusted else None)} "
                f"| {score_text(y.average) or '—'} | {score_text(y.weighted_average) or '—'} "
                f"| {grades} | {y.exceptions} |")
        numbers = [y.year for y in years]
        lines += ["", "| 项目 | " + " | ".join(f"{n}年" for n in numbers) + " |",
                  "|---|" + "---:|" * len(numbers)]
        for name, by_year in archive.project_years(unit):
            cells = [f"{score_text(by_year[n][0])} {cell(by_year[n][1])}" if n in by_year else "—"
                     for n in numbers]
            lines.append(f"| {cell(name)} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)
