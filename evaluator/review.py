"""The review of the unit's own scores (DESIGN §4.5–4.6): a row's, the budget row's and the
project's 总分, against the rules.

Where actuals.yaml gives the unit's own ``score``, it is adopted if admissible (not above the
weight, within its tier's band) and the rule score kept beside it; the findings say where the
unit is more generous or stricter than the rules, where points were lost without a reason, and
where a stated 总分 is not what the adopted rows add up to.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING

from .diagnostics import Diagnostic, error, warning
from .expression import Tier
from .rules import RuleSet, TierBand
from .schema import CENT
from .scoring import Outcome, round_half_up

if TYPE_CHECKING:
    from .actuals import ProjectActuals
    from .evaluation import IndicatorResult, ProjectResult


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


# What the review says of a row, but where: (how it is made: error or warning, its code, its
# message after the row's name, its hint, whether it points at the unit's score rather than
# the row's key). A function of the row's weight, its own score and whether it is rejected,
# its outcome, whether a reason is given and whether the row is in error: a messy province's
# 90 000 reviewed rows have some 22 000 of them (``reviewed`` remembers them).
RowFinding = tuple


def row_findings(result: IndicatorResult, rules: RuleSet, in_error: bool = False
                 ) -> tuple[RowFinding, ...]:
    """The checks of DESIGN §4.5–4.6 on one row (see ``review_row``), not yet placed."""
    problems: list[RowFinding] = []
    own, weight, rule_score = result.self_score, result.weight, result.rule_score
    if own is not None:
        if own > weight:
            problems.append((error, "review.score_above_weight",
                             f"的自评得分 {own} 超过分值 {weight}，按规则得分 {rule_score} 计", None,
                             True))
        elif result.tier is not None and weight > 0:
            band = rules.qualitative.band(result.tier)
            rate = own * 100 / weight
            top = band.top
            if not band.contains(rate):
                lowest, highest = _scores_within(band, weight)
                problems.append((
                    error, "review.score_outside_band",
                    f"为“{result.tier.value}”，自评得分率 {round_half_up(rate)}% 不在该档 "
                    f"[{band.low}%, {band.high}%{']' if top else ')'} 之内，按规则得分 {rule_score} 计",
                    f"该档得分应在 {lowest} 到 {highest} 之间" if lowest <= highest
                    else "该档在这一分值下没有可填的得分（精确到 0.01），请按规则得分填写", True))
        difference = own - rule_score
        if abs(difference) > rules.review.tolerance:
            how = "宽松" if difference > 0 else "严格"
            problems.append((warning, "review.score_differs",
                             f"自评得分 {own} 与规则得分 {rule_score} 相差 {abs(difference)}，"
                             f"比规则{how}", None, True))
    if in_error:
        return tuple(problems)
    reason = result.actual.spec.reason if result.actual is not None else None
    if result.score < weight and not reason:
        problems.append((warning, "review.missing_reason",
                         f"扣分 {weight - result.score}，但没有填写偏差原因",
                         "请填写 reason（偏差原因分析）和 measures（改进措施）", False))
    elif "overachieved" in result.flags and not reason:
        problems.append((warning, "review.overachievement_unexplained", "超额完成较多，但没有说明原因",
                         "请在 reason 中说明超额原因，以及指标值设定是否偏低", False))
    return tuple(problems)


def review_row(result: IndicatorResult, rules: RuleSet, *, in_error: bool = False,
               findings: tuple[RowFinding, ...] | None = None) -> list[Diagnostic]:
    """The checks of DESIGN §4.5–4.6 on one row. A row in error (its actual could not be
    scored) is reviewed for its own score only: that error is its reason for the lost points,
    and the unit's score, adopted all the same, is not to pass unremarked. ``findings``: the
    row's, found already (``row_findings``)."""
    actual = result.actual
    if actual is None:
        return []
    if findings is None:
        findings = row_findings(result, rules, in_error)
    if not findings:
        return []
    name = result.indicator.name
    problems = []
    for make, code, message, hint, at_score in findings:
        if at_score:
            at, length = actual.field_position("score"), actual.field_length("score")
        else:
            at, length = actual.position, len(actual.key)
        problems.append(make(code, f"“{name}”{message}", at, length=length, hint=hint))
    return problems


def reviewed(result: IndicatorResult, rules: RuleSet, known: dict[tuple, tuple[RowFinding, ...]],
             in_error: bool = False) -> list[Diagnostic]:
    """``review_row``, its findings remembered in ``known`` (the run's memo) by what they
    depend on."""
    actual = result.actual
    key = (result.weight, result.self_score, result.self_rejected, result.outcome,
           not (actual is not None and actual.spec.reason), in_error)
    findings = known.get(key)
    if findings is None:
        findings = known[key] = row_findings(result, rules, in_error)
    return review_row(result, rules, in_error=in_error, findings=findings)


def review_budget_score(stated: Decimal, weight: Decimal, outcome: Outcome,
                        project_actuals: ProjectActuals, rules: RuleSet
                        ) -> tuple[bool, list[Diagnostic]]:
    """The unit's own budget-row score, reviewed like a row's: above the weight it is rejected
    (the rule score stands, an error); otherwise adopted, and a difference from W × rate is a
    warning saying stricter or more generous (units often write whole points: 9 for 99.1%).
    Gives whether it is rejected, and the findings."""
    score_at = project_actuals.field_position("budget", "score")
    score_length = project_actuals.field_length("budget", "score")
    if stated > weight:
        return True, [error("review.budget_score_above_weight",
                            f"预算执行率自评得分 {stated} 超过分值 {weight}，按规则得分 {outcome.score} 计",
                            score_at, length=score_length)]
    if abs(stated - outcome.score) > rules.review.tolerance:  # adopted, as a row's is
        how = "宽松" if stated > outcome.score else "严格"  # (units write whole points)
        return False, [warning("review.budget_score_mismatch",
                               f"预算执行率自评得分 {stated} 与按执行率计算的 {outcome.score} 相差 "
                               f"{abs(stated - outcome.score)}，比规则{how}",
                               score_at, length=score_length, hint=outcome.trace)]
    return False, []


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
