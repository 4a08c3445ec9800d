"""The AST of the indicator language: what a 年度指标值 or a 实际完成值 says.

Produced by ``evaluator.parser`` (structure, from grammar/indicator.lark) and
``evaluator.vocabulary`` (meaning of words, from the rule set). Frozen dataclasses with Decimal
values; ``format_expression`` writes an AST back as text that parses to the same AST.
"""

from __future__ import annotations

from dataclasses import field
from decimal import Decimal
from enum import Enum

from .saved_code import dataclass


class Operator(str, Enum):
    GE = "≥"
    GT = ">"
    LE = "≤"
    LT = "<"
    EQ = "="


class Tier(str, Enum):
    """The three tiers of a qualitative judgement (财预〔2020〕10号)."""

    ACHIEVED = "达成"
    PARTIAL = "部分达成"
    MISSED = "未达成"


# Scale prefixes of compound units; a unit in NOT_SCALED starts with one but is a unit of its own.
SCALE_PREFIXES = (("百万", Decimal(10) ** 6), ("亿", Decimal(10) ** 8), ("万", Decimal(10) ** 4),
                  ("千", Decimal(10) ** 3))
NOT_SCALED = frozenset({"千克", "千米", "千瓦", "千瓦时", "千帕", "千卡", "千字节", "万分之一"})
PERCENT_UNITS = {"%": Decimal(1), "百分比": Decimal(1), "‰": Decimal("0.1")}
# one unit written two ways: a change of -3个百分点 may be reported as -3.2百分点
SAME_UNITS = {"个百分点": "百分点"}


def unit_scale(unit: str) -> tuple[Decimal | None, str]:
    """(factor, base unit) of a unit as written: 万人次 → (10⁴, 人次), ‰ → (0.1, %), 次 → (None,
    次). Worked out when a target is compiled and when a target first meets an actual's unit;
    the run remembers the factors (memo.py), not this."""
    found: tuple[Decimal | None, str] = (None, unit)
    if unit in PERCENT_UNITS:
        found = (PERCENT_UNITS[unit], "%")
    elif unit in SAME_UNITS:
        found = (None, SAME_UNITS[unit])
    elif unit not in NOT_SCALED:
        for prefix, factor in SCALE_PREFIXES:
            if unit.startswith(prefix):  # 25万人次 → 人次; a lone 万 → a plain number
                found = (factor, unit[len(prefix):])
                break
    return found


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number and its unit as written: ``95%``, ``3次``, ``25万人次``."""

    value: Decimal
    unit: str = ""  # as written, without brackets: "次", "万人次", "%", "元/人·月"

    def scaled(self) -> tuple[Decimal, str]:
        """The value in the base unit: 25万人次 -> (250000, "人次"); 5‰ -> (0.5, "%")."""
        factor, base = unit_scale(self.unit)
        return (self.value if factor is None else self.value * factor), base

    @property
    def base_unit(self) -> str:
        return self.scaled()[1]


@dataclass(frozen=True, slots=True)
class Comparison:
    """A target or actual compared to a quantity: ``≥95%``, ``不低于3次``, ``90%以上``."""

    operator: Operator
    quantity: Quantity
    implied: bool = False  # a bare number: ≥ read in, the user did not write it
    # The written word (不低于, 以上): notation, not meaning, so it takes no part in equality.
    word: str = field(default="", compare=False)
    # what it is said of, in a sentence (群众满意度 in 群众满意度不低于90%): notation too
    subject: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class Range:
    """Between two quantities: ``80%-90%``, ``3~5次``."""

    low: Quantity
    high: Quantity
    subject: str = field(default="", compare=False)  # as a Comparison's


@dataclass(frozen=True, slots=True)
class DatePoint:
    """A date as written: its year when given, its month, its day or the part of the month."""

    year: int | None
    month: int
    day: int | None = None
    part: str = ""  # 初, 上旬, 中旬, 下旬, 底, 末; or a period that ends with ``month`` (PERIODS)


@dataclass(frozen=True, slots=True)
class DateTerm:
    """A date (an actual) or a deadline (a target: ``2024年12月底前``, ``≤2024-12-31``)."""

    date: DatePoint
    before: bool = False
    event: str = ""  # trailing words such as 完成 in ``10月31日前完成``
    subject: str = field(default="", compare=False)  # as a Comparison's (项目于 …前完成)


@dataclass(frozen=True, slots=True)
class Phrase:
    """Words as the grammar reads them, before the rule set's vocabulary gives them meaning."""

    text: str


@dataclass(frozen=True, slots=True)
class Trend:
    """A change said in words: ``显著提升``, ``逐步降低``, ``持平``."""

    degree_word: str  # "" when none is written: 提升上海国际形象
    degree: int  # 0 持平 < 1 逐渐/逐步 < 2 显著/明显
    direction_word: str  # "" for 持平
    direction: int  # +1 提升/扩大, -1 减少/降低, 0 持平
    object: str = ""


@dataclass(frozen=True, slots=True)
class State:
    """A quality said in words: ``规范``, ``基本合理``, ``无效``."""

    word: str  # 规范, 合理, 有效 …
    qualifier: str = ""  # 基本
    negation: str = ""  # 不, 未, 无
    # as written, when that is not negation + qualifier + word: 无效 is 有效 negated by 无
    written: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class Event:
    """Something done, or not: ``按时完成``, ``顺利召开``, ``未完成``."""

    verb: str  # 完成, 召开, 发布 …
    manner: str = ""  # 按时, 顺利 (done) or 延期, 基本 (partly)
    negation: str = ""  # 未
    partial: bool = False


@dataclass(frozen=True, slots=True)
class TierWord:
    """A word the rule set places in one of the three tiers of a judgement."""

    word: str
    tier: Tier


@dataclass(frozen=True, slots=True)
class FreeText:
    """Words the vocabulary reads as none of the above."""

    text: str
    unknown: str = ""  # a word that looks like vocabulary but is not in it
    suggestions: tuple[str, ...] = ()


Quantitative = Comparison | Range | DateTerm
Qualitative = Trend | State | Event | TierWord | FreeText
Expression = Comparison | Range | DateTerm | Trend | State | Event | TierWord | FreeText



def is_quantitative(expression: Expression) -> bool:
    return isinstance(expression, (Comparison, Range, DateTerm))


_KINDS = {Range: "range", DateTerm: "date", Trend: "trend", State: "state", Event: "event",
          TierWord: "tier", FreeText: "text", Phrase: "phrase"}


def kind_of(expression: Expression) -> str:
    """A short English name of the node kind, used in JSON output and counts."""
    if type(expression) is Comparison:
        return "implied" if expression.implied else "comparison"
    return _KINDS[type(expression)]


def format_number(value: Decimal) -> str:
    return format(value, "f")


def format_quantity(quantity: Quantity) -> str:
    unit = quantity.unit
    return f"{format_number(quantity.value)}({unit})" if unit else format_number(quantity.value)


# A period, and the month it ends with; 年 is a whole year, written 2024年.
PERIODS = {"第一季度": 3, "第二季度": 6, "第三季度": 9, "第四季度": 12, "上半年": 6, "下半年": 12,
           "年": 12}


def format_date(point: DatePoint) -> str:
    text = f"{point.year}年" if point.year is not None else ""
    if point.part in PERIODS:
        return text if point.part == "年" else text + point.part
    text += f"{point.month}月"
    if point.day is not None:
        text += f"{point.day}日"
    return text + point.part


def format_expression(expression: Expression) -> str:
    """Canonical text of an AST; parsing it again gives an equal AST."""
    match expression:
        case Comparison(operator=op, quantity=q, implied=True):
            return format_quantity(q)
        case Comparison(operator=op, quantity=q):
            return f"{op.value}{format_quantity(q)}"
        case Range(low=low, high=high):
            return f"{format_quantity(low)}~{format_quantity(high)}"
        case DateTerm(date=d, before=before, event=event):
            return format_date(d) + ("前" if before else "") + event
        case Trend(degree_word=dw, direction_word=rw, object=obj):
            return dw + rw + obj
        case State(word=w, qualifier=q, negation=n, written=written):
            return written or n + q + w
        case Event(verb=v, manner=m, negation=n):
            return n + m + v
        case TierWord(word=w):
            return w
        case FreeText(text=t):
            return t
        case Phrase(text=t):
            return t
    raise TypeError(f"not an expression: {expression!r}")
