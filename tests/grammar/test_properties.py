"""Properties of Lexicon.read: total on any text, offsets inside the text, and round-trips of
generated ASTs through format_expression."""

from __future__ import annotations

import calendar
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parent.parent.parent
if str(REPO) not in sys.path:  # plain `pytest` as well as `python -m pytest` from the checkout
    sys.path.insert(0, str(REPO))

from evaluator.expression import (PERIODS, Comparison, DatePoint, DateTerm, Event,  # noqa: E402
                                  FreeText, Operator, Quantity, Range, State, TierWord, Trend,
                                  format_expression)
from evaluator.parser import ExpressionError, normalize  # noqa: E402
from evaluator.rules import load_rules  # noqa: E402
from evaluator.vocabulary import Lexicon  # noqa: E402

_loaded, _problems = load_rules()
assert not _problems, _problems
VOCABULARY = _loaded.rules.vocabulary
LEXICON = Lexicon(VOCABULARY)  # hypothesis reruns a test many times: one lexicon per module

NODES = (Comparison, Range, DateTerm, Trend, State, Event, TierWord, FreeText)
# A generous per-call bound: not a speed target, a guard against a regex or parser that hangs
# (catastrophic backtracking) on some input.
HANG = timedelta(seconds=5)
FAST = settings(max_examples=300, deadline=HANG, suppress_health_check=[HealthCheck.too_slow])

# Characters the language is made of, to reach deep into the grammar more often than st.text().
NOTATION = list("0123456789.,%‰~-–—～〜至到年月日底末初前之以上下内及≥≤≧≦⩾⩽>=<＞＝＜（）()$\\{}"
                "０１２３４５６７８９％ 　\t\n次人万亿千元/·*个场篇")
WORDS = ["geq", "leq", "text", "mathrm", "不低于", "不超过", "控制在", "达到", "显著", "逐渐", "提升",
         "减少", "持平", "规范", "基本", "不", "未", "按时", "完成", "延期", "达成", "部分达成", "2024",
         "12", "31", "3.00", "1,000"]
notation_text = st.lists(st.one_of(st.sampled_from(NOTATION), st.sampled_from(WORDS)),
                         max_size=12).map("".join)
any_text = st.one_of(
    st.text(st.characters(), max_size=40),  # everything but surrogates: CJK, control, format …
    st.text(st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Lo"]), max_size=20),
    st.text(st.characters(min_codepoint=0x3000, max_codepoint=0x9FFF), max_size=20),
    notation_text,
)


def _check_total(text: str) -> None:
    result = LEXICON.read(text)
    assert isinstance(result, NODES + (ExpressionError,)), (text, result)
    if isinstance(result, ExpressionError):
        assert result.code.startswith("expression."), result
        assert 0 <= result.offset <= len(text), (text, result)
        assert result.length >= 1, result
        if result.code in ("expression.unexpected", "expression.unexpected_character"):
            # points at what was typed (normalized one character for one), never at a blank
            assert result.offset < len(text), (text, result)
            assert normalize(text)[result.offset] not in " \t\r\n\f", (text, result)
            # quoted as typed: ３，００ is not shown as 3,00
            assert text[result.offset:result.offset + result.length] in result.message


@FAST
@given(any_text)
def test_read_is_total_on_any_text(text):
    _check_total(text)


@FAST
@given(st.text(st.characters(), max_size=6), notation_text, st.text(st.characters(), max_size=6))
def test_read_is_total_with_noise_around_notation(prefix, middle, suffix):
    _check_total(prefix + middle + suffix)


@settings(max_examples=20, deadline=HANG,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.large_base_example])
@given(st.one_of(
    st.randoms(use_true_random=False).map(
        lambda r: "".join(r.choice(NOTATION + WORDS) for _ in range(10_000))[:10_000]),
    st.text(st.characters(), min_size=1, max_size=30).map(
        lambda s: (s * (10_000 // len(s) + 1))[:10_000]),
    st.sampled_from(["3" * 10_000, "≥" + "3" * 9_999, "3" + "次" * 9_999, "提" * 10_000,
                     " " * 10_000, "1,000" * 2_000]),
))
def test_read_is_total_on_10000_characters(text):
    assert len(text) == 10_000
    _check_total(text)


# ---- round-trips ---------------------------------------------------------------------------------

UNITS = ["", "次", "人", "%", "万人次", "元/人·月", "个", "场", "篇", "人次", "‰", "元/人", "次/周"]


@st.composite
def decimals(draw) -> Decimal:
    places = draw(st.integers(0, 2))
    return Decimal(draw(st.integers(0, 10**7 * 10**places))).scaleb(-places)


@st.composite
def quantities(draw, unit=None) -> Quantity:
    return Quantity(draw(decimals()), draw(st.sampled_from(UNITS)) if unit is None else unit)


@st.composite
def comparisons(draw) -> Comparison:
    quantity = draw(quantities())
    if draw(st.booleans()):
        return Comparison(Operator.GE, quantity, implied=True)
    return Comparison(draw(st.sampled_from(list(Operator))), quantity)


@st.composite
def ranges(draw) -> Range:
    unit = draw(st.sampled_from(UNITS))
    low, high = sorted((draw(decimals()), draw(decimals())))
    return Range(Quantity(low, unit), Quantity(high, unit))


OBJECTS = ["", "上海国际形象", "奖项影响力和知晓度", "社会知晓度", "市民环保理念", "服务质量"]
DIRECTIONS = {**{w: 1 for w in VOCABULARY.increase}, **{w: -1 for w in VOCABULARY.decrease}}


@st.composite
def trends(draw) -> Trend:
    direction_word = draw(st.sampled_from(sorted(DIRECTIONS)))
    how = draw(st.sampled_from(["none", "degree", "negation"]))
    if how == "degree":
        degree_word = draw(st.sampled_from(sorted(VOCABULARY.degrees)))
        degree = VOCABULARY.degrees[degree_word]
    elif how == "negation":
        degree_word, degree = draw(st.sampled_from(sorted(VOCABULARY.negations))), 0
    else:
        degree_word, degree = "", VOCABULARY.default_degree
    return Trend(degree_word, degree, direction_word, DIRECTIONS[direction_word],
                 draw(st.sampled_from(OBJECTS)))


@st.composite
def dates(draw) -> DateTerm:
    """Every written form of a date: a day, a part of a month, a period, a whole year."""
    year = draw(st.one_of(st.none(), st.integers(1900, 2099)))
    before, event = draw(st.booleans()), draw(st.sampled_from(["", "完成"]))
    form = draw(st.sampled_from(["day", "part", "month", "period", "year"]))
    if form == "year":  # 2024年前 may mean before 2024 began: not a date
        return DateTerm(DatePoint(year or 2024, 12, None, "年"), False, event)
    if form == "period":
        part = draw(st.sampled_from(sorted(set(PERIODS) - {"年"})))
        return DateTerm(DatePoint(year, PERIODS[part], None, part), before, event)
    month = draw(st.integers(1, 12))
    if form == "day":
        day = draw(st.integers(1, calendar.monthrange(year or 2024, month)[1]))
        return DateTerm(DatePoint(year, month, day), before, event)
    if form == "part":
        part = draw(st.sampled_from(["初", "上旬", "中旬", "下旬", "底", "末"]))
        return DateTerm(DatePoint(year, month, None, part), before, event)
    # 12月 alone is a quantity of months, unless 前 follows
    return DateTerm(DatePoint(year, month), before or year is None, event)


def _round_trip(ast) -> None:
    text = format_expression(ast)
    again = LEXICON.read(text)
    assert again == ast, (ast, text, again)
    assert type(again) is type(ast)
    if isinstance(ast, Comparison):
        # precision survives, not just the value
        assert str(again.quantity.value) == str(ast.quantity.value)
        assert again.implied == ast.implied
    if isinstance(ast, Range):
        assert (str(again.low.value), str(again.high.value)) == (str(ast.low.value),
                                                                 str(ast.high.value))


@FAST
@given(comparisons())
def test_comparison_round_trips(ast):
    _round_trip(ast)


@FAST
@given(ranges())
def test_range_round_trips(ast):
    _round_trip(ast)


@FAST
@given(trends())
def test_trend_round_trips(ast):
    _round_trip(ast)


@FAST
@given(dates())
def test_date_round_trips(ast):
    _round_trip(ast)


@pytest.mark.parametrize("ast", [
    Comparison(Operator.GE, Quantity(Decimal("10000000.00"), "万人次")),
    Comparison(Operator.EQ, Quantity(Decimal("0.00"), "次")),
    Comparison(Operator.GE, Quantity(Decimal("0"), ""), implied=True),
    Range(Quantity(Decimal("0.5"), "‰"), Quantity(Decimal("0.5"), "‰")),
    Trend("持平", 0, "", 0),
    Trend("", 1, "节约", -1),
], ids=repr)
def test_round_trip_edges(ast):
    _round_trip(ast)


@pytest.mark.parametrize("text, number", [("-\r0", "0"), ("-\t5%", "-5"), ("- 5%", "-5"),
                                          ("−\u30005次", "-5"), ("≥-\r\n3次", "-3")])
def test_a_sign_apart_from_its_digits_by_any_white_space_is_read(text, number):
    # found by hypothesis in CI: "-\r0" matched the number terminal, then failed to convert
    result = LEXICON.read(text)
    assert isinstance(result, Comparison), (text, result)
    assert result.quantity.value == Decimal(number)
