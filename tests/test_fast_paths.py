"""The shortcuts a province's run takes must say exactly what the slow, general path says.

- A row of actuals.yaml that is all text is read without pydantic (``text_actual``): whenever
  it takes that path, ``ActualSpec`` accepts the same row and reads the same values.
- A target is compiled once and its scorer reused for every row (``compile_target``), and a
  qualitative scorer remembers the tier it judged for each actual: the outcome of a row must
  not depend on which rows were scored before it.
- An outcome's trace is written when first read, and is the same text whenever it is read.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from evaluator.actuals import ActualSpec, TextActual, text_actual
from evaluator.scoring import compile_target, score_row

BOUNDED = settings(max_examples=300, deadline=None)

_values = st.one_of(st.none(), st.text(max_size=8), st.sampled_from(["1.5", "0", "100", "达成"]),
                    st.lists(st.text(max_size=3), max_size=2),
                    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2))
_keys = st.sampled_from(["actual", "reason", "measures", "evidence", "weight", "score", "note",
                         "Actual", ""])


_text_rows = st.fixed_dictionaries(  # mostly rows of text, now and then with something else
    {"actual": st.one_of(st.text(max_size=8), _values)},
    optional={"reason": st.one_of(st.none(), st.text(max_size=8), _values),
              "measures": st.text(max_size=4), "evidence": st.one_of(st.none(), _values),
              "score": _values, "note": st.text(max_size=2)})


@BOUNDED
@given(st.one_of(st.dictionaries(_keys, _values, max_size=6), _text_rows))
def test_a_text_row_is_what_the_model_reads(entry):
    plain = text_actual(entry)
    if plain is None:
        return
    assert isinstance(plain, TextActual)
    try:
        spec = ActualSpec.model_validate(entry)
    except ValidationError as problem:  # pragma: no cover - the property failing
        raise AssertionError(f"read as text, refused by the model: {entry!r}") from problem
    for field in ("actual", "weight", "score", "reason", "measures", "evidence"):
        assert getattr(plain, field) == getattr(spec, field), field


def test_rows_with_numbers_are_left_to_the_model():
    assert text_actual({"actual": "3次", "weight": "5"}) is None
    assert text_actual({"actual": "3次", "score": "4.5"}) is None
    assert text_actual({"actual": "3次", "reason": 3}) is None  # not text: the model says so
    assert text_actual({"reason": "未完成"}) is None  # no actual: the model reports it missing
    row = text_actual({"actual": "3次", "reason": "天气", "measures": None})
    assert (row.actual, row.reason, row.measures, row.evidence) == ("3次", "天气", None, None)


_ACTUALS = ["达成", "部分达成", "未达成", "规范", "基本规范", "不规范", "逐渐提升", "显著提升", "持平",
            "按时完成", "延期完成", "未完成", "3次", "3.0次", "98%", "98.00%", "2024年11月30日",
            "达程", "0次", "5人", "0.9", "3万次", "60人", "≥4次"]
_TARGETS = ["规范", "显著提升", "按时完成", "有利于宣传推广《上海手册》", "≥3.00(次)", "=100.00(%)",
            "2024年12月底前", "80%-90%", "≤50.00(人)", "=0.00(次)", ">0", "≥90%", ">3次"]
# equal weights written apart, and zeros whose sign a remembered rounding must not lose
_WEIGHTS = ["3.75", "3.750", "10.00", "0.50", "0", "0.00", "-0"]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(_TARGETS), st.lists(st.tuples(st.sampled_from(_ACTUALS),
                                                   st.sampled_from(_WEIGHTS)),
                                         min_size=1, max_size=12))
def test_a_compiled_target_scores_each_row_as_if_alone(default_rules, target_text, rows):
    rules, lexicon = default_rules
    target = lexicon.read(target_text)
    scorer = compile_target(target, rules, year=2024)
    for actual_text, weight_text in rows:
        actual, weight = lexicon.read(actual_text), Decimal(weight_text)
        reused = scorer(actual, weight)
        alone = score_row(target, actual, weight, rules, year=2024)
        assert (str(reused.score), reused.tier, reused.flags, reused.findings,
                reused.trace) == (str(alone.score), alone.tier, alone.flags, alone.findings,
                                  alone.trace)


def test_what_a_target_remembers_of_a_weight_keeps_the_weight_as_written(default_rules):
    """A scorer rounds each weight once; 3.750 is 3.75, but -0 rounds to -0.00, not to the
    0.00 a zero weight before it gave."""
    rules, lexicon = default_rules
    for target_text, actual_text in (("≥3.00(次)", "3次"), ("规范", "规范")):
        scorer = compile_target(lexicon.read(target_text), rules, year=2024)
        actual = lexicon.read(actual_text)
        scored = [str(scorer(actual, Decimal(w)).score) for w in ("0", "-0", "3.750", "3.75")]
        assert scored == ["0.00", "-0.00", "3.75", "3.75"]


def test_a_number_against_a_word_is_quoted_as_written(default_rules):
    """95% and 95.00% are equal numbers, but each row's message quotes its own."""
    rules, lexicon = default_rules
    scorer = compile_target(lexicon.read("规范"), rules, year=2024)
    first = scorer(lexicon.read("95%"), Decimal("5.00"))
    second = scorer(lexicon.read("95.00%"), Decimal("5.00"))
    assert "“95(%)”" in first.findings[0].message
    assert "“95.00(%)”" in second.findings[0].message


def test_a_trace_is_written_once_and_kept(default_rules):
    rules, lexicon = default_rules
    outcome = score_row(lexicon.read("显著提升"), lexicon.read("逐渐提升"), Decimal("3.75"), rules,
                        year=2024)
    first = outcome.trace
    assert first == ("完成值“逐渐提升”的程度低于指标值“显著提升”：部分达成年度指标并具有一定效果，"
                     "3.75 × 70% = 2.63")
    assert outcome.trace is first


def test_points_are_read_to_the_cent():
    """14 and 14.00 are one figure, printed alike (a remembered allocation or row text keyed
    on it cannot then print another row's spelling); -0 is 0."""
    for written, read in (("14", "14.00"), ("14.0", "14.00"), ("-0", "0.00"), ("-0.00", "0.00"),
                          ("3.333", None)):
        try:
            spec = ActualSpec.model_validate({"actual": "达成", "weight": written})
        except ValidationError:
            assert read is None, written
            continue
        assert str(spec.weight) == read, written
