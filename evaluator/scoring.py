"""The rules of DESIGN §4.2–4.4: one row's score from its target, actual and weight.

Pure functions of ASTs and the rule set. Each returns an ``Outcome``: the score rounded half-up
to 0.01, a trace a finance officer can follow, the tier of a qualitative judgement, flags, and
findings (problems without positions; the evaluation stage knows where they are).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal

from .expression import (Comparison, DatePoint, DateTerm, Event, Expression, FreeText, Operator,
                         Quantity, Range, State, Tier, TierWord, Trend, format_date,
                         format_expression, format_number, is_quantitative)
from .rules import RuleSet

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
NIL = Decimal("0.00")  # a score of nothing, printed as 0.00 like every other score
LATE = frozenset({"延期", "推迟", "逾期", "延迟"})  # manners that say a deadline was missed

# Formulas multiply first and divide once, last: 5.94 × (24 − 23)/12 is exactly 0.495 → 0.50,
# where 5.94 × (1 − 11/12) carries the 28-digit rounding of 11/12 and gives 0.49.


_WIDE = Context(prec=200)  # room for any figure a user can type, so rounding never overflows


def round_half_up(value: Decimal, step: Decimal = CENT) -> Decimal:
    return value.quantize(step, rounding=ROUND_HALF_UP, context=_WIDE)


def points(value: Decimal) -> str:
    return format(round_half_up(value), "f")


def percent(ratio: Decimal) -> str:
    """94.06%, 57.5%, 30%: a ratio as a percentage to 0.01, without trailing zeros."""
    return f"{_n(round_half_up(ratio * HUNDRED))}%"


@dataclass(frozen=True, slots=True)
class Finding:
    severity: str  # "error" or "warning"
    code: str
    message: str
    about: str = "actual"  # which value it points at: "actual", "target" or "weight"
    hint: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    score: Decimal
    trace: str
    tier: Tier | None = None
    flags: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()


def _quantity_text(quantity: Quantity) -> str:
    return format_number(quantity.value) + quantity.unit


def _scaled_pair(target: Quantity, actual: Quantity) -> tuple[Decimal, Decimal] | Finding:
    """Both values in the same base unit, or the mismatch. A bare actual (3.5) is read in the
    target's unit; a bare scale (25万) or a target without unit compares plain numbers."""
    t, t_unit = target.scaled()
    if not actual.unit:
        return t, Quantity(actual.value, target.unit).scaled()[0]
    a, a_unit = actual.scaled()
    if t_unit and a_unit and t_unit != a_unit:
        return Finding("error", "actual.unit_mismatch",
                       f"实际完成值单位“{actual.unit}”与指标值单位“{target.unit}”不一致",
                       hint=f"请按指标值的单位填写，如“{format_number(actual.value)}{target.unit}”")
    return t, a


def _direction(target: Comparison, override: str | None, rules: RuleSet) -> str:
    if override == "positive":
        return "positive"
    if override == "reverse":
        return "reverse"
    if target.operator in (Operator.LE, Operator.LT):
        return "reverse"
    if target.operator is Operator.EQ:
        return "exact" if rules.quantitative.equal_target == "exact" else "positive"
    return "positive"


def score_comparison(target: Comparison, actual: Quantity, weight: Decimal, rules: RuleSet,
                     direction: str | None = None) -> Outcome:
    pair = _scaled_pair(target.quantity, actual)
    if isinstance(pair, Finding):
        return Outcome(NIL, "单位不一致，无法比较：0.00", findings=(pair,))
    t, a = pair
    w = points(weight)
    a_text, t_text = _quantity_text(actual), _quantity_text(target.quantity)
    how = _direction(target, direction, rules)
    policy = rules.quantitative
    if t == 0 and target.operator in (Operator.EQ, Operator.LE, Operator.LT) or (
            t == 0 and how == "reverse"):
        if a <= 0:
            return Outcome(round_half_up(weight), f"完成值 {a_text}，指标值 {t_text}：未发生，得满分 {w}")
        return Outcome(NIL, f"完成值 {a_text}，指标值 {t_text}：零目标未实现，得 0.00")
    if how == "reverse":
        met = a < t if target.operator is Operator.LT else a <= t
        sign = "<" if target.operator is Operator.LT else "≤"
        if met:
            return Outcome(round_half_up(weight), f"完成值 {a_text} {sign} 指标值 {t_text}：得满分 {w}")
        over = "未低于" if a == t else "超过"  # <T at A = T: not met, though nothing is over
        if policy.reverse_formula == "ratio":
            score = weight * t / a
            return Outcome(round_half_up(score),
                           f"完成值 {a_text} {over}指标值 {t_text}（反向指标）：{w} × {_n(t)}/{_n(a)} = "
                           f"{points(score)}")
        if a >= 2 * t:
            return Outcome(NIL, f"完成值 {a_text} 达到指标值 {t_text} 的两倍及以上（反向指标）：得 0.00")
        score = weight * (2 * t - a) / t
        return Outcome(round_half_up(score),
                       f"完成值 {a_text} {over}指标值 {t_text}（反向指标）：{w} × (1 − ({_n(a)} − {_n(t)})/{_n(t)})"
                       f" = {points(score)}")
    if how == "exact":
        if a == t:
            return Outcome(round_half_up(weight), f"完成值 {a_text} = 指标值 {t_text}：得满分 {w}")
        score = max(NIL, weight * (t - abs(a - t)) / t)
        return Outcome(round_half_up(score),
                       f"完成值 {a_text} ≠ 指标值 {t_text}：{w} × (1 − |{_n(a)} − {_n(t)}|/{_n(t)}) = "
                       f"{points(score)}")
    met = a > t if target.operator is Operator.GT else a >= t
    if met:
        flags: tuple[str, ...] = ()
        trace = f"完成值 {a_text} {'>' if a > t else '='} 指标值 {t_text}：得满分 {w}"
        score = weight
        if t > 0 and a > t * (1 + policy.overachievement_threshold):
            flags = ("overachieved",)
            excess = a / t - 1
            trace = (f"完成值 {a_text} 超出指标值 {t_text} {percent(excess)}"
                     f"（超过 {percent(policy.overachievement_threshold)} 阈值）：")
            if policy.overachievement_deduction:
                limit = 2 + policy.overachievement_threshold  # W × (1 − (A/T − 1 − 阈值))
                score = max(NIL, weight * (limit * t - a) / t)
                trace += f"{w} × (1 − ({percent(excess)} − {percent(policy.overachievement_threshold)}))" \
                         f" = {points(score)}"
            else:
                trace += f"得满分 {w}，需说明指标值设定是否偏低"
        return Outcome(round_half_up(score), trace, flags=flags)
    below = "≤" if a == t else "<"  # a > target not met at equality
    if t == 0:  # >0 with nothing achieved: no ratio to take
        return Outcome(NIL, f"完成值 {a_text} {below} 指标值 {t_text}：得 0.00")
    score = max(NIL, weight * a / t)
    return Outcome(round_half_up(score),
                   f"完成值 {a_text} {below} 指标值 {t_text}：{w} × {_n(a)}/{_n(t)} = {points(score)}")


def _n(value: Decimal) -> str:
    """A number for a formula: no trailing zeros beyond what it needs."""
    text = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def score_range(target: Range, actual: Quantity, weight: Decimal) -> Outcome:
    low = _scaled_pair(target.low, actual)
    high = _scaled_pair(target.high, actual)
    for pair in (low, high):
        if isinstance(pair, Finding):
            return Outcome(NIL, "单位不一致，无法比较：0.00", findings=(pair,))
    (lo, a), (hi, _) = low, high  # type: ignore[misc]
    w = points(weight)
    a_text = _quantity_text(actual)
    span = f"{_quantity_text(target.low)}~{_quantity_text(target.high)}"
    if lo <= a <= hi:
        return Outcome(round_half_up(weight), f"完成值 {a_text} 在 {span} 之内：得满分 {w}")
    if a < lo:
        score = max(NIL, weight * a / lo) if lo else NIL
        return Outcome(round_half_up(score),
                       f"完成值 {a_text} 低于下限 {_quantity_text(target.low)}：{w} × {_n(a)}/{_n(lo)} = "
                       f"{points(score)}")
    score = weight * hi / a
    return Outcome(round_half_up(score),
                   f"完成值 {a_text} 高于上限 {_quantity_text(target.high)}：{w} × {_n(hi)}/{_n(a)} = "
                   f"{points(score)}")


def last_day(point: DatePoint, year: int) -> dt.date:
    """The last day a date target allows: 12月底 is 12-31, 上旬 the 10th, 中旬 the 20th."""
    y = point.year or year
    if point.day is not None:
        return dt.date(y, point.month, point.day)
    end = calendar.monthrange(y, point.month)[1]
    day = {"初": 10, "上旬": 10, "中旬": 20}.get(point.part, end)
    return dt.date(y, point.month, day)


def score_deadline(target: DateTerm, actual: DateTerm, weight: Decimal, rules: RuleSet,
                   year: int) -> Outcome:
    deadline = last_day(target.date, year)
    done = last_day(actual.date, year)
    w = points(weight)
    if done <= deadline:
        return Outcome(round_half_up(weight),
                       f"完成日期 {format_date(actual.date)} 不晚于 {format_date(target.date)}：得满分 {w}")
    if rules.quantitative.deadline_missed == "partial":
        band = rules.qualitative.partial
        score = weight * band.default / HUNDRED
        return Outcome(round_half_up(score),
                       f"完成日期 {format_date(actual.date)} 晚于 {format_date(target.date)}：部分达成，"
                       f"{w} × {_n(band.default)}% = {points(score)}", tier=Tier.PARTIAL)
    return Outcome(NIL, f"完成日期 {format_date(actual.date)} 晚于 {format_date(target.date)}：得 0.00")


# ---- qualitative --------------------------------------------------------------------------

_TIER_NOTE = {Tier.ACHIEVED: "达成年度指标", Tier.PARTIAL: "部分达成年度指标并具有一定效果",
              Tier.MISSED: "未达成年度指标且效果较差"}


def _polarity(actual: Expression) -> tuple[Tier, str] | None:
    """The tier an actual states by itself, without looking at the target."""
    match actual:
        case TierWord(tier=tier, word=word):
            return tier, f"完成值“{word}”"
        case Event(negation=n, manner=m) if n and m:  # 未按时完成: done, but not as planned
            return Tier.PARTIAL, f"完成值“{format_expression(actual)}”为未按要求完成"
        case Event(negation=n) if n:
            return Tier.MISSED, f"完成值“{format_expression(actual)}”为未完成"
        case Event(partial=True):
            return Tier.PARTIAL, f"完成值“{format_expression(actual)}”为部分完成"
        case Event():
            return Tier.ACHIEVED, f"完成值“{format_expression(actual)}”为已完成"
    return None


def judge(target: Expression, actual: Expression) -> tuple[Tier, str] | Finding:
    """The tier of a qualitative row, and why."""
    if format_expression(actual) == format_expression(target):
        return Tier.ACHIEVED, f"完成值与指标值“{format_expression(target)}”一致"
    stated = _polarity(actual)
    if stated is not None and (isinstance(actual, TierWord) or not isinstance(target, (Trend, State))):
        return stated
    if isinstance(target, Trend) and isinstance(actual, Trend):
        t_word, a_word = format_expression(target), format_expression(actual)
        if target.direction == 0:
            if actual.direction >= 0:
                return Tier.ACHIEVED, f"完成值“{a_word}”不低于指标值“{t_word}”"
            return Tier.MISSED, f"完成值“{a_word}”与指标值“{t_word}”方向相反"
        if actual.direction != target.direction:
            if actual.direction == 0:
                return Tier.MISSED, f"完成值“{a_word}”没有变化，指标值要求“{t_word}”"
            return Tier.MISSED, f"完成值“{a_word}”与指标值“{t_word}”方向相反"
        if actual.degree >= target.degree:
            return Tier.ACHIEVED, f"完成值“{a_word}”达到指标值“{t_word}”的程度"
        if actual.degree > 0:
            return Tier.PARTIAL, f"完成值“{a_word}”的程度低于指标值“{t_word}”"
        return Tier.MISSED, f"完成值“{a_word}”没有变化，指标值要求“{t_word}”"
    if isinstance(target, State) and isinstance(actual, State) and actual.word == target.word:
        if actual.negation:
            return Tier.MISSED, f"完成值“{format_expression(actual)}”为否定"
        if actual.qualifier:
            return Tier.PARTIAL, f"完成值“{format_expression(actual)}”为部分达到“{target.word}”"
        return Tier.ACHIEVED, f"完成值“{actual.word}”与指标值一致"
    if isinstance(actual, FreeText) and actual.unknown:
        close = f"是否为“{'”“'.join(actual.suggestions)}”？" if actual.suggestions else ""
        return Finding("error", "actual.unknown_word",
                       f"完成值“{actual.text}”中的“{actual.unknown}”不是规则集词表中的词，无法判断达成程度",
                       hint=f"{close}也可以直接写“达成”“部分达成”或“未达成”")
    hint = "请写“达成”“部分达成”或“未达成”"
    return Finding("error", "actual.cannot_judge",
                   f"无法判断完成值“{format_expression(actual)}”相对于指标值“{format_expression(target)}”的达成程度",
                   hint=hint)


def score_tier(tier: Tier, reason: str, weight: Decimal, rules: RuleSet) -> Outcome:
    band = rules.qualitative.band(tier)
    score = weight * band.default / HUNDRED
    return Outcome(round_half_up(score),
                   f"{reason}：{_TIER_NOTE[tier]}，{points(weight)} × {_n(band.default)}% = {points(score)}",
                   tier=tier)


def score_row(target: Expression, actual: Expression, weight: Decimal, rules: RuleSet, *,
              year: int, direction: str | None = None) -> Outcome:
    """Score one indicator row by the kind of its target."""
    if is_quantitative(target):
        if isinstance(actual, TierWord) or (isinstance(target, DateTerm) and not
                                            isinstance(actual, DateTerm)):
            stated = _polarity(actual)
            if stated is None:
                return _not_comparable(target, actual)
            if (isinstance(target, DateTerm) and isinstance(actual, Event) and actual.partial
                    and actual.manner in LATE and rules.quantitative.deadline_missed == "zero"):
                return Outcome(NIL, f"完成值“{format_expression(actual)}”晚于截止日期"
                                    f"“{format_expression(target)}”：得 0.00")  # as a late date
            outcome = score_tier(stated[0], stated[1], weight, rules)
            if isinstance(target, DateTerm) and not isinstance(actual, TierWord):
                return outcome  # 按时完成 against a deadline says what happened
            finding = Finding("warning", "actual.tier_for_quantity",
                              f"指标值“{format_expression(target)}”是定量指标，完成值却写了档次词“{format_expression(actual)}”",
                              hint="请尽量填写实际数值")
            if not rules.quantitative.tier_word_accepted:
                finding = Finding("error", "actual.tier_for_quantity", finding.message,
                                  hint="本规则集要求定量指标填写实际数值")
                return Outcome(NIL, "定量指标缺少实际数值：0.00", findings=(finding,))
            return Outcome(outcome.score, outcome.trace, outcome.tier, outcome.flags, (finding,))
        if isinstance(target, DateTerm):
            assert isinstance(actual, DateTerm)
            return score_deadline(target, actual, weight, rules, year)
        if not isinstance(actual, Comparison):
            return _not_comparable(target, actual)
        findings: tuple[Finding, ...] = ()
        reference = target.quantity if isinstance(target, Comparison) else target.low
        if (not actual.quantity.unit and reference.unit in ("%", "百分比")  # 0.9 for 90%?
                and 0 < actual.quantity.value <= 1 < reference.value):
            findings += (Finding("warning", "actual.percent_unit",
                                 f"完成值“{format_number(actual.quantity.value)}”没有单位，按 "
                                 f"{format_number(actual.quantity.value)}% 计",
                                 hint=f"如指 {format_number(actual.quantity.value * 100)}%，请写成百分数"),)
        if not actual.implied:
            findings += (Finding("warning", "actual.has_operator",
                                f"完成值“{format_expression(actual)}”带有比较符号，按 {_quantity_text(actual.quantity)} 计",
                                hint="完成值请写实际数值，不带 ≥、≤"),)
        if isinstance(target, Range):
            outcome = score_range(target, actual.quantity, weight)
        else:
            outcome = score_comparison(target, actual.quantity, weight, rules, direction)
        if findings:
            outcome = Outcome(outcome.score, outcome.trace, outcome.tier, outcome.flags,
                              outcome.findings + findings)
        return outcome
    if is_quantitative(actual) and not isinstance(target, TierWord):
        return _not_comparable(target, actual)
    verdict = judge(target, actual)
    if isinstance(verdict, Finding):
        return Outcome(NIL, "无法判断达成程度：0.00", findings=(verdict,))
    return score_tier(verdict[0], verdict[1], weight, rules)


def _not_comparable(target: Expression, actual: Expression) -> Outcome:
    if is_quantitative(target):
        finding = Finding("error", "actual.not_a_number",
                          f"指标值“{format_expression(target)}”是定量指标，完成值“{format_expression(actual)}”不是数值",
                          hint="请填写实际完成的数量，如“3.5次”")
    else:
        finding = Finding("error", "actual.not_qualitative",
                          f"指标值“{format_expression(target)}”是定性指标，完成值“{format_expression(actual)}”却是数值",
                          hint="请写“达成”“部分达成”或“未达成”，或与指标值相同的用词")
    return Outcome(NIL, "完成值与指标值无法比较：0.00", findings=(finding,))


def score_budget(adjusted: Decimal, executed: Decimal, weight: Decimal
                 ) -> tuple[Decimal | None, Outcome]:
    """Execution rate and its score: weight × min(rate, 1)."""
    w = points(weight)
    if adjusted == 0:
        if executed == 0:
            return None, Outcome(NIL, "全年预算数为 0，无法计算执行率：0.00",
                                 findings=(Finding("warning", "budget.zero", "全年预算数为 0，预算执行率不计分",
                                                   about="budget"),))
        return None, Outcome(NIL, "全年预算数为 0 但有执行数：0.00",
                             findings=(Finding("error", "budget.zero", "全年预算数为 0，却有执行数",
                                               about="budget"),))
    rate = executed / adjusted
    if executed > adjusted:
        return rate, Outcome(round_half_up(weight),
                             f"执行率 = {_n(executed)}/{_n(adjusted)} = {percent(rate)}，超过 100% 按 100% 计：得满分 {w}",
                             flags=("over_budget",))
    score = weight * executed / adjusted
    return rate, Outcome(round_half_up(score),
                         f"执行率 = {_n(executed)}/{_n(adjusted)} = {percent(rate)}：{w} × {_n(executed)}/{_n(adjusted)} = "
                         f"{points(score)}")
