"""A department's view (DESIGN §12): many units scored one after the other, each kept only as
its summary rows and the exceptions a reviewer looks for.

A unit is a folder holding its goals and actuals (and perhaps its own rules.yaml). The engine
is called in ONE place, ``evaluate_unit``; what it keeps of a unit (``UnitSummary``) is small
and plain (text, Decimal, tuples), so that a unit's documents are let go as soon as it is done
and a worker process can send it back. The exceptions are derived from the diagnostics the
engine already gives (review.*, budget.*, …), with the figure each concerns taken from the
scored project; no check is made again here.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from .diagnostics import Diagnostic, error, format_all
from .saved_code import dataclass

if TYPE_CHECKING:
    from .evaluation import ProjectResult
    from .run import Run
    from .rules import RuleSet
    from .vocabulary import Lexicon

ZERO = Decimal(0)
TEN_THOUSAND = Decimal(10000)

# The file kinds of a unit folder, by name without suffix (goals.yaml, actuals.xlsx …).
GOALS, ACTUALS, RULES = "goals", "actuals", "rules"


def input_suffixes() -> tuple[str, ...]:
    """The suffixes a reader is registered for (inputs.READERS): YAML, and every kind a reader
    adds (.xlsx …), so that a unit folder may hold whichever its unit has."""
    from .inputs import READERS

    return tuple(READERS)


@dataclass(frozen=True)
class UnitFiles:
    folder: Path
    goals: Path | None
    actuals: Path | None
    rules: Path | None


def unit_files(folder: Path) -> tuple[UnitFiles, list[Diagnostic]]:
    """A unit folder's goals, actuals and rule files, found by name (``goals.yaml``,
    ``actuals.xlsx`` …, any suffix the loader reads); each missing or given twice is a
    diagnostic naming the folder."""
    suffixes = input_suffixes()
    found: dict[str, list[Path]] = {GOALS: [], ACTUALS: [], RULES: []}
    for entry in sorted(folder.iterdir()):  # one that cannot be read: an IO error, exit 2
        kind = entry.stem.lower()
        if kind in found and entry.suffix.lower() in suffixes and entry.is_file():
            found[kind].append(entry)
    problems: list[Diagnostic] = []
    chosen: dict[str, Path | None] = {}
    labels = {GOALS: "申报表（goals）", ACTUALS: "完成值文件（actuals）", RULES: "规则文件（rules）"}
    for kind, paths in found.items():
        chosen[kind] = paths[0] if len(paths) == 1 else None
        if len(paths) > 1:
            problems.append(error(
                "summary.ambiguous_file",
                f"单位目录“{folder}”中有多个{labels[kind]}：{'、'.join(p.name for p in paths)}",
                hint="每个单位目录只放一个，其余移到别处"))
        elif not paths and kind != RULES:
            problems.append(error(
                "summary.missing_file", f"单位目录“{folder}”中没有{labels[kind]}",
                hint=f"请放入 {kind}{suffixes[0]}（可用的后缀：{'、'.join(suffixes)}）"))
    return UnitFiles(folder, chosen[GOALS], chosen[ACTUALS], chosen[RULES]), problems


# ---- what is kept of a unit ---------------------------------------------------------------

@dataclass(frozen=True)
class ProjectRow:
    """One project of a unit, as the summary shows it. Amounts in 元, whatever the unit wrote."""

    unit: str  # 实施单位 of the unit's goals
    name: str  # 项目名称
    code: str  # 项目编码, or ""
    adjusted: Decimal  # 全年预算数, 元
    executed: Decimal  # 全年执行数, 元
    rate: Decimal | None  # 执行率 (None without a budget)
    achievement: Decimal | None  # indicator points scored / their weights (0–1), adopted
    total: Decimal  # 总分, adopted
    rule_total: Decimal  # 总分 by the rules
    grade: str

    @property
    def key(self) -> str:
        """How the project is told apart within its unit, year after year."""
        return self.code or self.name


# What a reviewer looks at first, in this order; within a kind, the largest figure first.
GENEROUS, TOTAL, UNSCORED, OVERSPENT, GAP, NO_REASON, EXCEL, UNEXPLAINED = range(8)
KIND_LABELS = {
    GENEROUS: "自评得分比规则宽松", TOTAL: "总分与各行得分合计不符", UNSCORED: "因输入错误未评分",
    OVERSPENT: "执行数超过预算数", GAP: "指标得分率远高于预算执行率", NO_REASON: "扣分未说明原因",
    EXCEL: "疑似 Excel 习惯造成的数值", UNEXPLAINED: "超额完成未说明原因",
}


@dataclass(frozen=True, order=True)
class Anomaly:
    """One line of the exceptions list."""

    kind: int  # GENEROUS … (the order a reviewer reads them in)
    magnitude: Decimal  # what sorts within a kind, larger first (stored negated: see sort_key)
    unit: str
    project: str  # 项目名称 (or 项目编码 where it has none), "" for the unit as a whole
    figure: str  # the amount concerned, in words: 高出规则 3.50 分, 超支 12,000.00 元 …
    position: str  # FILE:LINE:COL (or FILE:Sheet!B12 …) of what the figure comes from
    code: str  # the diagnostic it comes from
    message: str  # that diagnostic's message

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


def sort_key(anomaly: Anomaly) -> tuple:
    return (anomaly.kind, -anomaly.magnitude, anomaly.unit, anomaly.project, anomaly.position,
            anomaly.code, anomaly.message)


@dataclass(frozen=True)
class UnitSummary:
    """What the summary keeps of a unit once it is scored."""

    folder: str
    unit: str  # 实施单位, or the folder's name when the goals could not be read
    department: str
    year: int | None
    funds_unit: str  # as the unit wrote its amounts (元 or 万元); ProjectRow is in 元
    rules: str  # the rule set's name
    grades: tuple[str, ...]  # the rule set's grades, best first
    projects: tuple[ProjectRow, ...]
    unscored: tuple[str, ...]  # projects not scored because of errors
    anomalies: tuple[Anomaly, ...]
    report: str  # the unit's diagnostics, formatted with their excerpts
    errors: int
    warnings: int
    rules_failed: bool = False  # its own rules.yaml could not be used (exit 2)

    @property
    def scored(self) -> bool:
        """Whether the unit could be read at all (its goals header, at least)."""
        return self.year is not None


# ---- the one call into the engine ---------------------------------------------------------

_EXCEL_CODES = frozenset({"actual.percent_unit", "actual.scale_unit", "schema.places"})


def _excel_habit(diagnostic: Diagnostic) -> bool:
    """0.9 for 90% (a percentage cell's value), a bare number in a 万 unit, more decimals
    than written (a float), 1.1E+06 (a number Excel exported in its scientific format)."""
    code = diagnostic.code
    return (code in _EXCEL_CODES or code.startswith(("xlsx.", "excel."))
            or code == "schema.number" and "科学计数法" in (diagnostic.hint or ""))


def _text(value: Decimal) -> str:
    from .report import score_text

    return score_text(value)


def _anomalies(unit: str, result: ProjectResult, found: Iterable[Diagnostic], rules: RuleSet,
               in_yuan: Decimal) -> list[Anomaly]:
    """The exceptions among one scored project's diagnostics, with their figures."""
    from .report import money, rate_text

    project = result.project.name
    anomalies: list[Anomaly] = []
    rows_by_score: dict | None = None  # position of a row's own score → the row
    rows_by_key: dict | None = None  # position of a row's key → the row

    def add(kind: int, magnitude: Decimal, figure: str, diagnostic: Diagnostic) -> None:
        anomalies.append(Anomaly(kind, magnitude, unit, project, figure,
                                 str(diagnostic.position or ""), diagnostic.code,
                                 diagnostic.message))

    for diagnostic in found:
        code = diagnostic.code
        if code == "review.score_differs":
            if rows_by_score is None:
                rows_by_score = {r.actual.field_position("score"): r for r in result.indicators
                                 if r.actual is not None and r.self_score is not None}
            row = rows_by_score.get(diagnostic.position)
            if row is not None and row.self_score > row.rule_score:
                difference = row.self_score - row.rule_score
                add(GENEROUS, difference, f"高出规则 {_text(difference)} 分", diagnostic)
        elif code in ("review.budget_score_above_weight", "review.budget_score_mismatch"):
            budget = result.budget
            if budget.self_score is not None and budget.self_score > budget.rule_score:
                difference = budget.self_score - budget.rule_score
                add(GENEROUS, difference, f"预算执行率得分高出规则 {_text(difference)} 分",
                    diagnostic)
        elif code == "review.total_mismatch" and result.self_total is not None:
            difference = result.self_total - result.total
            add(TOTAL, abs(difference), f"填写 {_text(result.self_total)}，合计 "
                f"{_text(result.total)}，相差 {_text(difference)}", diagnostic)
        elif code == "budget.over_executed":
            budget = result.budget
            over = (budget.executed - budget.adjusted) * in_yuan
            add(OVERSPENT, budget.rate or ZERO,
                f"超支 {money(over)} 元（执行率 {rate_text(budget.rate)}）", diagnostic)
        elif code == "review.achievement_gap":
            rate = min(result.budget.rate or ZERO, Decimal(1))
            gap = result.indicator_total * 100 / result.indicator_weight - rate * 100
            add(GAP, gap, f"高出 {_text(gap)} 个百分点", diagnostic)
        elif code in ("review.missing_reason", "review.overachievement_unexplained"):
            if rows_by_key is None:  # the rows that can be told so, to find which one is:
                # a position costs a look into the file, and a province has a million rows
                rows_by_key = {r.actual.position: r for r in result.indicators
                               if r.actual is not None and not r.actual.spec.reason
                               and (r.score < r.weight or r.flags)}
            row = rows_by_key.get(diagnostic.position)
            if code == "review.missing_reason":
                lost = row.weight - row.score if row is not None else ZERO
                add(NO_REASON, lost, f"扣 {_text(lost)} 分", diagnostic)
            else:
                add(UNEXPLAINED, ZERO, row.actual.spec.actual if row and row.actual else "",
                    diagnostic)
        elif _excel_habit(diagnostic):
            anomalies.append(_excel_anomaly(unit, project, diagnostic))
    return anomalies


def _excel_anomaly(unit: str, project: str, diagnostic: Diagnostic) -> Anomaly:
    return Anomaly(EXCEL, ZERO, unit, project, "", str(diagnostic.position or ""),
                   diagnostic.code, diagnostic.message)


def project_row(unit: str, result: ProjectResult, rules: RuleSet, in_yuan: Decimal
                ) -> ProjectRow:
    budget = result.budget
    weights = result.indicator_weight
    return ProjectRow(
        unit=unit, name=result.project.name, code=result.project.code or "",
        adjusted=budget.adjusted * in_yuan, executed=budget.executed * in_yuan, rate=budget.rate,
        achievement=result.indicator_total / weights if weights > 0 else None,
        total=result.total, rule_total=result.rule_total, grade=rules.grade(result.total))


class Engine:
    """The default rule set, loaded once (before workers fork, so that each inherits it), and
    what a run learns that depends on the rule set and the year only (compiled targets,
    outcomes, 分值 by shape): shared by the units scored under it, as within one unit."""

    def __init__(self, rules: RuleSet, lexicon: Lexicon):
        self.rules, self.lexicon = rules, lexicon
        self._learnt: dict[int, Any] = {}  # year → its Scorers, with their memo

    def share_memory(self, run: Run) -> None:
        from .evaluation import Scorers
        from .memo import Memo

        if run.rules is not self.rules or run.goals is None or run.goals.checking_only:
            return
        year = run.goals.year
        learnt = self._learnt.get(year)
        if learnt is None:
            learnt = self._learnt[year] = Scorers(self.rules, year, Memo(self.lexicon))
        run.memo, run.scorers = learnt.memo, learnt


def _failed(folder: Path, diagnostics: list[Diagnostic], sources: dict, *,
            rules_failed: bool = False) -> UnitSummary:
    errors = sum(1 for d in diagnostics if d.is_error)
    first = next((d for d in diagnostics if d.is_error), None)
    anomaly = Anomaly(UNSCORED, ZERO, folder.name, "", "整个单位", str(first.position or "")
                      if first else "", first.code if first else "", first.message if first
                      else "")
    return UnitSummary(str(folder), folder.name, "", None, "", "", (), (), (), (anomaly,), format_all(diagnostics, sources), errors,
                       len(diagnostics) - errors, rules_failed)


def evaluate_unit(folder: Path, engine: Engine) -> UnitSummary:
    """Score one unit folder and keep its summary: THE call into the engine (its inputs, its
    rule set, its run), so that a change in the engine's interface is made here only."""
    from .diagnostics import sort_key as diagnostic_order
    from .run import RulesProblem, load_rule_set, prepare

    files, problems = unit_files(folder)
    rules, lexicon = engine.rules, engine.lexicon
    if files.rules is not None:
        try:
            rules, lexicon = load_rule_set(str(files.rules))
        except RulesProblem as problem:
            return _failed(folder, problems + list(problem.diagnostics), problem.sources,
                           rules_failed=True)
    if files.goals is None or files.actuals is None:
        return _failed(folder, problems, {})
    run = prepare(str(files.goals), str(files.actuals), rules, lexicon)
    run.diagnostics[:0] = problems
    engine.share_memory(run)
    # the rows' positions are looked up after each project is scored (the exceptions' places)
    run.releases_read_data = False
    goals = run.goals
    if goals is None or run.actuals is None or run.checking_only:
        for _result in run.results():  # every project still checked: all its problems told
            pass
        return _failed(folder, list(run.sorted_diagnostics()), run.sources)
    unit = goals.unit
    in_yuan = TEN_THOUSAND if goals.funds_unit == "万元" else Decimal(1)
    rows: list[ProjectRow] = []
    anomalies: list[Anomaly] = []
    unscored: list[str] = []
    for index in run.indexes():
        before = len(run.diagnostics)
        result = run.score_index(index)
        found = run.diagnostics[before:]
        if result is None:
            name = goals.names[index] or f"第 {index + 1} 个项目"
            unscored.append(name)
            first = min((d for d in found if d.is_error), key=diagnostic_order, default=None)
            anomalies.append(Anomaly(UNSCORED, ZERO, unit, name, "未评分",
                                     str(first.position or "") if first else "",
                                     first.code if first else "",
                                     first.message if first else ""))
            anomalies += [_excel_anomaly(unit, name, d) for d in found if _excel_habit(d)]
            continue
        rows.append(project_row(unit, result, rules, in_yuan))
        anomalies += _anomalies(unit, result, found, rules, in_yuan)
    run.check_unmatched()
    diagnostics = run.sorted_diagnostics()
    errors = sum(1 for d in diagnostics if d.is_error)
    return UnitSummary(
        folder=str(folder), unit=unit, department=goals.department, year=goals.year,
        funds_unit=goals.funds_unit, rules=rules.name,
        grades=tuple(g.name for g in rules.grades), projects=tuple(rows),
        unscored=tuple(unscored), anomalies=tuple(anomalies),
        report=format_all(diagnostics, run.sources), errors=errors,
        warnings=len(diagnostics) - errors)


# ---- many units ---------------------------------------------------------------------------

_ENGINE: Engine | None = None  # the workers' (inherited from the parent as it forks them)


def _evaluate_in_worker(folder: Path) -> UnitSummary:
    assert _ENGINE is not None
    return evaluate_unit(folder, _ENGINE)


def evaluate_units(folders: list[Path], engine: Engine, jobs: int = 1) -> Iterator[UnitSummary]:
    """Each unit's summary, in the order given, as soon as it is there; with ``jobs`` > 1 the
    units are scored by that many forked workers (parallel.in_workers). Only one unit's
    documents are held at a time in each process."""
    global _ENGINE
    if jobs <= 1 or len(folders) < 2:
        for folder in folders:
            yield evaluate_unit(folder, engine)
        return
    from .parallel import in_workers

    _ENGINE = engine
    answers = in_workers(_evaluate_in_worker, folders, min(jobs, len(folders)))
    try:
        yield from answers
    finally:
        answers.close()
        _ENGINE = None
