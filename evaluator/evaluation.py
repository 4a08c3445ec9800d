"""One project's evaluation: its rows parsed, weighed and scored, its budget row, its totals;
and the records they give (``ProjectResult``, and ``Evaluation`` for a whole run).

``score_project`` takes a project joined to its actuals (join.py) through named steps: the
分值 (``_weights``), each row's score (``_score_rows``: the hot loop of a province), the budget
row, and the sums by category; the unit's own scores are reviewed on the way (review.py).
run.py wires the projects of a run through it.
"""

from __future__ import annotations

from dataclasses import field
from decimal import Decimal
from typing import Any

from .actuals import Actual, ProjectActuals
from .diagnostics import Diagnostic, Position, error, warning
from .expression import Comparison, Expression, FreeText, Tier
from .goals import Goals, Indicator, Project, ProjectRows
from .join import join_indicators
from .memo import Memo
from .parser import ExpressionError
from .review import admissible, review_budget_score, review_project, review_row, reviewed
from .rules import RuleSet
from .saved_code import NamedTuple, dataclass
from .schema import shorten
from .scoring import (NIL, Finding, Outcome, Scorer, compile_target, round_half_up,
                      score_budget)
from .source import new_record
from .vocabulary import Lexicon
from .weights import Allocation, Row, allocate

ZERO = Decimal(0)


class IndicatorResult(NamedTuple):
    """One scored row (a named tuple: cheap to build a million of)."""

    indicator: Indicator
    actual: Actual | None
    target: Expression | None
    value: Expression | None  # the parsed actual
    weight: Decimal
    outcome: Outcome  # the rule's score, its trace, tier and flags
    self_score: Decimal | None
    self_rejected: bool = False  # the unit's score breaks the rules (above weight, out of band)

    @property
    def rule_score(self) -> Decimal:
        return self.outcome.score

    @property
    def trace(self) -> str:
        return self.outcome.trace

    @property
    def tier(self) -> Tier | None:
        return self.outcome.tier

    @property
    def flags(self) -> tuple[str, ...]:
        return self.outcome.flags

    @property
    def score(self) -> Decimal:
        """The adopted score: the unit's own where given and admissible, else the rule's."""
        if self.self_score is not None and not self.self_rejected:
            return self.self_score
        return self.outcome.score


@dataclass(frozen=True, slots=True)
class BudgetResult:
    """A project's budget execution row: the amounts, its rate and its score."""

    initial: Decimal
    adjusted: Decimal
    executed: Decimal
    rate: Decimal | None
    weight: Decimal
    rule_score: Decimal
    self_score: Decimal | None
    trace: str
    flags: tuple[str, ...]
    self_rejected: bool = False  # the unit's figure is not the arithmetic: the rule's stands

    @property
    def score(self) -> Decimal:
        if self.self_score is not None and not self.self_rejected:
            return self.self_score
        return self.rule_score


@dataclass(frozen=True, slots=True)
class ProjectResult:
    """One project scored: its budget row, its indicators and categories, its totals."""

    project: Project
    actuals: ProjectActuals
    budget: BudgetResult
    indicators: tuple[IndicatorResult, ...]
    categories: tuple[tuple[str, Decimal, Decimal], ...]  # (name, weight, adopted score)
    # the rows' sums, added once (score_project): adopted, by rule, and their weights
    indicator_total: Decimal = ZERO
    indicator_rule_total: Decimal = ZERO
    indicator_weight: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.budget.score + self.indicator_total

    @property
    def rule_total(self) -> Decimal:
        return self.budget.rule_score + self.indicator_rule_total

    @property
    def self_total(self) -> Decimal | None:
        return self.actuals.spec.total

    @property
    def has_self_scores(self) -> bool:
        return self.budget.self_score is not None or any(
            r.self_score is not None for r in self.indicators)


@dataclass(frozen=True)
class Evaluation:
    """A whole run kept: the rule set, the goals, every project scored and every problem."""

    rules: RuleSet | None
    goals: Goals | None
    projects: tuple[ProjectResult, ...]
    diagnostics: tuple[Diagnostic, ...]
    sources: dict[str, Any] = field(default_factory=dict)  # file → its LoadedDocument, for excerpts
    # the projects of the run (all, or --project's) that could not be scored, by name as
    # written (第 N 个项目 when it has none): the reports say so beside their totals
    unscored: tuple[str, ...] = ()

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.is_error)

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if not d.is_error)

    def grade(self, total: Decimal) -> str:
        return self.rules.grade(total) if self.rules else ""


# ---- parse --------------------------------------------------------------------------------

_EMPTY_MESSAGE = {"target": "年度指标值为空", "actual": "实际完成值为空"}


def _expression_diagnostic(problem: ExpressionError, role: str, position: Position,
                           text: str, key: str) -> Diagnostic:
    label = "年度指标值" if role == "target" else "实际完成值"
    if problem.code == "expression.empty":  # nothing written: the position is its key's
        return error(f"{role}.empty", _EMPTY_MESSAGE[role], position,
                     length=len(key) if not text else 1,
                     hint="请填写指标值，如“≥3.00(次)”或“按时完成”" if role == "target"
                     else "请填写实际完成值，如“3.5次”“98%”“达成”")
    return error(f"{role}.{problem.code.split('.', 1)[1]}",
                 f"{label}“{shorten(text)}”无法识别：{problem.message}", position,
                 length=problem.length, hint=problem.hint or None)


def parse_target(indicator: Indicator, lexicon: Lexicon
                 ) -> tuple[Expression | None, list[Diagnostic]]:
    parsed = lexicon.read(indicator.target)
    if isinstance(parsed, ExpressionError):
        return None, [_expression_diagnostic(parsed, "target",
                                             indicator.target_position(parsed.offset),
                                             indicator.target, indicator.name)]
    problems = []
    if isinstance(parsed, Comparison) and parsed.implied:
        problems.append(warning(
            "target.implied_operator", f"指标值“{shorten(indicator.target)}”没有比较符号，按“≥”理解",
            indicator.target_position(), length=len(indicator.target),
            hint=f"请写明，如“≥{shorten(indicator.target)}”"))
    if isinstance(parsed, FreeText) and parsed.unknown and parsed.unknown != parsed.text:
        problems.append(warning(
            "target.unknown_word", f"指标值中的“{parsed.unknown}”不是词表中的词，按普通文字处理",
            indicator.target_position(), length=len(indicator.target),
            hint=f"是否为“{'”“'.join(parsed.suggestions)}”？" if parsed.suggestions else None))
    return parsed, problems


def parse_actual(actual: Actual, lexicon: Lexicon) -> tuple[Expression | None, list[Diagnostic]]:
    text = actual.spec.actual
    parsed = lexicon.read(text)
    if isinstance(parsed, ExpressionError):
        return None, [_expression_diagnostic(parsed, "actual", actual.actual_position(parsed.offset),
                                             text, actual.key)]
    return parsed, []


def check_level1(project: Project | ProjectRows, rules: RuleSet) -> list[Diagnostic]:
    """Every 一级指标 must belong to one of the rule set's categories; reported once, where the
    申报表 names it."""
    known = [n for c in rules.weights.categories for n in c.level1_names()]
    problems = []
    for level1 in dict.fromkeys(i.level1 for i in project.indicators):
        if rules.category_of(level1) is None:
            import difflib  # a mistake's only: a clean run does without

            close = difflib.get_close_matches(level1, known, n=1, cutoff=0.5)
            problems.append(error(
                "goals.unknown_level1", f"一级指标“{level1}”不属于规则集的任何指标类别，不计分",
                project.document.position(project.where + ("indicators", level1), key=True),
                length=len(level1),
                hint=f"是否为“{close[0]}”？" if close else f"可用的一级指标：{'、'.join(known)}"))
    return problems


# ---- score ------------------------------------------------------------------------------


class Scorers:
    """The compiled targets of a run, by target text and direction (kept in the run's memo)."""

    def __init__(self, rules: RuleSet, year: int, memo: Memo | None = None):
        self.rules, self.year = rules, year
        self.memo = Memo() if memo is None else memo
        self._compiled: dict[tuple[str, str | None], Scorer] = self.memo.compiled

    def of(self, text: str, direction: str | None, target: Expression) -> Scorer:
        key = (text, direction)
        scorer = self._compiled.get(key)
        if scorer is None:
            scorer = self._compiled[key] = compile_target(
                target, self.rules, year=self.year, direction=direction, memo=self.memo)
        return scorer


def _finding_diagnostic(finding: Finding, indicator: Indicator, actual: Actual | None,
                        project_actuals: ProjectActuals) -> Diagnostic:
    if finding.about == "target" or actual is None:
        position, length = indicator.target_position(), len(indicator.target)
    elif finding.about == "budget":
        position = project_actuals.field_position("budget", "adjusted")
        length = project_actuals.field_length("budget", "adjusted")
    else:
        position, length = actual.actual_position(), len(actual.spec.actual)
    make = error if finding.severity == "error" else warning
    return make(finding.code, finding.message, position, length=length, hint=finding.hint or None)


def score_project(project: Project, project_actuals: ProjectActuals, rules: RuleSet,
                  lexicon: Lexicon, year: int, scorers: Scorers | None = None
                  ) -> tuple[ProjectResult, list[Diagnostic]]:
    """Score one project: join its rows to their actuals, give each its 分值, score the rows
    and the budget row, add them up by category, review the totals. ``scorers`` compiles the
    targets and carries the run's memo (memo.py): outcomes by (target, actual, weight,
    direction), the 分值 of each project shape; a unit repeats all of them, and within a run
    they depend on nothing else."""
    if scorers is None:
        scorers = Scorers(rules, year)
    memo = scorers.memo
    problems: list[Diagnostic] = []
    matched, join_problems = join_indicators(project, project_actuals)
    problems += join_problems
    allocation = _weights(project, matched, rules, memo.allocations)
    if allocation.issues:
        problems += _weight_problems(allocation, project, project_actuals, matched)
    results = _score_rows(project, project_actuals, matched, allocation.rows, rules, lexicon,
                          memo.scores, scorers.of, problems, memo.reviews)
    budget, budget_problems = score_budget_row(project, project_actuals, rules)
    problems += budget_problems
    result = _totalled(project, project_actuals, budget, results, allocation, rules)
    problems += review_project(result, rules)
    return result, problems


def _weights(project: Project, matched: dict[int, Actual], rules: RuleSet,
             allocations: dict[tuple, Allocation]) -> Allocation:
    """Each row's 分值: as written in actuals.yaml, the rest shared out (weights.py). The
    allocation is remembered by the project's shape: plain tuples, Row records only when it
    has to be worked out."""
    indicators = project.indicators
    explicit = tuple([matched[n].spec.weight if n in matched else None
                      for n in range(len(indicators))])
    shape = (project.shape, explicit)
    allocation = allocations.get(shape)
    if allocation is None:
        allocation = allocations[shape] = allocate([Row(i.level1, i.level2, weight)
                                                    for i, weight in zip(indicators, explicit)],
                                                   rules)
    return allocation


def _weight_problems(allocation: Allocation, project: Project, project_actuals: ProjectActuals,
                     matched: dict[int, Actual]) -> list[Diagnostic]:
    """What the allocation found (分值 that do not add up …), at the 分值 written, else at the
    row in goals.yaml, else at the project in actuals.yaml."""
    problems = []
    indicators = project.indicators
    for issue in allocation.issues:
        if issue.row is not None and issue.row in matched:
            actual = matched[issue.row]
            at, length = actual.field_position("weight"), actual.field_length("weight")
        elif issue.row is not None:
            at, length = indicators[issue.row].position, len(indicators[issue.row].name)
        else:
            at, length = project_actuals.position, len(project_actuals.name)
        make = error if issue.severity == "error" else warning
        problems.append(make(issue.code, f"项目“{project.name}”：{issue.message}", at,
                             length=length))
    return problems


def _score_rows(project: Project, project_actuals: ProjectActuals, matched: dict[int, Actual],
                weights: tuple[Decimal, ...], rules: RuleSet, lexicon: Lexicon,
                scores: dict[tuple, Outcome], scorer_of: Any, problems: list[Diagnostic],
                reviews: dict[tuple, tuple] | None = None) -> list[IndicatorResult]:
    """Every row scored, its problems added to ``problems``. The hot loop of a province: parse
    (cached by text), score (memoized, through targets compiled once), and only build
    diagnostics, positions and reviews for the rows that need them (a call a row costs a
    tenth of a row's time: the common path stays inline). ``reviews``: the findings of the
    rows reviewed, remembered (review.reviewed)."""
    if reviews is None:
        reviews = {}
    results: list[IndicatorResult] = []
    append = results.append
    read, known = lexicon.read, lexicon.known
    for index, indicator in enumerate(project.indicators):
        weight = weights[index]
        target_text = indicator.target
        target = known(target_text) or read(target_text)
        kind = type(target)
        if kind is ExpressionError or (kind is Comparison and target.implied) or (  # type: ignore[union-attr]
                kind is FreeText and target.unknown):  # type: ignore[union-attr]
            target, target_problems = parse_target(indicator, lexicon)
            problems += target_problems
        actual = matched.get(index)
        if actual is None:
            append(IndicatorResult(indicator, None, target, None, weight,
                                   Outcome(NIL, "没有实际完成值：0.00"), None))
            continue
        spec = actual.spec
        value = known(spec.actual) or read(spec.actual)
        if type(value) is ExpressionError:
            value, actual_problems = parse_actual(actual, lexicon)
            problems += actual_problems
        self_score = spec.score
        if self_score is not None:  # a score, like every other, to 0.01 half-up
            self_score = round_half_up(self_score)
        if target is None or value is None:
            append(_unscorable_row(indicator, actual, target, value, weight, self_score, rules,
                                   problems))
            continue
        key = (target_text, spec.actual, weight, indicator.direction)
        outcome = scores.get(key)
        if outcome is None:
            outcome = scores[key] = scorer_of(target_text, indicator.direction, target)(value,
                                                                                        weight)
        rejected = self_score is not None and not admissible(self_score, weight, outcome.tier,
                                                             rules)
        result = new_record(IndicatorResult, (indicator, actual, target, value, weight, outcome,
                                              self_score, rejected))
        append(result)
        if outcome.findings:
            if _findings_in_error(result, project_actuals, rules, problems, reviews):
                continue
        if self_score is not None or (not spec.reason and (
                outcome.flags or outcome.score < weight)):
            problems += reviewed(result, rules, reviews)
    return results


def _unscorable_row(indicator: Indicator, actual: Actual, target: Expression | None,
                    value: Expression | None, weight: Decimal, self_score: Decimal | None,
                    rules: RuleSet, problems: list[Diagnostic]) -> IndicatorResult:
    """A row whose target or actual could not be read (said already): 0 by rule; the unit's
    own score is still reviewed (§4.6)."""
    result = IndicatorResult(indicator, actual, target, value, weight,
                             Outcome(NIL, "指标值或完成值无法识别：0.00"), self_score,
                             self_score is not None and self_score > weight)
    if self_score is not None:
        problems += review_row(result, rules, in_error=True)
    return result


def _findings_in_error(result: IndicatorResult, project_actuals: ProjectActuals,
                       rules: RuleSet, problems: list[Diagnostic], reviews: dict[tuple, tuple]
                       ) -> bool:
    """The scorer's findings on a row, as diagnostics; True when one is an error (the row is
    then reviewed for its own score only: not again as a missing reason)."""
    findings = result.outcome.findings
    problems += [_finding_diagnostic(f, result.indicator, result.actual, project_actuals)
                 for f in findings]
    if not any(f.severity == "error" for f in findings):
        return False
    if result.self_score is not None:
        problems += reviewed(result, rules, reviews, in_error=True)
    return True


def _totalled(project: Project, project_actuals: ProjectActuals, budget: BudgetResult,
              results: list[IndicatorResult], allocation: Allocation, rules: RuleSet
              ) -> ProjectResult:
    """The project's result: the rows' sums (adopted, by rule, their weights), added once,
    and the adopted score of each category of the rule set."""
    by_level1: dict[str, Decimal] = {}
    adopted_sum = rule_sum = weight_sum = ZERO
    for indicator, _actual, _target, _value, weight, outcome, own, rejected in results:
        adopted = own if own is not None and not rejected else outcome.score  # row.score
        level1 = indicator.level1
        by_level1[level1] = by_level1.get(level1, ZERO) + adopted
        adopted_sum += adopted
        rule_sum += outcome.score
        weight_sum += weight
    categories = []
    level1s = {c.name: c.level1_names() for c in rules.weights.categories}
    for name, category_weight in allocation.categories:
        scored = ZERO
        for level1 in level1s[name]:
            scored += by_level1.get(level1, ZERO)
        categories.append((name, category_weight, scored))
    return ProjectResult(project, project_actuals, budget, tuple(results), tuple(categories),
                         adopted_sum, rule_sum, weight_sum)


_FIGURES = (("adjusted", "全年预算数"), ("executed", "全年执行数"))


def _source_sums(project: Project, project_actuals: ProjectActuals) -> list[Diagnostic]:
    """Where all three sources give a figure, they add up to the total's: a warning if not
    (the total is what is scored; the split is only shown)."""
    spec = project_actuals.spec.budget
    if len(spec.sources) < 3:
        return []
    problems = []
    for name, label in _FIGURES:
        figures = [getattr(source, name) for source in spec.sources]
        if None in figures:
            continue
        parts, total = sum(figures, Decimal(0)), getattr(spec, name)
        if parts != total:
            problems.append(warning(
                "budget.sources_sum",
                f"项目“{project.name}”当年财政拨款、上年结转资金、其他资金的{label}合计 {parts}，"
                f"与{label} {total} 不等",
                project_actuals.field_position("budget", name),
                length=project_actuals.field_length("budget", name),
                hint=f"请核对各来源的{label}，或{label}本身"))
    return problems


def score_budget_row(project: Project, project_actuals: ProjectActuals, rules: RuleSet
                     ) -> tuple[BudgetResult, list[Diagnostic]]:
    spec = project_actuals.spec.budget
    weight = rules.budget.weight
    rate, outcome = score_budget(spec.adjusted, spec.executed, weight)
    problems: list[Diagnostic] = []
    if "over_budget" in outcome.flags and rules.budget.overrun_flag:
        problems.append(warning("budget.over_executed",
                                f"项目“{project.name}”全年执行数 {spec.executed} 超过全年预算数 {spec.adjusted}",
                                project_actuals.field_position("budget", "executed"),
                                length=len(format(spec.executed, "f")),
                                hint="请核对执行数，或说明超预算支出的依据"))
    problems += _source_sums(project, project_actuals)
    for finding in outcome.findings:
        make = error if finding.severity == "error" else warning
        problems.append(make(finding.code, f"项目“{project.name}”：{finding.message}",
                             project_actuals.field_position("budget", "adjusted"),
                             length=project_actuals.field_length("budget", "adjusted"),
                             hint=finding.hint or None))
    if weight == 0:
        outcome = Outcome(ZERO, "本规则集不设预算执行率分值")
    stated = round_half_up(spec.score) if spec.score is not None else None
    rejected = False
    if stated is not None:
        rejected, review_problems = review_budget_score(stated, weight, outcome, project_actuals,
                                                        rules)
        problems += review_problems
    result = BudgetResult(spec.initial if spec.initial is not None else project.funds.total,
                          spec.adjusted, spec.executed, rate, weight, outcome.score, stated,
                          outcome.trace, outcome.flags, rejected)
    return result, problems
