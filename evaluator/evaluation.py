"""The pipeline: load → read → parse → join → weigh → score → review → total.

Each stage is a function over immutable records that returns its diagnostics beside its result;
``evaluate_files`` wires them and collects every problem of the run.
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any, Iterator, NamedTuple

from .actuals import (Actual, Actuals, ProjectActuals, read_actuals_header,
                      read_project_actuals)
from .diagnostics import Diagnostic, Position, error, sort_key, warning
from .expression import Comparison, Expression, FreeText, Tier
from .goals import (Goals, Indicator, Project, ProjectRows, read_goals_header, read_project,
                    readable_indicators, written_keys)
from .parser import ExpressionError
from .rules import DEFAULT_RULES, RuleSet, TierBand, load_rules
from .schema import CENT, shorten
from .scoring import (NIL, Finding, Outcome, Scorer, compile_target, round_half_up,
                      score_budget)
from .inputs import Inputs, LoadedDocument, unit_inputs
from .internals import loaded_data_settled, loading_data
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
            close = difflib.get_close_matches(level1, known, n=1, cutoff=0.5)
            problems.append(error(
                "goals.unknown_level1", f"一级指标“{level1}”不属于规则集的任何指标类别，不计分",
                project.document.position(project.where + ("indicators", level1), key=True),
                length=len(level1),
                hint=f"是否为“{close[0]}”？" if close else f"可用的一级指标：{'、'.join(known)}"))
    return problems


# ---- join ---------------------------------------------------------------------------------

def indicator_keys(indicators: tuple[Indicator, ...]
                   ) -> tuple[dict[str, int], dict[str, list[str]], list[str]]:
    """How actuals.yaml may name each indicator: its level-3 name, or "二级/三级" where the name
    repeats, or "一级/二级/三级" where that repeats too (the same 二级 in two 一级). Gives every
    accepted key's row, the fuller keys to write instead of each ambiguous one, and each row's
    shortest key (the one scaffold writes)."""
    forms = [written_keys(i.level1, i.level2, i.name) for i in indicators]
    names = Counter(name for name, _pair, _triple in forms)
    pairs = Counter(pair for _name, pair, _triple in forms)
    ambiguous: dict[str, list[str]] = {}
    shortest: list[str] = []
    for name, pair, triple in forms:
        fuller = pair if pairs[pair] == 1 else triple
        if names[name] == 1:
            shortest.append(name)
        else:
            ambiguous.setdefault(name, []).append(fuller)
            shortest.append(fuller)
        if pairs[pair] > 1:
            ambiguous.setdefault(pair, []).append(triple)
    accepted: dict[str, int] = {}
    for row, keys in enumerate(forms):
        for key in keys:
            if key not in ambiguous:
                accepted.setdefault(key, row)
    return accepted, ambiguous, shortest


def join_indicators(project: Project | ProjectRows, actuals: ProjectActuals, *,
                    scored: bool = True) -> tuple[dict[int, Actual], list[Diagnostic]]:
    """Match each actual to its indicator by level-3 name, or "二级/三级" where a name repeats
    (``indicator_keys``)."""
    indicators = project.indicators
    names = [i.name for i in indicators]
    by_name = dict(zip(names, range(len(names))))
    # nearly every project: its names are its keys; the fuller forms only when one is asked for
    keys: tuple[dict[str, int], dict[str, list[str]], list[str]] | None = None
    if len(by_name) < len(names):
        keys = indicator_keys(indicators)
    matched: dict[int, Actual] = {}
    problems: list[Diagnostic] = []
    for actual in actuals.indicators:
        key = actual.key
        index = by_name.get(key) if keys is None else keys[0].get(key)
        if index is None:
            if keys is None:
                keys = indicator_keys(indicators)
            accepted, ambiguous, _shortest = keys
            index = accepted.get(key)
        if index is None:
            if key in ambiguous:
                options = ambiguous[key]
                fuller = {"一级/二级/三级" if option.count("/") - key.count("/") > 1
                          or key.count("/") else "二级/三级" for option in options}
                form = "”或“".join(sorted(fuller, key=len))
                level = "三级指标" if key in by_name else "指标"
                problems.append(error("actuals.ambiguous_indicator",
                                      f"{level}“{key}”在项目“{project.name}”中出现多次",
                                      actual.position, length=len(key),
                                      hint=f"请写成“{form}”：{'、'.join(options)}"))
                continue
            if key in project.unreadable:  # in goals.yaml, but in error there: said there
                continue
            close = difflib.get_close_matches(key, list(by_name), n=1, cutoff=0.4)
            problems.append(error("actuals.unknown_indicator",
                                  f"项目“{project.name}”的申报表中没有指标“{key}”",
                                  actual.position, length=len(key),
                                  hint=f"是否为“{close[0]}”？" if close
                                  else "请按申报表中的三级指标名称填写"))
            continue
        if index in matched:
            problems.append(error("actuals.duplicate_indicator", f"指标“{key}”填写了两次",
                                  actual.position, length=len(key)))
            continue
        matched[index] = actual
    if len(matched) < len(indicators):
        shortest = keys[2] if keys is not None else names
        for index, indicator in enumerate(indicators):
            if index in matched or not actuals.unreadable.isdisjoint(
                    written_keys(indicator.level1, indicator.level2, indicator.name)):
                continue  # an entry written but in error: that error is the report
            key = shortest[index]  # a repeated name told apart as it is to be written
            problems.append(error("actuals.missing_indicator",  # 0 points, if it is scored
                                  f"指标“{key}”没有填写实际完成值" + ("，按 0 分计" if scored else ""),
                                  actuals.position, length=len(actuals.name),
                                  hint=f"请在 indicators 下补写“{key}: 完成值”"))
    return matched, problems


def join_projects(goals: Goals, actuals: Actuals) -> tuple[dict[int, str], list[Diagnostic]]:
    """Goals project index → its key in actuals.yaml; unknown and missing projects."""
    problems: list[Diagnostic] = []
    if actuals.year is not None and not goals.checking_only and actuals.year != goals.year:
        problems.append(error("actuals.year_mismatch",
                              f"完成值文件的年度 {actuals.year} 与申报表的年度 {goals.year} 不一致",
                              actuals.year_position, length=len(str(actuals.year))))
    declared = {name for name in goals.names if name is not None}
    found = set(actuals.names)
    for name in actuals.names:
        if name not in declared:
            close = difflib.get_close_matches(name, list(declared), n=1, cutoff=0.4)
            problems.append(error("actuals.unknown_project",
                                  f"申报表中没有项目“{name}”",
                                  actuals.document.position(("projects", name), key=True),
                                  length=len(name),
                                  hint=f"是否为“{close[0]}”？" if close else "项目名称须与申报表一致"))
    pairs: dict[int, str] = {}
    taken: set[str] = set()
    for index, name in enumerate(goals.names):
        if name is None or name in taken:  # unreadable or repeated: reported by the goals reader
            continue
        taken.add(name)
        if name not in found:
            problems.append(error("actuals.missing_project",
                                  f"项目“{name}”没有填写完成情况，无法评分",
                                  goals.document.position(("projects", index, "name")),
                                  length=len(name),
                                  hint=f"请在 {Path(actuals.path).name} 的 projects 下补写“{name}:”"))
            continue
        pairs[index] = name
    return pairs, problems


# ---- score and review ---------------------------------------------------------------------

class Scorers:
    """The compiled targets of a run, by target text and direction."""

    def __init__(self, rules: RuleSet, year: int):
        self.rules, self.year = rules, year
        self._compiled: dict[tuple[str, str | None], Scorer] = {}

    def of(self, text: str, direction: str | None, target: Expression) -> Scorer:
        key = (text, direction)
        scorer = self._compiled.get(key)
        if scorer is None:
            scorer = compile_target(target, self.rules, year=self.year, direction=direction)
            if len(self._compiled) < 200_000:
                self._compiled[key] = scorer
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


def admissible(self_score: Decimal, weight: Decimal, tier: Tier | None, rules: RuleSet) -> bool:
    """A unit's own score may be adopted: not above the weight, and within its tier's band."""
    if self_score > weight:
        return False
    if tier is None or weight <= 0:
        return True
    return rules.qualitative.band(tier).contains(self_score * 100 / weight)


def _scores_within(band: TierBand, weight: Decimal) -> tuple[Decimal, Decimal]:
    """The lowest and the highest score, to the cent, whose rate of ``weight`` is in the band:
    rounded inwards (of 3.37, 60% is 2.022: 2.02 would be 59.94%, so 2.03)."""
    low, high = weight * band.low / 100, weight * band.high / 100
    lowest = low.quantize(CENT, rounding=ROUND_CEILING)
    highest = high.quantize(CENT, rounding=ROUND_FLOOR)
    if not band.top and highest == high:  # the upper bound itself is the next band's
        highest -= CENT
    return lowest, highest


def review_row(result: IndicatorResult, rules: RuleSet, *, in_error: bool = False
               ) -> list[Diagnostic]:
    """The checks of DESIGN §4.5–4.6 on one row. A row in error (its actual could not be
    scored) is reviewed for its own score only: that error is its reason for the lost points,
    and the unit's score, adopted all the same, is not to pass unremarked."""
    actual = result.actual
    if actual is None:
        return []
    problems: list[Diagnostic] = []
    spec = actual.spec
    name = result.indicator.name
    if result.self_score is not None:
        at = lambda: actual.field_position("score")  # noqa: E731 - found only when needed
        if result.self_score > result.weight:
            problems.append(error("review.score_above_weight",
                                  f"“{name}”的自评得分 {result.self_score} 超过分值 {result.weight}，"
                                  f"按规则得分 {result.rule_score} 计", at(),
                                  length=actual.field_length("score")))
        elif result.tier is not None and result.weight > 0:
            band = rules.qualitative.band(result.tier)
            rate = result.self_score * 100 / result.weight
            top = band.top
            if not band.contains(rate):
                lowest, highest = _scores_within(band, result.weight)
                problems.append(error(
                    "review.score_outside_band",
                    f"“{name}”为“{result.tier.value}”，自评得分率 {round_half_up(rate)}% 不在该档 "
                    f"[{band.low}%, {band.high}%{']' if top else ')'} 之内，按规则得分 {result.rule_score} 计",
                    at(), length=actual.field_length("score"),
                    hint=f"该档得分应在 {lowest} 到 {highest} 之间" if lowest <= highest
                    else "该档在这一分值下没有可填的得分（精确到 0.01），请按规则得分填写"))
        difference = result.self_score - result.rule_score
        if abs(difference) > rules.review.tolerance:
            how = "宽松" if difference > 0 else "严格"
            problems.append(warning(
                "review.score_differs",
                f"“{name}”自评得分 {result.self_score} 与规则得分 {result.rule_score} 相差 "
                f"{abs(difference)}，比规则{how}", at(), length=actual.field_length("score")))
    if in_error:
        return problems
    if result.score < result.weight and not spec.reason:
        problems.append(warning("review.missing_reason",
                                f"“{name}”扣分 {result.weight - result.score}，但没有填写偏差原因",
                                actual.position, length=len(actual.key),
                                hint="请填写 reason（偏差原因分析）和 measures（改进措施）"))
    elif "overachieved" in result.flags and not spec.reason:
        problems.append(warning("review.overachievement_unexplained",
                                f"“{name}”超额完成较多，但没有说明原因", actual.position,
                                length=len(actual.key),
                                hint="请在 reason 中说明超额原因，以及指标值设定是否偏低"))
    return problems


def score_project(project: Project, project_actuals: ProjectActuals, rules: RuleSet,
                  lexicon: Lexicon, year: int, scores: dict[tuple, Outcome] | None = None,
                  allocations: dict[tuple, Allocation] | None = None,
                  scorers: "Scorers | None" = None) -> tuple[ProjectResult, list[Diagnostic]]:
    """Score one project. ``scores`` memoizes outcomes by (target, actual, weight, direction),
    ``allocations`` the 分值 of a project's shape and ``scorers`` the compiled targets: a unit
    repeats all three, and within a run they depend on nothing else."""
    scorer_of = (scorers or Scorers(rules, year)).of
    scores = {} if scores is None else scores
    allocations = {} if allocations is None else allocations
    problems: list[Diagnostic] = []
    matched, join_problems = join_indicators(project, project_actuals)
    problems += join_problems
    indicators = project.indicators
    # the allocation is remembered by the project's shape: plain tuples, Row records only
    # when it has to be worked out
    explicit = tuple([matched[n].spec.weight if n in matched else None
                      for n in range(len(indicators))])
    shape = (project.shape, explicit)
    allocation = allocations.get(shape)
    if allocation is None:
        allocation = allocate([Row(i.level1, i.level2, weight)
                               for i, weight in zip(indicators, explicit)], rules)
        if len(allocations) < 100_000:
            allocations[shape] = allocation
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
    results: list[IndicatorResult] = []
    append = results.append
    read, known = lexicon.read, lexicon.known
    weights = allocation.rows
    # The hot loop of a province: parse (cached by text), score (memoized, through targets
    # compiled once), and only build diagnostics, positions and reviews for the rows that
    # need them.
    for index, indicator in enumerate(indicators):
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
            result = IndicatorResult(indicator, actual, target, value, weight,
                                     Outcome(NIL, "指标值或完成值无法识别：0.00"), self_score,
                                     self_score is not None and self_score > weight)
            append(result)
            if self_score is not None:  # the unit's own score is still reviewed (§4.6)
                problems += review_row(result, rules, in_error=True)
            continue
        key = (target_text, spec.actual, weight, indicator.direction)
        outcome = scores.get(key)
        if outcome is None:
            outcome = scorer_of(target_text, indicator.direction, target)(value, weight)
            if len(scores) < 500_000:
                scores[key] = outcome
        rejected = self_score is not None and not admissible(self_score, weight, outcome.tier,
                                                             rules)
        result = new_record(IndicatorResult, (indicator, actual, target, value, weight, outcome,
                                              self_score, rejected))
        append(result)
        if outcome.findings:
            problems += [_finding_diagnostic(f, indicator, actual, project_actuals)
                         for f in outcome.findings]
            if any(f.severity == "error" for f in outcome.findings):
                if self_score is not None:  # not again as a missing reason; its score, yes
                    problems += review_row(result, rules, in_error=True)
                continue
        if self_score is not None or (not spec.reason and (
                outcome.flags or outcome.score < weight)):
            problems += review_row(result, rules)
    budget, budget_problems = score_budget_row(project, project_actuals, rules)
    problems += budget_problems
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
    result = ProjectResult(project, project_actuals, budget, tuple(results), tuple(categories),
                           adopted_sum, rule_sum, weight_sum)
    problems += review_project(result, rules)
    return result, problems


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
        score_at = project_actuals.field_position("budget", "score")
        score_length = project_actuals.field_length("budget", "score")
        if stated > weight:
            rejected = True
            problems.append(error("review.budget_score_above_weight",
                                  f"预算执行率自评得分 {stated} 超过分值 {weight}，按规则得分 {outcome.score} 计",
                                  score_at, length=score_length))
        elif abs(stated - outcome.score) > rules.review.tolerance:  # adopted, as a row's is
            how = "宽松" if stated > outcome.score else "严格"  # (units write whole points)
            problems.append(warning("review.budget_score_mismatch",
                                    f"预算执行率自评得分 {stated} 与按执行率计算的 {outcome.score} 相差 "
                                    f"{abs(stated - outcome.score)}，比规则{how}",
                                    score_at, length=score_length, hint=outcome.trace))
    result = BudgetResult(spec.initial if spec.initial is not None else project.funds.total,
                          spec.adjusted, spec.executed, rate, weight, outcome.score, stated,
                          outcome.trace, outcome.flags, rejected)
    return result, problems


def review_project(result: ProjectResult, rules: RuleSet) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    stated = result.self_total
    if stated is not None and stated != result.total:
        problems.append(error("review.total_mismatch",
                              f"项目“{result.project.name}”填写的总分 {stated} 与各行得分合计 {result.total} 不符",
                              result.actuals.field_position("total"),
                              length=result.actuals.field_length("total"),
                              hint="总分应为预算执行率得分与各指标得分之和"))
    weights = result.indicator_weight
    rate = result.budget.rate
    if weights > 0 and rate is not None:
        achievement = result.indicator_total * 100 / weights
        gap = achievement - min(rate, Decimal(1)) * 100
        if gap > rules.review.achievement_gap:
            problems.append(warning(
                "review.achievement_gap",
                f"项目“{result.project.name}”指标得分率 {round_half_up(achievement)}% 高出预算执行率 "
                f"{round_half_up(rate * 100)}% 达 {round_half_up(gap)} 个百分点",
                result.actuals.field_position("budget", "executed"),
                length=len(format(result.budget.executed, "f")),
                hint="请在实际完成情况中说明资金结余的原因"))
    return problems


# ---- the whole run ------------------------------------------------------------------------

class RulesProblem(Exception):
    """A rule set that cannot be used: exit 2, with its diagnostics."""

    def __init__(self, diagnostics: list[Diagnostic], sources: dict[str, Any]):
        super().__init__("rule set error")
        self.diagnostics, self.sources = diagnostics, sources


def load_rule_set(reference: str = DEFAULT_RULES) -> tuple[RuleSet, Lexicon]:
    loaded, problems = load_rules(reference)
    if loaded.rules is None or problems:
        raise RulesProblem(problems, {d.path: d for d in loaded.documents})
    return loaded.rules, Lexicon(loaded.rules.vocabulary)


@dataclass
class Run:
    """The inputs of one run, with their headers read and their projects joined. Projects are
    read, scored and let go one at a time as ``results`` is iterated, so a province's JSON is
    written without holding it all."""

    rules: RuleSet
    lexicon: Lexicon
    goals: Goals | None
    actuals: Actuals | None
    pairs: dict[int, str]  # goals project index → actuals key
    diagnostics: list[Diagnostic]
    sources: dict[str, Any]
    only: str | None = None  # --project
    scores: dict[tuple, Outcome] = field(default_factory=dict)  # see score_project
    allocations: dict[tuple, Allocation] = field(default_factory=dict)
    scorers: Scorers | None = None  # made with the goals' year, on the first project
    releases_read_data: bool = True  # a project's raw data is let go once it is scored

    @property
    def checking_only(self) -> bool:
        """A header in error in either file: every project is checked, none scored."""
        return bool(self.goals is not None and self.goals.checking_only
                    or self.actuals is not None and self.actuals.checking_only)

    def indexes(self) -> list[int]:
        """The goals projects this run covers, in the 申报表's order."""
        if self.goals is None:
            return []
        return [i for i, name in enumerate(self.goals.names)
                if self.only is None or name == self.only]

    def score_index(self, index: int) -> ProjectResult | None:
        """Read and score goals project ``index`` (None when there is nothing to score), then
        let its raw data go."""
        goals, actuals = self.goals, self.actuals
        assert goals is not None
        project, problems = read_project(goals, index)
        self.diagnostics += problems
        rows: Project | ProjectRows | None = project
        if project is None:  # its header in error: its rows are still told about
            rows, problems = readable_indicators(goals, index)
            self.diagnostics += problems
        if rows is not None:
            self.diagnostics += check_level1(rows, self.rules)
        key = self.pairs.get(index)
        project_actuals = None
        if key is not None and actuals is not None:
            project_actuals, problems = read_project_actuals(actuals, key)
            self.diagnostics += problems
        result = None
        if (project is not None and project_actuals is not None
                and project_actuals.spec is not None and not self.checking_only):
            if self.scorers is None:
                self.scorers = Scorers(self.rules, goals.year)
            result, problems = score_project(project, project_actuals, self.rules,
                                             self.lexicon, goals.year, self.scores,
                                             self.allocations, self.scorers)
            self.diagnostics += problems
        elif rows is not None:  # nothing to score against: still check the targets
            for indicator in rows.indicators:
                self.diagnostics += parse_target(indicator, self.lexicon)[1]
            if project_actuals is not None:  # and the actuals, as far as they go
                self.diagnostics += join_indicators(rows, project_actuals, scored=False)[1]
                for actual in project_actuals.indicators:
                    self.diagnostics += parse_actual(actual, self.lexicon)[1]
        if self.releases_read_data:
            goals.document.data["projects"][index] = None
            if key is not None and actuals is not None:
                actuals.document.data["projects"][key] = None
        return result

    def check_unmatched(self) -> None:
        """Projects goals.yaml lacks have mistakes of their own: report those too."""
        actuals = self.actuals
        if actuals is None or self.only is not None:
            return
        paired = set(self.pairs.values())
        for name in actuals.names:
            if name not in paired and actuals.document.data["projects"].get(name):
                self.diagnostics += read_project_actuals(actuals, name)[1]

    def results(self) -> Iterator[ProjectResult]:
        for index in self.indexes():
            result = self.score_index(index)
            if result is not None:
                yield result
        self.check_unmatched()

    def sorted_diagnostics(self) -> tuple[Diagnostic, ...]:
        return tuple(sorted(set(self.diagnostics), key=sort_key))

    def evaluation(self, projects: tuple[ProjectResult, ...]) -> Evaluation:
        scored = {result.project.where[1] for result in projects}
        names = self.goals.names if self.goals is not None else ()
        unscored = tuple(names[i] or f"第 {i + 1} 个项目" for i in self.indexes()
                         if i not in scored)
        return Evaluation(self.rules, self.goals, projects, self.sorted_diagnostics(),
                          self.sources, unscored)


def prepare(goals_path: str, actuals_path: str | None, rules: RuleSet, lexicon: Lexicon,
            *, project: str | None = None, inputs: Inputs | None = None,
            long_lived: bool = False) -> Run:
    """Load both files (``inputs``: their reading begun already, for the same paths, perhaps
    by a child; see inputs.unit_inputs) and read their headers; join projects by name.
    ``long_lived``: the data loaded is to stay for the rest of the process (a command's run):
    the cyclic collector is kept from walking it (``loading_data``, ``loaded_data_settled``)."""
    diagnostics: list[Diagnostic] = []
    sources: dict[str, LoadedDocument] = {}
    if inputs is None:
        inputs = unit_inputs(goals_path, actuals_path)
    if long_lived:
        loading_data()
    try:
        loaded = inputs.documents()
    finally:
        inputs.close()  # done with already, unless reading ended in an exception
    goals_doc, problems = loaded[0]
    sources[goals_doc.path] = goals_doc
    diagnostics += problems
    goals = None
    if goals_doc.data is not None:
        goals, problems = read_goals_header(goals_doc)
        diagnostics += problems
    actuals = None
    if actuals_path is not None:
        actuals_doc, problems = loaded[1]
        sources[actuals_doc.path] = actuals_doc
        diagnostics += problems
        if actuals_doc.data is not None:
            actuals, problems = read_actuals_header(actuals_doc)
            diagnostics += problems
    pairs: dict[int, str] = {}
    if goals is not None and actuals is not None:
        pairs, problems = join_projects(goals, actuals)
        if project is not None:  # --project: the others' missing entries are not this run's
            problems = [p for p in problems if p.code not in (
                "actuals.missing_project", "actuals.unknown_project")]
        diagnostics += problems
    if long_lived:
        loaded_data_settled()
    return Run(rules, lexicon, goals, actuals, pairs, diagnostics, sources, project)


def evaluate_files(goals_path: str, actuals_path: str | None, rules: RuleSet, lexicon: Lexicon,
                   *, project: str | None = None) -> Evaluation:
    """Run every stage on the two files and keep every result."""
    run = prepare(goals_path, actuals_path, rules, lexicon, project=project)
    return run.evaluation(tuple(run.results()))
