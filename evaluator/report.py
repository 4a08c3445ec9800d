"""From an Evaluation to what people read: the context object and Markdown via Jinja (the JSON
contract is json_report.py's).

Templates get ONE object, ``ReportContext`` (documented field by field below), whose values are
already formatted strings: templates only present, they never compute. ``StrictUndefined``
makes a misspelt field an error instead of an empty cell.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from .diagnostics import format_diagnostic
from .evaluation import Evaluation, IndicatorResult, ProjectResult
from .goals import written_keys
from .resources import resource_dir
from .saved_code import compiled, dataclass
from .scoring import round_half_up

if TYPE_CHECKING:
    import jinja2

    from .charts import Chart, ChartRow

FLAG_LABELS = {"overachieved": "超额完成", "over_budget": "超预算执行"}


def money(value: Decimal | None) -> str:
    """Amounts with thousands separators, to the cent or as finely as they were written
    (110.2035 万元 stays 110.2035)."""
    if value is None:
        return ""
    places = max(2, -value.as_tuple().exponent) if isinstance(value.as_tuple().exponent, int) else 2
    return f"{value:,.{places}f}"


def money_value(value: Decimal | None) -> Decimal | None:
    """The amount ``money`` shows, as a number: to the cent, or as finely as written."""
    if value is None:
        return None
    exponent = value.as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return value.quantize(Decimal(1).scaleb(-places))


def score_value(value: Decimal | None) -> Decimal | None:
    """The score ``score_text`` shows, as a number: to 0.01, half-up."""
    return None if value is None else round_half_up(value)


def score_text(value: Decimal | None) -> str:
    # str of a Decimal to the cent is its "f" format (never scientific: its exponent is -2),
    # made five times as fast
    return "" if value is None else str(round_half_up(value))


def rate_value(rate: Decimal | None) -> Decimal | None:
    """The rate ``rate_text`` shows, as a fraction (94.06% is 0.9406)."""
    return None if rate is None else round_half_up(rate * 100) / 100


def rate_text(rate: Decimal | None) -> str:
    return "—" if rate is None else f"{round_half_up(rate * 100)}%"


@dataclass(frozen=True)
class IndicatorView:
    """One row of the indicator table."""

    level1: str  # 一级指标
    level2: str  # 二级指标
    name: str  # 三级指标
    target: str  # 年度指标值, as written in goals.yaml
    actual: str  # 实际完成值, as written in actuals.yaml ("" when missing)
    weight: str  # 分值
    score: str  # 得分 adopted (the unit's own where given)
    rule_score: str  # 规则得分
    self_score: str  # 单位自评得分 ("" when not given)
    tier: str  # 达成 / 部分达成 / 未达成 for qualitative rows, else ""
    trace: str  # how the rule score was computed, in words ("" in a view made without: xlsx)
    flags: tuple[str, ...]  # Chinese labels: 超额完成 …
    remark: str  # 偏差原因分析及改进措施
    self_note: str  # when the unit's own score was not adopted: what it was, and why
    # why the row could not be scored as written (no actual, unreadable, units that disagree …),
    # "" when it could; the reason is then not called missing: the input is what is wrong
    problem: str
    lost_points: bool  # the adopted score is below the weight
    missing_reason: bool  # lost points or overachieved, and no reason given
    overachieved: bool  # over target by more than the rule set allows (kept in the hand-in)
    reason: str  # 偏差原因分析 as the unit wrote it, "" when not given
    measures: str  # 改进措施, likewise
    level1_span: int  # rows the 一级指标 cell spans (merged cell); 0 on the rows it covers
    level2_span: int  # likewise for the 二级指标 cell
    # the numbers the strings above show, exact (a workbook's cells take these, not the text)
    weight_value: Decimal
    score_value: Decimal
    rule_score_value: Decimal
    self_score_value: Decimal | None


@dataclass(frozen=True)
class FundRow:
    """A line under 年度资金总额 in the 项目资金 block: 其中：当年财政拨款, 上年结转资金, 其他资金."""

    label: str
    initial: str  # 年初预算数 (goals.yaml funds.fiscal …), "" when not given
    adjusted: str  # 全年预算数, where actuals give it, else ""
    executed: str  # 全年执行数, likewise
    initial_value: Decimal | None  # the same, exact
    adjusted_value: Decimal | None
    executed_value: Decimal | None


@dataclass(frozen=True)
class CategoryView:
    """A category's weight and score as a report shows them."""

    name: str  # 产出指标 …
    weight: str
    score: str
    weight_value: Decimal
    score_value: Decimal


@dataclass(frozen=True)
class ProjectView:
    """One 项目支出绩效自评表."""

    name: str
    code: str
    department: str  # 主管部门
    unit: str  # 实施单位
    funds_unit: str  # 元 or 万元
    initial: str  # 年初预算数
    adjusted: str  # 全年预算数
    executed: str  # 全年执行数
    budget_weight: str  # 预算执行率分值 ("" when the rule set has no budget row)
    rate: str  # 执行率, e.g. 94.06%
    budget_flags: tuple[str, ...]  # 超预算执行 when more was spent than budgeted
    budget_score: str
    budget_rule_score: str
    budget_self_score: str
    budget_trace: str
    fund_rows: tuple[FundRow, ...]  # 其中：当年财政拨款 …; () when the inputs give none of them
    goal: str  # 年度总体目标
    summary: str  # 实际完成情况
    indicators: tuple[IndicatorView, ...]
    categories: tuple[CategoryView, ...]
    weight_total: str  # 分值合计: 100.00 when the weights add up
    total: str  # 总分 (adopted)
    rule_total: str
    self_total: str  # the 总分 the unit wrote, or ""
    score_note: str  # under the table: whose scores count, and the 总分 the unit wrote; or ""
    grade: str  # 自评等级
    has_self_scores: bool  # show rule and self-score columns
    spans: "TableSpans"  # merged-cell sizes of the HTML 自评表 (layout, computed here)
    # The numbers the strings above show, exact: None where the string is "" (or "—" for a
    # rate that cannot be worked out). A rate is a fraction: 94.06% is 0.9406.
    initial_value: Decimal | None
    adjusted_value: Decimal | None
    executed_value: Decimal | None
    budget_weight_value: Decimal | None
    rate_value: Decimal | None
    budget_score_value: Decimal | None
    budget_rule_score_value: Decimal | None
    budget_self_score_value: Decimal | None
    weight_total_value: Decimal | None
    total_value: Decimal | None
    rule_total_value: Decimal | None
    self_total_value: Decimal | None


@dataclass(frozen=True)
class TableSpans:
    """Column and row spans of the HTML 自评表, so that templates do no arithmetic. The form is
    two tables that print as one: the project's head (项目名称 … 年度总体目标) on a grid of
    ``head_columns`` (8, or 6 without the budget row's 分值 and 得分), and the indicators on
    ``columns``, whose header row repeats on every printed page."""

    columns: int  # indicator table: 9, or 10 with the 规则得分 column
    head_columns: int  # the head's grid: two label columns, then the funds' columns
    after_label: int  # cells right of a two-column label (项目名称 …)
    after_unit_label: int  # cells right of 实施单位
    actual_summary: int  # 实际完成情况 beside 预期目标 (which takes two)
    funds_rows: int  # rows the 项目资金 label spans: its header, 年度资金总额 and the fund rows


@dataclass(frozen=True)
class SummaryRow:
    """A project's row of the unit's summary as a report shows it."""

    name: str
    adjusted: str
    executed: str
    rate: str
    total: str
    grade: str
    # the numbers shown, exact (see ProjectView)
    adjusted_value: Decimal | None
    executed_value: Decimal | None
    rate_value: Decimal | None
    total_value: Decimal | None


@dataclass(frozen=True)
class ReportContext:
    """Everything a template may use."""

    year: str
    department: str
    unit: str
    funds_unit: str
    rules_name: str
    rules_title: str
    has_budget_row: bool
    explain: bool  # print the trace of every score
    projects: tuple[ProjectView, ...]
    summary: tuple[SummaryRow, ...]
    total_adjusted: str
    total_executed: str
    total_rate: str
    average_total: str
    grade_counts: tuple[tuple[str, int], ...]  # (等级, 项目数) in the rule set's order
    diagnostics: tuple[str, ...]  # formatted diagnostics, one string each
    charts: tuple[Chart, ...]  # summary charts (HTML): categories, grades, budget execution
    errors: int  # diagnostics of the run, by severity
    warnings: int
    # the numbers the summary's 合计 row shows, exact (see ProjectView)
    total_adjusted_value: Decimal | None
    total_executed_value: Decimal | None
    total_rate_value: Decimal | None
    average_total_value: Decimal | None
    # projects of the 申报表 not in this report (an error kept them from being scored), by
    # name: the summary's 合计 and averages leave them out, and says so (unscored_note)
    unscored: tuple[str, ...] = ()
    unscored_note: str = ""
    # the hand-in version (--for-submission, ``for_submission``): the official form only, no
    # title line of rules, unit summary, charts or diagnostics
    submission: bool = False


def _remark(result: IndicatorResult) -> str:
    if result.actual is None:
        return ""
    spec = result.actual.spec
    reason, measures = spec.reason, spec.measures
    if not measures:  # most rows: a reason or nothing
        return reason.strip() if reason else ""
    measures = f"改进措施：{measures}".strip()
    return f"{reason.strip()}；{measures}" if reason else measures


def _spans(results: tuple[IndicatorResult, ...], key) -> list[int]:
    """Row spans of merged cells: the first row of each run of equal keys spans the run."""
    spans = [0] * len(results)
    start = 0
    for index in range(1, len(results) + 1):
        if index == len(results) or key(results[index]) != key(results[start]):
            spans[start] = index - start
            start = index
    return spans


def _indicator_views(results: tuple[IndicatorResult, ...], unreadable: frozenset[str] = frozenset(),
                     scored: dict | None = None, traced: bool = True
                     ) -> tuple[IndicatorView, ...]:
    """``scored``: the scored part of the rows seen (``_scored_part``), kept across projects;
    ``traced``: as ``project_view``."""
    level1 = _spans(results, lambda r: r.indicator.level1)
    level2 = _spans(results, lambda r: (r.indicator.level1, r.indicator.level2))
    scored = {} if scored is None else scored
    return tuple(_indicator_view(r, a, b, unreadable, scored, traced)
                 for r, a, b in zip(results, level1, level2))


_NEW = object.__new__
_SCORED_PARTS = 100_000  # the scored parts a report keeps, at most (a unit has some 16 000)


def _scored_part(result: IndicatorResult, scored: dict) -> tuple:
    """A row's fields that follow from its outcome, weight and the unit's own score: the same
    for every row scored alike (a run's outcomes are memoized: a province's 250 000 rows have
    some 16 000), so worked out once each."""
    outcome, weight, own = result.outcome, result.weight, result.self_score
    # by the outcome alone (a Decimal hashes slowly), its weight checked; rows with the unit's
    # own score are few and not kept
    known = scored.get(outcome) if own is None else None
    if known is not None and known[0] == weight:
        return known[1]
    if len(scored) >= _SCORED_PARTS:
        scored.clear()
    score, flags = result.score, result.flags
    # each figure rounded once, and shown as score_text shows it
    weight_value, score_value_, rule_value = (round_half_up(weight), round_half_up(score),
                                              round_half_up(result.rule_score))
    own_value = score_value(own)
    own_text = "" if own_value is None else str(own_value)
    part = (
        str(weight_value), str(score_value_), str(rule_value), own_text,
        result.tier.value if result.tier else "",
        f"单位自评 {own_text} 超出分值或所在档次，未采用" if result.self_rejected else "",
        tuple(FLAG_LABELS.get(f, f) for f in flags), score < weight,
        "overachieved" in flags, weight_value, score_value_, rule_value, own_value)
    if own is None:
        scored[outcome] = (weight, part)
    return part


def _indicator_view(result: IndicatorResult, level1_span: int, level2_span: int,
                    unreadable: frozenset[str] = frozenset(), scored: dict | None = None,
                    traced: bool = True) -> IndicatorView:
    indicator, actual = result.indicator, result.actual
    spec = actual.spec if actual is not None else None
    reason = spec.reason if spec is not None else None
    (weight, score, rule_score, self_score, tier, self_note, flags, lost, overachieved,
     weight_value, score_value_, rule_score_value, self_score_value) = _scored_part(
        result, {} if scored is None else scored)
    problem = _problem_of(result, unreadable)
    # made without the frozen dataclass's __init__, which sets each of the 26 fields through
    # object.__setattr__: that was half of a view's cost; every field is given (a test makes
    # the views again through __init__ and compares)
    view = _NEW(IndicatorView)
    view.__dict__.update(
        level1=indicator.level1, level2=indicator.level2, name=indicator.name,
        target=indicator.target, actual=spec.actual if spec is not None else "",
        weight=weight, score=score, rule_score=rule_score, self_score=self_score, tier=tier,
        trace=result.trace if traced else "", self_note=self_note, flags=flags, remark=_remark(result), problem=problem,
        lost_points=lost, missing_reason=(lost or overachieved) and not reason and not problem,
        overachieved=overachieved, reason=(reason or "").strip(),
        measures=((spec.measures if spec is not None else None) or "").strip(),
        level1_span=level1_span, level2_span=level2_span, weight_value=weight_value,
        score_value=score_value_, rule_score_value=rule_score_value,
        self_score_value=self_score_value)
    return view


def _problem_of(result: IndicatorResult, unreadable: frozenset[str]) -> str:
    """``unreadable``: the keys of the project's rows written but in error (ProjectActuals)."""
    if result.actual is None:
        indicator = result.indicator
        if not unreadable.isdisjoint(written_keys(indicator.level1, indicator.level2,
                                                  indicator.name)):
            return "该行填写有误，未能读取"
        return "未填写实际完成值"
    if result.target is None or result.value is None:
        return "指标值或完成值无法识别"
    errors = [f.message for f in result.outcome.findings if f.severity == "error"]
    return errors[0] if errors else ""


def _score_note(result: ProjectResult) -> str:
    note = ("得分采用单位自评得分（未填写的行按规则得分）；规则得分为按规则集计算的得分。"
            if result.has_self_scores else "")
    if result.self_total is not None:
        note += f"单位填写的总分：{score_text(result.self_total)}。"
    return note


def _project_view(result: ProjectResult, evaluation: Evaluation, funds_unit: str,
                  scored: dict | None = None, traced: bool = True) -> ProjectView:
    project, budget = result.project, result.budget
    has_budget = budget.weight > 0
    weights = budget.weight + sum((r.weight for r in result.indicators), Decimal(0))
    fund_rows = _fund_rows(result)
    return ProjectView(
        name=project.name, code=project.code or "", department=project.department,
        unit=project.unit, funds_unit=funds_unit, initial=money(budget.initial),
        adjusted=money(budget.adjusted), executed=money(budget.executed),
        budget_weight=score_text(budget.weight) if has_budget else "",
        rate=rate_text(budget.rate), budget_flags=tuple(FLAG_LABELS.get(f, f) for f in budget.flags),
        budget_score=score_text(budget.score) if has_budget else "",
        budget_rule_score=score_text(budget.rule_score) if has_budget else "",
        budget_self_score=score_text(budget.self_score), budget_trace=budget.trace,
        fund_rows=fund_rows, goal=project.goal, summary=(result.actuals.spec.summary or "").strip(),
        indicators=_indicator_views(result.indicators, result.actuals.unreadable, scored, traced),
        categories=tuple(CategoryView(n, score_text(w), score_text(s), round_half_up(w),
                                      round_half_up(s)) for n, w, s in result.categories),
        weight_total=score_text(weights),
        total=score_text(result.total), rule_total=score_text(result.rule_total),
        self_total=score_text(result.self_total), score_note=_score_note(result),
        # written 分值 that break the 100 (weights.total, an error) make a total of 110 possible:
        # its grade is not to be read as the others are
        grade=evaluation.grade(result.total) + (
            f"（分值合计 {score_text(weights)}，不是 100）" if weights != 100 else ""),
        has_self_scores=result.has_self_scores,
        spans=_spans_of(result.has_self_scores, has_budget, len(fund_rows)),
        initial_value=money_value(budget.initial), adjusted_value=money_value(budget.adjusted),
        executed_value=money_value(budget.executed),
        budget_weight_value=score_value(budget.weight) if has_budget else None,
        rate_value=rate_value(budget.rate),
        budget_score_value=score_value(budget.score) if has_budget else None,
        budget_rule_score_value=score_value(budget.rule_score) if has_budget else None,
        budget_self_score_value=score_value(budget.self_score),
        weight_total_value=score_value(weights), total_value=score_value(result.total),
        rule_total_value=score_value(result.rule_total),
        self_total_value=score_value(result.self_total))


FUND_LABELS = (("fiscal", "其中：当年财政拨款"), ("carryover", "上年结转资金"), ("other", "其他资金"))


def _fund_rows(result: ProjectResult) -> tuple[FundRow, ...]:
    """The three lines of the official form under 年度资金总额, when the 申报表 gives any of
    them; a figure not given is an empty cell, not a 0.00 nobody wrote."""
    funds = result.project.funds
    spec = result.actuals.spec
    sources = {s.key: s for s in spec.budget.sources} if spec is not None else {}
    if not sources and all(getattr(funds, key) is None for key, _label in FUND_LABELS):
        return ()
    rows = []
    for key, label in FUND_LABELS:
        source = sources.get(key)
        adjusted = source.adjusted if source is not None else None
        executed = source.executed if source is not None else None
        rows.append(FundRow(label, money(getattr(funds, key)), money(adjusted), money(executed),
                            money_value(getattr(funds, key)), money_value(adjusted),
                            money_value(executed)))
    return tuple(rows)


def _spans_of(has_self_scores: bool, has_budget: bool, fund_rows: int) -> TableSpans:
    head = 8 if has_budget else 6
    return TableSpans(columns=10 if has_self_scores else 9, head_columns=head,
                      after_label=head - 2, after_unit_label=head - 5, actual_summary=head - 4,
                      funds_rows=2 + fund_rows)


def build_context(evaluation: Evaluation, *, explain: bool = False) -> ReportContext:
    goals = evaluation.goals
    assert goals is not None
    tally = Tally()
    projects = tuple(project_views(evaluation, evaluation.projects, tally))
    return tally.context(evaluation, explain=explain, projects=projects,
                         charts=tally.charts(evaluation))


def project_views(evaluation: Evaluation, results: Iterable[ProjectResult], tally: Tally,
                  submission: bool = False, charted: bool = True) -> Iterator[ProjectView]:
    """Each result's view as it comes, added to ``tally`` (a report written as its projects
    are scored holds one at a time); ``submission``: as ``for_submission`` shows it;
    ``charted``: as ``project_view``."""
    for result in results:
        view, entry = project_view(result, evaluation, submission, tally.scored_parts, charted)
        tally.add(entry)
        yield view


# what the summary takes of a project: its row, its budget, its total, its place in the 申报表,
# what the charts draw of it (None for a report without charts)
TallyEntry = tuple["SummaryRow", Decimal, Decimal, Decimal, int, "ChartRow | None"]


def project_view(result: ProjectResult, evaluation: Evaluation, submission: bool = False,
                 scored_parts: dict | None = None, charted: bool = True, traced: bool = True
                 ) -> tuple[ProjectView, TallyEntry]:
    """A result's view, and what the summary takes of it (``Tally.add``): small enough for
    a worker of ``--jobs`` to send back beside the sheet it laid out. ``scored_parts``: the
    rows' parts scored alike, kept across the projects of a report (``Tally.scored_parts``);
    ``charted``: whether the report draws the summary's charts (the workbook, Markdown and
    the hand-in version do not); ``traced``: whether its rows' views hold the trace of their
    scores (the workbook shows none: a row's trace is written out only when read)."""
    assert evaluation.goals is not None
    p = _project_view(result, evaluation, evaluation.goals.funds_unit, scored_parts, traced)
    row = SummaryRow(p.name, p.adjusted, p.executed, p.rate, p.total, p.grade,
                     p.adjusted_value, p.executed_value, p.rate_value, p.total_value)
    if charted:
        from .charts import chart_row  # a charted report's only: JSON, XLSX import no charts
    return (_submitted(p) if submission else p), (
        row, result.budget.adjusted, result.budget.executed, result.total,
        result.project.where[1], chart_row(result) if charted else None)


class Tally:
    """What the summary adds up over the projects: its rows, the budget, the totals, what the
    charts draw of each project. A report written as its projects are scored keeps only this
    of a project once it is written."""

    def __init__(self, scored_parts: dict | None = None) -> None:
        self.rows: list[SummaryRow] = []
        self.adjusted = self.executed = Decimal(0)
        self.totals: list[Decimal] = []
        self.scored: set[int] = set()  # the projects' places in the 申报表
        self.chart_rows: list[ChartRow | None] = []  # None: a report without charts
        # the views' rows scored alike (_scored_part): a run's report keeps them in its memo
        self.scored_parts: dict = {} if scored_parts is None else scored_parts

    def add(self, entry: TallyEntry) -> None:
        row, adjusted, executed, total, place, chart_row = entry
        self.rows.append(row)
        self.adjusted += adjusted
        self.executed += executed
        self.totals.append(total)
        self.scored.add(place)
        self.chart_rows.append(chart_row)

    def charts(self, evaluation: Evaluation) -> tuple[Chart, ...]:
        """The summary's charts of the projects added (HTML): categories, budget, grades."""
        from .charts import summary_charts

        return summary_charts(self.chart_rows, evaluation.rules, self.grade_counts(evaluation))

    def grade_counts(self, evaluation: Evaluation) -> tuple[tuple[str, int], ...]:
        """(等级, 项目数) in the rule set's order."""
        assert evaluation.rules is not None
        counts = Counter(evaluation.grade(t) for t in self.totals)
        return tuple((g.name, counts.get(g.name, 0)) for g in evaluation.rules.grades)

    def context(self, evaluation: Evaluation, *, explain: bool = False,
                projects: tuple[ProjectView, ...] = (), charts: tuple[Chart, ...] = ()
                ) -> ReportContext:
        """The context of the projects added (``projects``: their views, when held)."""
        goals, rules = evaluation.goals, evaluation.rules
        assert goals is not None and rules is not None
        adjusted, executed, totals = self.adjusted, self.executed, self.totals
        rate = executed / adjusted if adjusted else None
        average = sum(totals, Decimal(0)) / len(totals) if totals else None
        return ReportContext(
            year=str(goals.year), department=goals.department, unit=goals.unit,
            funds_unit=goals.funds_unit, rules_name=rules.name, rules_title=rules.title,
            has_budget_row=rules.budget.weight > 0, explain=explain, projects=projects,
            summary=tuple(self.rows), total_adjusted=money(adjusted),
            total_executed=money(executed), total_rate=rate_text(rate),
            average_total=score_text(average),
            total_adjusted_value=money_value(adjusted), total_executed_value=money_value(executed),
            total_rate_value=rate_value(rate), average_total_value=score_value(average),
            grade_counts=self.grade_counts(evaluation),
            diagnostics=tuple(format_diagnostic(d, evaluation.sources)
                              for d in evaluation.diagnostics),
            charts=charts, errors=evaluation.errors, warnings=evaluation.warnings,
            unscored=evaluation.unscored,
            unscored_note=(f"另有 {len(evaluation.unscored)} 个项目因输入错误未能评分，未计入合计："
                           f"{'、'.join(evaluation.unscored)}。" if evaluation.unscored else ""))


def for_submission(context: ReportContext) -> ReportContext:
    """The version a unit hands in: the official form only. What only a reviewer wants goes:
    the 规则得分 column where every row's equals the adopted score (where some differ, only
    those rows show theirs), the flags and notes beside the scores, traces, the charts and the
    diagnostics (they still go to stderr, and the exit code still tells)."""
    return replace(context, submission=True, explain=False, charts=(), diagnostics=(),
                   projects=tuple(_submitted(p) for p in context.projects))


def _submitted(p: ProjectView) -> ProjectView:
    differs = p.has_self_scores and (p.budget_rule_score != p.budget_score or any(
        i.rule_score != i.score for i in p.indicators))
    rows = tuple(replace(i, flags=(), self_note="", problem="", missing_reason=False,
                         rule_score=i.rule_score if i.rule_score != i.score else "")
                 for i in p.indicators)
    return replace(p, indicators=rows, budget_flags=(), budget_self_score="", score_note="",
                   has_self_scores=differs,
                   spans=replace(p.spans, columns=10 if differs else 9))


# What a Markdown renderer would take for HTML: a tag, a closing tag, a comment (<!-- would hide
# the rest of the report), an autolink. <5% and a < b stay as written, for a reader in a terminal.
_HTML_START = compiled(r"<(?=[A-Za-z/!?])")


# Control characters no report can hold (XML 1.0 refuses them, a terminal obeys them): a
# vertical tab or form feed (Word's soft line break, pasted) is a line break, any other is �.
_CONTROL = compiled(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # C1 too: U+009B is a CSI


def printable(value: Any) -> Any:
    """Text without control characters (tab and line breaks stay); anything else as it is."""
    if isinstance(value, str) and _CONTROL.search(value):
        return _CONTROL.sub(lambda c: "\n" if c.group() in "\x0b\x0c" else "\ufffd", value)
    return value


def markdown_cell(value: Any) -> str:
    """Text in the Markdown report: a pipe would end a table's cell and a newline its row, what
    looks like HTML would be taken for it, and brackets for a link or an image (a viewer would
    show a ``javascript:`` link, or fetch a remote image as the report is opened)."""
    text = printable(str(value)).replace("\\", "\\\\").replace("|", "\\|").replace("\r", "")
    text = text.replace("[", "\\[").replace("]", "\\]")
    return _HTML_START.sub("&lt;", text).replace("\n", "<br>")


TEMPLATES = {"md": "report.md.j2", "html": "report.html.j2"}


@dataclass(frozen=True)
class TemplateLimits:
    """What a user's templates may take (``--template-timeout``, ``--template-max-output``):
    a template someone sent may loop for ever or make a gigabyte of text."""

    seconds: float = 10.0
    characters: int = 100 << 20


class TemplateLimit(RuntimeError):
    """A template that went past its limits; told as a 模板错误."""


def _bounded(limits: TemplateLimits):
    """A sandbox whose ``*`` and ``**`` refuse to make a value bigger than the output may be
    (``{{ 'a' * 10**9 }}`` would fill the memory before a single character is written)."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def too_wide(pattern: Any) -> None:
        """``'%999999999d' % 1``, ``'{:999999999}'.format(1)``: a width as big as the output."""
        if isinstance(pattern, str) and any(int(n) > limits.characters
                                            for n in re.findall(r"\d{6,}", pattern)):
            raise TemplateLimit(f"格式中的宽度将超过模板输出的上限 {limits.characters:,} 字")

    class Bounded(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset(["*", "**", "%"])

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            checked = self.filters["format"]

            def format_filter(value, *args, **kwargs):
                too_wide(value)
                return checked(value, *args, **kwargs)

            self.filters["format"] = format_filter

        def wrap_str_format(self, value):
            wrapped = super().wrap_str_format(value)
            if wrapped is not None:
                too_wide(getattr(value, "__self__", None))
            return wrapped

        def call_binop(self, context, operator, left, right):
            if operator == "%":
                too_wide(left)
            if operator == "**" and all(isinstance(v, (int, float)) for v in (left, right)) \
                    and abs(left) > 1 and right > 64:
                raise TemplateLimit(f"乘方 {left} ** {right} 过大")
            if operator == "*":
                for sequence, times in ((left, right), (right, left)):
                    if isinstance(sequence, (str, list, tuple)) and isinstance(times, int) \
                            and len(sequence) * times > limits.characters:
                        raise TemplateLimit(f"一个值将超过模板输出的上限 {limits.characters:,} 字")
            return super().call_binop(context, operator, left, right)

    return Bounded


def environment(html: bool = False, templates: str | None = None,
                limits: TemplateLimits | None = None) -> jinja2.Environment:
    """Shipped templates, optionally overridden by a user folder (``--templates``). Templates
    from a folder may come from someone else (a reviewer renders what a unit sent), so they run
    sandboxed, within ``limits`` when given. The shipped ones alone are ours and run as they
    are: the sandbox's check of every attribute read was four fifths of a report's rendering."""
    import jinja2  # here, not at the top: JSON and XLSX runs need none of it

    folders = [str(resource_dir("reports"))]
    if templates is not None:
        folders.insert(0, templates)
    if templates is None and limits is None:
        sandbox: type[jinja2.Environment] = jinja2.Environment
    else:
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        sandbox = ImmutableSandboxedEnvironment if limits is None else _bounded(limits)
    env = sandbox(
        loader=_confined_loader(folders), undefined=jinja2.StrictUndefined,
        autoescape=html, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        finalize=printable)
    env.filters["cell"] = markdown_cell
    env.filters["unbroken"] = unbroken_quantities
    if templates is None and limits is None:  # ours alone: compiled once and saved
        from .saved_templates import saved_code

        env.bytecode_cache = saved_code()
    return env


# A number with its sign and unit: ≥800.00(人次), 1260人次, 95%, 30.00(万字)
_QUANTITY = compiled(r"[≥≤><=＞＜≧≦]?[+-]?\d[\d,.]*(?:\([^()\s]{1,8}\)|[%‰]|[\u4e00-\u9fff]{1,4})?")


def unbroken_quantities(value: Any) -> Any:
    """HTML text in which each quantity stays on one line (span.nb): a browser may break a line
    between 人 and 次 in ≥800.00(人次), as anywhere between two Chinese characters."""
    from markupsafe import Markup, escape  # imported with jinja2: a look-up in sys.modules

    text = str(escape(printable(value)))
    return Markup(_QUANTITY.sub(_no_break, text))


def _no_break(quantity: re.Match[str]) -> str:
    return f'<span class="nb">{quantity.group()}</span>'


def _confined_loader(folders: list[str]) -> "jinja2.BaseLoader":
    """Templates from these folders only: a link in a folder someone sent, pointing at a file
    elsewhere on this machine, is not followed (its contents would go out in the report)."""
    import jinja2

    roots = [os.path.realpath(folder) for folder in folders]

    class Confined(jinja2.FileSystemLoader):
        def get_source(self, environment, template):
            for folder in folders:  # a FIFO or a device where a template is looked for:
                found = os.path.join(folder, *template.split("/"))  # never opened
                if os.path.exists(found) and not os.path.isfile(found):
                    raise jinja2.TemplateNotFound(template)
            source, filename, uptodate = super().get_source(environment, template)
            real = os.path.realpath(filename)
            if not any(real.startswith(root + os.sep) for root in roots):
                raise jinja2.TemplateNotFound(template)
            return source, filename, uptodate

    return Confined(folders)


def render(context: ReportContext, output_format: str, templates: str | None = None,
           limits: TemplateLimits | None = None) -> str:
    env = environment(html=output_format == "html", templates=templates, limits=limits)
    template = env.get_template(TEMPLATES[output_format])
    if limits is None:
        return template.render(report=context)
    pieces, size = [], 0
    with _deadline(limits.seconds):
        for piece in template.generate(report=context):
            size += len(piece)
            if size > limits.characters:
                raise TemplateLimit(f"模板输出超过上限 {limits.characters:,} 字")
            pieces.append(piece)
    return "".join(pieces)


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """A template rendered for longer than ``seconds`` is stopped (nested loops over
    ``range(100000)`` write nothing while they run, so no count of output would end them).
    By SIGALRM, in the main thread only: elsewhere the output limit alone holds."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or not hasattr(
            signal, "setitimer"):
        yield
        return

    def expired(_signum: int, _frame: object) -> None:
        raise TemplateLimit(f"模板渲染超过 {seconds:g} 秒的上限")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def render_markdown(context: ReportContext, templates: str | None = None) -> str:
    return render(context, "md", templates)
