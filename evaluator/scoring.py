"""The rules of DESIGN §4.2–4.4: one row's score from its target, actual and weight.

Pure functions of ASTs and the rule set. A target is compiled once (``compile_target``) into a
scorer that takes an actual and a weight: what depends only on the target (its scaled value and
unit, its direction, its canonical text) is worked out once, however many rows share it. Each
score is an ``Outcome``: the score rounded half-up to 0.01, a trace a finance officer can follow
(written only when someone reads it), the tier of a qualitative judgement, flags, and findings
(problems without positions; the evaluation stage knows where they are).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any, Callable

from .expression import (Comparison, DatePoint, DateTerm, Event, Expression, FreeText, Operator,
                         Quantity, Range, State, Tier, TierWord, Trend, format_date,
                         format_expression, format_number, is_quantitative, unit_scale)
from .memo import Memo
from .rules import RuleSet
from .saved_code import dataclass
from .schema import CENT

HUNDRED = Decimal(100)
NIL = Decimal("0.00")  # a score of nothing, printed as 0.00 like every other score
LATE = frozenset({"延期", "推迟", "逾期", "延迟"})  # manners that say a deadline was missed
ON_TIME = frozenset({"按时", "按期", "如期", "准时", "及时"})  # 未按时完成 says it was missed too

# Formulas multiply first and divide once, last: 5.94 × (24 − 23)/12 is exactly 0.495 → 0.50,
# where 5.94 × (1 − 11/12) carries the 28-digit rounding of 11/12 and gives 0.49.


_WIDE = Context(prec=200)  # room for any figure a user can type, so rounding never overflows


def round_half_up(value: Decimal, step: Decimal = CENT) -> Decimal:
    return value.quantize(step, ROUND_HALF_UP, _WIDE)


def _remember(known: dict, key: Any, value: Any, bound: int = 256) -> Any:
    """Keep a figure worked out for a weight or a unit (up to a bound). Not for a zero weight:
    equal to -0, which rounds to a different text."""
    if len(known) < bound and (type(key) is not Decimal or key):
        known[key] = value
    return value


def points(value: Decimal) -> str:
    return format(round_half_up(value), "f")


def percent(ratio: Decimal) -> str:
    """94.06%, 57.5%, 30%: a ratio as a percentage to 0.01, without trailing zeros."""
    return f"{_n(round_half_up(ratio * HUNDRED))}%"


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem the scoring of a row found, to be placed at the value it is about."""

    severity: str  # "error" or "warning"
    code: str
    message: str
    about: str = "actual"  # which value it points at: "actual", "target" or "weight"
    hint: str = ""


# A trace, or how to write it when it is read: a function, or, for the kinds of row a province
# has millions of, a writer and its arguments (a tuple costs less to make than a closure).
Trace = str | Callable[[], str] | tuple


class Outcome:
    """A row's score and why. The trace may be given as how to write it: a province scores
    millions of rows, and most traces are read once, or never (a Markdown report without
    --explain)."""

    __slots__ = ("score", "tier", "flags", "findings", "_trace")

    def __init__(self, score: Decimal, trace: Trace, tier: Tier | None = None,
                 flags: tuple[str, ...] = (), findings: tuple[Finding, ...] = ()):
        self.score, self._trace, self.tier = score, trace, tier
        self.flags, self.findings = flags, findings

    @property
    def trace(self) -> str:
        trace = self._trace
        if type(trace) is tuple:
            trace = self._trace = trace[0](*trace[1:])
        elif type(trace) is not str:
            trace = self._trace = trace()  # type: ignore[operator]
        return trace  # type: ignore[return-value]

    def adding(self, findings: tuple[Finding, ...]) -> "Outcome":
        return Outcome(self.score, self._trace, self.tier, self.flags, self.findings + findings)

    def __repr__(self) -> str:
        return f"Outcome({self.score}, {self.trace!r}, {self.tier}, {self.flags}, {self.findings})"


Scorer = Callable[[Expression, Decimal], Outcome]  # (actual, weight) → outcome


def _quantity_text(quantity: Quantity) -> str:
    return format_number(quantity.value) + quantity.unit


def _unit_mismatch(target: Quantity, actual: Quantity) -> Outcome:
    finding = Finding("error", "actual.unit_mismatch",
                      f"实际完成值单位“{actual.unit}”与指标值单位“{target.unit}”不一致",
                      hint=f"请按指标值的单位填写，如“{format_number(actual.value)}{target.unit}”")
    return Outcome(NIL, "单位不一致，无法比较：0.00", findings=(finding,))


_UNSEEN = object()

Factors = tuple[dict[str, Decimal | bool | None], Callable[[str], Decimal | bool | None]]


def _unit_factors(unit: str, memo: Memo) -> Factors:
    """By the unit an actual is written in, the factor that brings its value into the base unit
    of a target written in ``unit`` (None: as it is; False: the units disagree), and how to
    learn a unit not yet seen. A bare actual (3.5) is read in the target's unit; a bare scale
    (25万) or a target without unit compares plain numbers. Shared by every target in that
    unit: a province has a million targets and a few hundred units (the run's memo keeps them)."""
    known = memo.unit_factors.get(unit)
    if known is not None:
        return known
    factor, base = unit_scale(unit)
    factors: dict[str, Decimal | bool | None] = {"": factor}

    def learn(unit: str) -> Decimal | bool | None:
        a_factor, a_base = unit_scale(unit)
        return _remember(factors, unit,
                         False if base and a_base and base != a_base else a_factor)

    known = memo.unit_factors[unit] = factors, learn
    return known


def _in_unit_of(target: Quantity, memo: Memo) -> Callable[[Quantity], Decimal | None]:
    """The actual's value in the target's base unit, or None when the units disagree."""
    factors, learn = _unit_factors(target.unit, memo)

    def scale(actual: Quantity) -> Decimal | None:
        found = factors.get(actual.unit, _UNSEEN)
        if found is _UNSEEN:
            found = learn(actual.unit)
        if found is None:
            return actual.value
        if found is False:
            return None
        return actual.value * found  # type: ignore[operator]

    return scale


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


Measure = Callable[[Quantity, Decimal], Outcome]  # (actual quantity, weight) → outcome


def _comparison_measure(target: Comparison, rules: RuleSet, direction: str | None, memo: Memo
                        ) -> Measure:
    """The measure of ``≥T``, ``≤T``, ``=T`` and their kin: one function for each way of
    measuring, so that a row pays for no decision its target has already made. What is
    written only in a trace (the target's text) is worked out when the trace is read."""
    quantity = target.quantity
    t = quantity.scaled()[0]
    factors, learn = _unit_factors(quantity.unit, memo)
    how = _direction(target, direction, rules)
    operator = target.operator
    policy = rules.quantitative
    threshold = policy.overachievement_threshold
    written_strict = operator is Operator.LT if how == "reverse" else operator is Operator.GT
    # >T at A = T: met (by default) or not, as the rule set says; >0 at 0 is never met
    loosened = written_strict and t != 0 and policy.strict_equal == "met"
    strict = written_strict and not loosened
    scale = _in_unit_of(quantity, memo)

    if t < 0:
        return _negative_measure(quantity, t, how, strict, loosened, policy.negative_target,
                                 memo)

    if t == 0 and (operator in (Operator.EQ, Operator.LE, Operator.LT) or how == "reverse"):
        def zero(actual: Quantity, weight: Decimal) -> Outcome:
            a = scale(actual)
            if a is None:
                return _unit_mismatch(quantity, actual)
            if a <= 0:
                return Outcome(round_half_up(weight),
                               lambda: f"完成值 {_quantity_text(actual)}，指标值 {_quantity_text(quantity)}：未发生，得满分 {points(weight)}")
            return Outcome(NIL, lambda: f"完成值 {_quantity_text(actual)}，指标值 {_quantity_text(quantity)}：零目标未实现，得 0.00")
        return zero

    if how == "reverse":
        formula = policy.reverse_formula

        def reverse(actual: Quantity, weight: Decimal) -> Outcome:
            a = scale(actual)
            if a is None:
                return _unit_mismatch(quantity, actual)
            return _reverse(a, t, actual, quantity, weight, strict, loosened, formula)
        return reverse

    if how == "exact":
        def exact(actual: Quantity, weight: Decimal) -> Outcome:
            a = scale(actual)
            if a is None:
                return _unit_mismatch(quantity, actual)
            if a == t:
                return Outcome(round_half_up(weight),
                               lambda: f"完成值 {_quantity_text(actual)} = 指标值 {_quantity_text(quantity)}：得满分 {points(weight)}")
            raw = weight * (t - abs(a - t)) / t
            return Outcome(round_half_up(max(NIL, raw)),
                           lambda: f"完成值 {_quantity_text(actual)} ≠ 指标值 {_quantity_text(quantity)}：{points(weight)} × (1 − |{_n(a)} − "
                                   f"{_n(t)}|/{_n(t)}) {_equals(raw)}")
        return exact

    ceiling = t * (1 + threshold) if t > 0 else None  # above it, the target was set too low
    deduction = policy.overachievement_deduction
    rounded, bound = memo.rounded, memo.bound  # each weight to 0.01: a province has a few hundred

    def positive(actual: Quantity, weight: Decimal) -> Outcome:
        factor = factors.get(actual.unit, _UNSEEN)  # scale(actual), inline: nearly every row
        if factor is _UNSEEN:
            factor = learn(actual.unit)
        if factor is False:
            return _unit_mismatch(quantity, actual)
        a = actual.value if factor is None else actual.value * factor  # type: ignore[operator]
        if a > t if strict else a >= t:
            if ceiling is not None and a > ceiling:
                return _overachieved(a, t, actual, quantity, weight, threshold, deduction)
            full = rounded.get(weight)
            if full is None:
                full = _remember(rounded, weight, round_half_up(weight), bound)
            if loosened and a == t:
                return Outcome(full, (_met_at_strict, actual, quantity, weight, ">"))
            return Outcome(full, (_met, actual, ">" if a > t else "=", quantity, weight))
        below = "≤" if a == t else "<"  # a > target not met at equality
        if t == 0:  # >0 with nothing achieved: no ratio to take
            return Outcome(NIL, (_nothing, actual, below, quantity))
        if a == t:  # >T at A = T, not met by the rule set: the ratio's full marks held back
            return _unmet_at_strict(actual, quantity, weight, weight * a / t, ">")
        raw = weight * a / t
        score = raw if raw > 0 else NIL  # nothing achieved, or less: the 0.00 of max(NIL, …)
        return Outcome(round_half_up(score), (_short, actual, below, quantity, weight, a, t, raw))

    return positive


def _met(actual: Quantity, sign: str, target: Quantity, weight: Decimal) -> str:
    return f"完成值 {_quantity_text(actual)} {sign} 指标值 {_quantity_text(target)}：得满分 {points(weight)}"


def _met_at_strict(actual: Quantity, target: Quantity, weight: Decimal, sign: str) -> str:
    return (f"完成值 {_quantity_text(actual)} = 指标值 {_quantity_text(target)}（“{sign}”恰好等于指标值，"
            f"按达成计）：得满分 {points(weight)}")


def _unmet_at_strict(actual: Quantity, target: Quantity, weight: Decimal, raw: Decimal,
                     sign: str) -> Outcome:
    """A = T under a strict sign, where the rule set says that is not met: scored by its
    formula, but a row not met never takes full marks (one cent less)."""
    score = min(round_half_up(raw), max(NIL, round_half_up(weight) - CENT))
    return Outcome(score, lambda: (
        f"完成值 {_quantity_text(actual)} = 指标值 {_quantity_text(target)}（“{sign}”要求"
        f"{'超过' if sign == '>' else '低于'}指标值，恰好等于不算达成）：按比例 {points(raw)}，"
        f"未达成不得满分，按 {points(score)} 计"))


def _nothing(actual: Quantity, sign: str, target: Quantity) -> str:
    return f"完成值 {_quantity_text(actual)} {sign} 指标值 {_quantity_text(target)}：得 0.00"


def _short(actual: Quantity, sign: str, target: Quantity, weight: Decimal, a: Decimal,
           t: Decimal, raw: Decimal) -> str:
    return (f"完成值 {_quantity_text(actual)} {sign} 指标值 {_quantity_text(target)}：{points(weight)} × "
            f"{_n(a)}/{_n(t)} {_equals(raw)}")


def _reverse(a: Decimal, t: Decimal, actual: Quantity, target: Quantity, weight: Decimal,
             strict: bool, loosened: bool, formula: str) -> Outcome:
    sign = "<" if strict else "≤"
    if a < t if strict else a <= t:
        if loosened and a == t:
            return Outcome(round_half_up(weight), (_met_at_strict, actual, target, weight, "<"))
        return Outcome(round_half_up(weight), (_met, actual, sign, target, weight))
    if a == t:  # <T at A = T, not met by the rule set
        return _unmet_at_strict(actual, target, weight, weight, "<")
    over = "超过"
    if formula == "ratio":
        score = weight * t / a
        return Outcome(round_half_up(score),
                       lambda: f"完成值 {_quantity_text(actual)} {over}指标值 {_quantity_text(target)}（反向指标）：{points(weight)} × "
                               f"{_n(t)}/{_n(a)} = {points(score)}")
    if a >= 2 * t:
        return Outcome(NIL, lambda: f"完成值 {_quantity_text(actual)} 达到指标值 {_quantity_text(target)} 的两倍及以上（反向指标）：得 0.00")
    score = weight * (2 * t - a) / t
    return Outcome(round_half_up(score),
                   lambda: f"完成值 {_quantity_text(actual)} {over}指标值 {_quantity_text(target)}（反向指标）：{points(weight)} × (1 − "
                           f"({_n(a)} − {_n(t)})/{_n(t)}) = {points(score)}")


def _negative_measure(target: Quantity, t: Decimal, how: str, strict: bool, loosened: bool,
                      policy: str, memo: Memo) -> Measure:
    """A target below zero (≥-5%, ≤-3个百分点): A/T means nothing there, so the shortfall is
    measured against the target's size, W × (1 − gap/|T|), 0 from a gap of |T|: for T > 0 that
    is W × A/T and the linear reverse formula again. Or 0 when missed, by the rule set."""
    scale = _in_unit_of(target, memo)
    size = -t
    sign = {"reverse": "<", "exact": "="}.get(how, ">")

    def negative(actual: Quantity, weight: Decimal) -> Outcome:
        a = scale(actual)
        if a is None:
            return _unit_mismatch(target, actual)
        gap = a - t if how == "reverse" else abs(a - t) if how == "exact" else t - a
        if gap < 0 or gap == 0 and not strict:
            if loosened and a == t:
                return Outcome(round_half_up(weight), (_met_at_strict, actual, target, weight, sign))
            shown = "=" if a == t else {"reverse": "<", "exact": "="}.get(how, ">")
            return Outcome(round_half_up(weight), (_met, actual, shown, target, weight))
        raw = weight * (size - gap) / size
        if gap == 0:
            return _unmet_at_strict(actual, target, weight, raw, sign)
        missed = "超过" if how == "reverse" else "偏离" if how == "exact" else "未达到"
        head = f"完成值 {_quantity_text(actual)} {missed}指标值 {_quantity_text(target)}（负数指标值"
        if policy == "zero":
            return Outcome(NIL, lambda: f"{head}，未达成得 0）：得 0.00")
        return Outcome(round_half_up(max(NIL, raw)), lambda: (
            f"{head}，按差距占指标值绝对值的比例计）：{points(weight)} × (1 − {_n(gap)}/{_n(size)}) "
            f"{_equals(raw)}"))

    return negative


def _overachieved(a: Decimal, t: Decimal, actual: Quantity, target: Quantity, weight: Decimal,
                  threshold: Decimal, deduction: bool) -> Outcome:
    raw = weight
    if deduction:
        limit = 2 + threshold  # W × (1 − (A/T − 1 − 阈值))
        raw = weight * (limit * t - a) / t

    def trace() -> str:
        excess = a / t - 1
        head = (f"完成值 {_quantity_text(actual)} 超出指标值 {_quantity_text(target)} {percent(excess)}"
                f"（超过 {percent(threshold)} 阈值）：")
        if deduction:  # the ratio as a fraction: a percentage rounded would not add up
            return head + (f"{points(weight)} × (1 − ({_n(a)}/{_n(t)} − 1 − {_n(threshold)}))"
                           f" {_equals(raw)}")
        return head + f"得满分 {points(weight)}，需说明指标值设定是否偏低"

    score = round_half_up(max(NIL, raw)) if deduction else round_half_up(weight)  # the hot path
    return Outcome(score, trace, flags=("overachieved",))


def _equals(raw: Decimal) -> str:
    """A formula's "= score", saying so when the score is held at 0.00 (max(0, …))."""
    return f"= {points(raw)}" if raw >= 0 else f"= {points(raw)}，不足 0 按 0.00 计"


def _n(value: Decimal) -> str:
    """A number for a formula: no trailing zeros beyond what it needs."""
    text = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _range_measure(target: Range, negative_target: str, memo: Memo) -> Measure:
    lo, hi = target.low.scaled()[0], target.high.scaled()[0]
    scale_low, scale_high = _in_unit_of(target.low, memo), _in_unit_of(target.high, memo)

    def beyond(actual: Quantity, weight: Decimal, gap: Decimal, bound: Quantity, side: str
               ) -> Outcome:
        """Outside a bound below zero: as a negative target's shortfall (negative_target)."""
        size = -bound.scaled()[0]
        head = f"完成值 {_quantity_text(actual)} {side} {_quantity_text(bound)}（负数"
        if negative_target == "zero":
            return Outcome(NIL, lambda: f"{head}，未达成得 0）：得 0.00")
        raw = weight * (size - gap) / size
        return Outcome(round_half_up(max(NIL, raw)), lambda: (
            f"{head}，按差距占其绝对值的比例计）：{points(weight)} × (1 − {_n(gap)}/{_n(size)}) "
            f"{_equals(raw)}"))

    def measure(actual: Quantity, weight: Decimal) -> Outcome:
        a = scale_low(actual)
        if a is None:
            return _unit_mismatch(target.low, actual)
        if scale_high(actual) is None:
            return _unit_mismatch(target.high, actual)
        if lo <= a <= hi:
            return Outcome(round_half_up(weight),
                           lambda: f"完成值 {_quantity_text(actual)} 在 {_quantity_text(target.low)}~{_quantity_text(target.high)} 之内：得满分 {points(weight)}")
        if a < lo:
            if lo < 0:
                return beyond(actual, weight, lo - a, target.low, "低于下限")
            score = max(NIL, weight * a / lo) if lo else NIL
            return Outcome(round_half_up(score),
                           lambda: f"完成值 {_quantity_text(actual)} 低于下限 {_quantity_text(target.low)}：{points(weight)} × {_n(a)}/{_n(lo)}"
                                   f" = {points(score)}")
        if hi < 0:
            return beyond(actual, weight, a - hi, target.high, "高于上限")
        score = weight * hi / a
        return Outcome(round_half_up(score),
                       lambda: f"完成值 {_quantity_text(actual)} 高于上限 {_quantity_text(target.high)}：{points(weight)} × {_n(hi)}/{_n(a)}"
                               f" = {points(score)}")

    return measure


def last_day(point: DatePoint, year: int) -> dt.date:
    """The last day a date target allows: 12月底 is 12-31, 上旬 the 10th, 中旬 the 20th."""
    y = point.year or year
    if point.day is not None:
        return dt.date(y, point.month, point.day)
    import calendar  # a month's last day's only: most runs have none (1.6 million instructions)

    end = calendar.monthrange(y, point.month)[1]
    day = {"初": 10, "上旬": 10, "中旬": 20}.get(point.part, end)
    return dt.date(y, point.month, day)


def _day(point: DatePoint, year: int, role: str) -> dt.date | Finding:
    """The date, or the finding that the year has no such day (2月29日 read in 2023)."""
    try:
        return last_day(point, year)
    except ValueError:
        import calendar

        y = point.year or year
        label = "年度指标值" if role == "target" else "实际完成值"
        return Finding("error", f"{role}.bad_date",
                       f"{label}中的日期 {y}年{point.month}月{point.day}日不存在", about=role,
                       hint=f"{y}年 2 月只有 {calendar.monthrange(y, 2)[1]} 天")


def _dated(point: DatePoint, year: int) -> str:
    """A date as a trace writes it; one written without a year says whose year it took."""
    written = format_date(point)
    return written if point.year is not None else f"{written}（未写年份，按评价年度 {year} 年）"


def score_deadline(target: DateTerm, actual: DateTerm, weight: Decimal, rules: RuleSet,
                   year: int) -> Outcome:
    deadline = _day(target.date, year, "target")
    done = _day(actual.date, year, "actual")
    for day in (deadline, done):
        if isinstance(day, Finding):
            return Outcome(NIL, "日期不存在，无法比较：0.00", findings=(day,))
    when, by = _dated(actual.date, year), _dated(target.date, year)
    if done <= deadline:
        return Outcome(round_half_up(weight),
                       lambda: f"完成日期 {when} 不晚于 {by}：得满分 {points(weight)}")
    if rules.quantitative.deadline_missed == "partial":
        band = rules.qualitative.partial
        score = weight * band.default / HUNDRED
        return Outcome(round_half_up(score),
                       lambda: f"完成日期 {when} 晚于 {by}：部分达成，{points(weight)} × "
                               f"{_n(band.default)}% = {points(score)}", tier=Tier.PARTIAL)
    return Outcome(NIL, lambda: f"完成日期 {when} 晚于 {by}：得 0.00")


# ---- qualitative --------------------------------------------------------------------------

_TIER_NOTE = {Tier.ACHIEVED: "达成年度指标", Tier.PARTIAL: "部分达成年度指标并具有一定效果",
              Tier.MISSED: "未达成年度指标且效果较差"}

Reason = Callable[[], str]  # why a tier was given, written when the trace is


def _polarity(actual: Expression) -> tuple[Tier, Reason] | None:
    """The tier an actual states by itself, without looking at the target."""
    match actual:
        case TierWord(tier=tier, word=word):
            return tier, lambda: f"完成值“{word}”"
        case Event(negation=n, manner=m) if n and m:  # 未按时完成: done, but not as planned
            return Tier.PARTIAL, lambda: f"完成值“{format_expression(actual)}”为未按要求完成"
        case Event(negation=n) if n:
            return Tier.MISSED, lambda: f"完成值“{format_expression(actual)}”为未完成"
        case Event(partial=True):
            return Tier.PARTIAL, lambda: f"完成值“{format_expression(actual)}”为部分完成"
        case Event():
            return Tier.ACHIEVED, lambda: f"完成值“{format_expression(actual)}”为已完成"
    return None


def judge(target: Expression, actual: Expression) -> tuple[Tier, Reason] | Finding:
    """The tier of a qualitative row, and why."""
    t_word = format_expression(target)
    a_word = format_expression(actual)
    if a_word == t_word or actual == target:  # 无有效 is 无效 (State compares by meaning)
        return Tier.ACHIEVED, lambda: f"完成值与指标值“{t_word}”一致"
    stated = _polarity(actual)
    if stated is not None and (isinstance(actual, TierWord) or not isinstance(target, (Trend, State))):
        return stated
    if isinstance(target, Trend) and isinstance(actual, Trend):
        if target.direction == 0:
            if actual.direction >= 0:
                return Tier.ACHIEVED, lambda: f"完成值“{a_word}”不低于指标值“{t_word}”"
            return Tier.MISSED, lambda: f"完成值“{a_word}”与指标值“{t_word}”方向相反"
        if actual.direction != target.direction:
            if actual.direction == 0:
                return Tier.MISSED, lambda: f"完成值“{a_word}”没有变化，指标值要求“{t_word}”"
            return Tier.MISSED, lambda: f"完成值“{a_word}”与指标值“{t_word}”方向相反"
        if actual.degree >= target.degree:
            return Tier.ACHIEVED, lambda: f"完成值“{a_word}”达到指标值“{t_word}”的程度"
        if actual.degree > 0:
            return Tier.PARTIAL, lambda: f"完成值“{a_word}”的程度低于指标值“{t_word}”"
        return Tier.MISSED, lambda: f"完成值“{a_word}”没有变化，指标值要求“{t_word}”"
    if isinstance(target, State) and isinstance(actual, State) and actual.word == target.word:
        if actual.negation:
            return Tier.MISSED, lambda: f"完成值“{a_word}”为否定"
        if actual.qualifier:
            return Tier.PARTIAL, lambda: f"完成值“{a_word}”为部分达到“{target.word}”"
        return Tier.ACHIEVED, lambda: f"完成值“{actual.word}”与指标值一致"
    if isinstance(actual, FreeText) and actual.unknown:
        close = f"是否为“{'”“'.join(actual.suggestions)}”？" if actual.suggestions else ""
        return Finding("error", "actual.unknown_word",
                       f"完成值“{actual.text}”中的“{actual.unknown}”不是规则集词表中的词，无法判断达成程度",
                       hint=f"{close}也可以直接写“达成”“部分达成”或“未达成”")
    hint = "请写“达成”“部分达成”或“未达成”"
    return Finding("error", "actual.cannot_judge",
                   f"无法判断完成值“{a_word}”相对于指标值“{t_word}”的达成程度", hint=hint)


def score_tier(tier: Tier, reason: Reason, weight: Decimal, rules: RuleSet) -> Outcome:
    return _tier_outcome(tier, reason, weight, rules.qualitative.band(tier).default)


def _tier_outcome(tier: Tier, reason: Reason, weight: Decimal, default: Decimal) -> Outcome:
    """The tier's default point (a percentage of the weight)."""
    score = round_half_up(weight * default / HUNDRED)
    return Outcome(score, (_tier_trace, reason, tier, weight, default, score), tier)


def _tier_trace(reason: Reason, tier: Tier, weight: Decimal, default: Decimal, score: Decimal
                ) -> str:
    return f"{reason()}：{_TIER_NOTE[tier]}，{points(weight)} × {_n(default)}% = {points(score)}"


# ---- compiled targets ---------------------------------------------------------------------

def compile_target(target: Expression, rules: RuleSet, *, year: int,
                   direction: str | None = None, memo: Memo | None = None) -> Scorer:
    """The scorer of every row with this target: ``scorer(actual, weight)``. ``memo``: what
    the run has learnt that targets share (how units convert, weights rounded); a memo of its
    own when not given."""
    if memo is None:
        memo = Memo()
    if isinstance(target, Comparison):
        return _quantitative(target, rules, _comparison_measure(target, rules, direction, memo))
    if isinstance(target, Range):
        return _quantitative(target, rules, _range_measure(
            target, rules.quantitative.negative_target, memo))
    if isinstance(target, DateTerm):
        return _deadline(target, rules, year)
    return _qualitative(target, rules)


def score_row(target: Expression, actual: Expression, weight: Decimal, rules: RuleSet, *,
              year: int, direction: str | None = None) -> Outcome:
    """Score one indicator row by the kind of its target."""
    return compile_target(target, rules, year=year, direction=direction)(actual, weight)


def _quantitative(target: Comparison | Range, rules: RuleSet, measure: Measure) -> Scorer:
    reference = target.quantity if isinstance(target, Comparison) else target.low
    # 0.9 against a target of 90%: perhaps meant as 90%, said in a warning
    fraction_doubt = reference.unit in ("%", "百分比") and 1 < reference.value
    # 15000 against ≥2万人次 is read as 15000万人次: perhaps meant as 15000人次, said so too
    # (not 85 against ≤90万元, nor 2.5 against ≥2万人次: in the target's scale, as they read)
    factor, base = unit_scale(reference.unit)
    scale_doubt = reference.unit if factor not in (None, 1) and base not in ("", "%") else ""
    far_beyond = reference.value * 100 if reference.value > 0 else None

    def score(actual: Expression, weight: Decimal) -> Outcome:
        if type(actual) is not Comparison:
            return _stated_for_quantity(target, actual, weight, rules)
        quantity = actual.quantity  # type: ignore[union-attr]
        bare = not quantity.unit
        doubt = bare and (fraction_doubt and 0 < quantity.value <= 1 or bool(
            scale_doubt) and far_beyond is not None and quantity.value >= far_beyond)
        if actual.implied and not doubt:  # type: ignore[union-attr]
            return measure(quantity, weight)  # nearly every row
        findings: tuple[Finding, ...] = ()
        if doubt and scale_doubt:
            written = format_number(quantity.value)
            findings += (Finding("warning", "actual.scale_unit",
                                 f"完成值“{written}”没有单位，按 {written}{scale_doubt} 计",
                                 hint=f"如指 {written}{base}，请写明单位；否则请写成“{written}{scale_doubt}”"),)
        elif doubt and rules.quantitative.bare_fraction == "fraction":  # the rule set says so
            quantity = Quantity(quantity.value * 100, "%")
        elif doubt:  # 0.78 for ≥80% is Excel's 78%, not 0.78%: an error, not a lost 9.90 points
            written = format_number(quantity.value)
            meant = format_number((quantity.value * 100).normalize())
            findings += (Finding("error", "actual.percent_unit",
                                 f"完成值“{written}”没有单位，指标值是百分数：可能指 {meant}%"
                                 f"（现按 {written}% 计）",
                                 hint=f"请写成“{meant}%”；如确为 {written}%，请写“{written}%”"
                                      "（规则集的“百分比指标的小数完成值”选项可把这类小数读作百分数）"),)
        if not actual.implied:  # type: ignore[union-attr]
            findings += (Finding("warning", "actual.has_operator",
                                 f"完成值“{format_expression(actual)}”带有比较符号，按 {_quantity_text(quantity)} 计",
                                 hint="完成值请写实际数值，不带 ≥、≤"),)
        return measure(quantity, weight).adding(findings)

    return score


def _deadline(target: DateTerm, rules: RuleSet, year: int) -> Scorer:
    def score(actual: Expression, weight: Decimal) -> Outcome:
        if type(actual) is DateTerm:
            return score_deadline(target, actual, weight, rules, year)  # type: ignore[arg-type]
        return _stated_for_quantity(target, actual, weight, rules)

    return score


def _stated_for_quantity(target: Expression, actual: Expression, weight: Decimal,
                         rules: RuleSet) -> Outcome:
    """A quantitative target with a word for its actual: a tier word (accepted with a warning,
    by policy), or an event against a deadline (按时完成 says what happened)."""
    deadline = isinstance(target, DateTerm)
    if not (isinstance(actual, TierWord) or deadline):
        return _not_comparable(target, actual)
    stated = _polarity(actual)
    if stated is None:
        return _not_comparable(target, actual)
    if (deadline and isinstance(actual, Event) and _late(actual)
            and rules.quantitative.deadline_missed == "zero"):
        return Outcome(NIL, lambda: f"完成值“{format_expression(actual)}”晚于截止日期"
                                    f"“{format_expression(target)}”：得 0.00")  # as a late date
    outcome = score_tier(stated[0], stated[1], weight, rules)
    if deadline and not isinstance(actual, TierWord):
        return outcome
    finding = Finding("warning", "actual.tier_for_quantity",
                      f"指标值“{format_expression(target)}”是定量指标，完成值却写了档次词“{format_expression(actual)}”",
                      hint="请尽量填写实际数值")
    if not rules.quantitative.tier_word_accepted:
        finding = Finding("error", "actual.tier_for_quantity", finding.message,
                          hint="本规则集要求定量指标填写实际数值")
        return Outcome(NIL, "定量指标缺少实际数值：0.00", findings=(finding,))
    return outcome.adding((finding,))


def _late(actual: Event) -> bool:
    """Done, after the deadline: 延期完成, 未按时完成 (未能按期完成, 没有及时完成)."""
    return (actual.partial and actual.manner in LATE) or (
        bool(actual.negation) and actual.manner in ON_TIME)


def _qualitative(target: Expression, rules: RuleSet) -> Scorer:
    """Against a word: the tier of each actual is judged once (its outcome, when it cannot be
    judged at all), then every weight takes the tier's default point."""
    tier_target = isinstance(target, TierWord)
    # each tier's default, and what it gives each weight (a target's rows share a few weights)
    tiers = {tier: (rules.qualitative.band(tier).default, {}) for tier in Tier}
    # By the actual itself, not by equality: the reader hands one object for each text, and a
    # message quotes the actual as written (95% and 95.00% are equal, yet each is quoted as is).
    # The actual is kept beside its verdict, so its id is not reused while it is remembered.
    verdicts: dict[int, tuple[Expression, tuple | Outcome]] = {}

    def verdict_of(actual: Expression) -> tuple | Outcome:
        if not tier_target and is_quantitative(actual):
            return _not_comparable(target, actual)
        verdict = judge(target, actual)
        if isinstance(verdict, Finding):
            return Outcome(NIL, "无法判断达成程度：0.00", findings=(verdict,))
        tier, reason = verdict
        return (tier, reason) + tiers[tier]

    def score(actual: Expression, weight: Decimal) -> Outcome:
        known = verdicts.get(id(actual))
        if known is not None and known[0] is actual:
            verdict = known[1]
        else:
            verdict = verdict_of(actual)
            if len(verdicts) < 1_000:
                verdicts[id(actual)] = (actual, verdict)
        if type(verdict) is Outcome:
            return verdict  # type: ignore[return-value]
        tier, reason, default, given = verdict  # type: ignore[misc]
        share = given.get(weight)
        if share is None:
            share = _remember(given, weight, round_half_up(weight * default / HUNDRED))
        return Outcome(share, (_tier_trace, reason, tier, weight, default, share), tier)

    return score


def _not_comparable(target: Expression, actual: Expression) -> Outcome:
    if isinstance(target, DateTerm):
        finding = Finding("error", "actual.not_a_date",
                          f"指标值“{format_expression(target)}”是截止日期，完成值“{format_expression(actual)}”不是日期",
                          hint="请填写完成日期，如“2024年10月15日”，或写“按时完成”“延期完成”")
    elif is_quantitative(target):
        finding = Finding("error", "actual.not_a_number",
                          f"指标值“{format_expression(target)}”是定量指标，完成值“{format_expression(actual)}”不是数值",
                          hint="请填写实际完成的数量，如“3.5次”")
    else:
        kind = "日期" if isinstance(actual, DateTerm) else "数值"
        finding = Finding("error", "actual.not_qualitative",
                          f"指标值“{format_expression(target)}”是定性指标，完成值“{format_expression(actual)}”却是{kind}",
                          hint="请写“达成”“部分达成”或“未达成”，或与指标值相同的用词")
    return Outcome(NIL, "完成值与指标值无法比较：0.00", findings=(finding,))


def score_budget(adjusted: Decimal, executed: Decimal, weight: Decimal
                 ) -> tuple[Decimal | None, Outcome]:
    """Execution rate and its score: weight × min(rate, 1)."""
    w = points(weight)
    if adjusted == 0:
        if executed == 0:
            return None, Outcome(NIL, "全年预算数为 0，无法计算执行率：0.00",
                                 findings=(Finding("warning", "budget.zero",
                                                   "全年预算数为 0，无法计算执行率，预算执行率一项得 0 分",
                                                   about="budget",
                                                   hint="如确有预算，请填写全年预算数（adjusted）"),))
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
