"""The shortcuts a province's run takes must say exactly what the slow, general path says.

- A row of actuals.yaml that is all text is read without pydantic (``text_actual``): whenever
  it takes that path, ``ActualSpec`` accepts the same row and reads the same values.
- A target is compiled once and its scorer reused for every row (``compile_target``), and a
  qualitative scorer remembers the tier it judged for each actual: the outcome of a row must
  not depend on which rows were scored before it.
- An outcome's trace is written when first read, and is the same text whenever it is read.
- A row whose 分值 and 得分 are plainly written is read without pydantic (``plain_actual``),
  as ``ActualSpec`` reads it.
- A project's header that is plainly valid is read without a model (``plain_project``,
  ``plain_project_actuals``), and so is each file's header (``plain_goals_header``,
  ``plain_actuals_header``): whenever it takes that path, the model accepts the same data
  and reads the same values, to the last digit of every amount.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from evaluator import actuals as actuals_module
from evaluator.memo import Memo
from evaluator import goals as goals_module
from evaluator.actuals import (ActualSpec, ActualsSpec, PlainActual, ProjectActualsSpec,
                               TextActual, plain_actual, plain_row, text_actual)
from evaluator.goals import GoalsSpec, ProjectSpec
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


def _accepted(model, data):
    """What the model reads of data a shortcut read: it must accept it."""
    try:
        return model.model_validate(data)
    except ValidationError as problem:  # pragma: no cover - the property failing
        raise AssertionError(f"read by a shortcut, refused by the model: {data!r}") from problem


_numbered_rows = st.fixed_dictionaries(  # rows with a 分值 or 得分, as plain or not as they come
    {"actual": st.one_of(st.text(max_size=4), _values)},
    optional={"weight": st.one_of(st.integers(0, 120).map(str), st.sampled_from(
        ["0.00", "5.5", "99.99", "100.00", "16.67", "007", "100.01", "3.333", "-0", " 5", "1e1",
         "١٢", "5.", ".5", ""]), _values),
        "score": st.one_of(st.integers(0, 100).map(str), _values),
        "reason": st.one_of(st.none(), st.text(max_size=4), _values),
        "measures": st.text(max_size=4), "note": st.text(max_size=2)})


@BOUNDED
@given(st.one_of(st.dictionaries(_keys, _values, max_size=6), _text_rows, _numbered_rows))
def test_a_text_or_plain_row_is_what_the_model_reads(entry):
    # the run's reader (plain_row) gives what the two give, of the same kind
    either = text_actual(entry) or plain_actual(entry)
    row = plain_row(entry)
    assert type(row) is type(either) and row == either
    for reader, kind in ((text_actual, TextActual), (plain_actual, PlainActual)):
        plain = reader(entry)
        if plain is None:
            continue
        assert isinstance(plain, kind)
        spec = _accepted(ActualSpec, entry)
        for field in ("actual", "weight", "score", "reason", "measures", "evidence"):
            # repr: 5 and 5.00 differ
            assert repr(getattr(plain, field)) == repr(getattr(spec, field)), field


def test_a_row_with_a_plain_weight_is_read_without_the_model():
    row = plain_actual({"actual": "3次", "weight": "5", "score": "4.5", "reason": "天气"})
    assert row == ("3次", Decimal("5.00"), Decimal("4.50"), "天气", None, None)
    assert str(row.weight) == "5.00"
    for doubtful in ({"actual": "3次", "weight": "-0"}, {"actual": "3次", "weight": "100.01"},
                     {"actual": "3次", "weight": "3.333"}, {"actual": "3次", "score": "1,0"},
                     {"actual": 3, "weight": "5"}, {"actual": "3次", "weight": "5", "x": "1"}):
        assert plain_actual(doubtful) is None, doubtful


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


def test_targets_in_one_unit_share_what_they_learn_and_still_score_as_if_alone(default_rules):
    """Targets written in one unit share how each actual's unit converts, and every weight's
    rounding (through the run's memo): what one target learnt must give another target's rows
    the score a target compiled alone, with a memo of its own, gives them."""
    rules, lexicon = default_rules
    targets = ["≥3.00(万人次)", "≥20000(人次)", "≤5(万人次)", "80%-90%", "≥90%", "=100(%)", "≥3(次)"]
    actuals = ["3万人次", "25000人次", "2.5万次", "95%", "0.9", "9‰", "3次", "3千人次", "3", "0.95"]
    weights = ["3.75", "10.00", "2.5", "-0", "0"]
    memo = Memo()
    scorers = [compile_target(lexicon.read(t), rules, year=2024, memo=memo) for t in targets]
    shared = [(t, a, w, scorer(lexicon.read(a), Decimal(w)))
              for w in weights for a in actuals for t, scorer in zip(targets, scorers)]
    assert memo.unit_factors and memo.rounded  # they were shared
    for target_text, actual_text, weight, outcome in shared:
        alone = score_row(lexicon.read(target_text), lexicon.read(actual_text), Decimal(weight),
                          rules, year=2024)
        assert (str(outcome.score), outcome.flags, outcome.findings, outcome.trace) == (
            str(alone.score), alone.flags, alone.findings, alone.trace), (target_text, actual_text)
    assert str(shared[0][3].score) == "3.75"  # 3万人次 against ≥3.00(万人次): met


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


# Headers that are valid, and then perhaps one field made doubtful: plain or not, the fast
# reader must never read what the model would not, or read it otherwise.
_AMOUNTS = st.one_of(st.integers(0, 10 ** 14).map(str), st.sampled_from(
    ["0", "0.00", "12423100.00", "00012", "999999999999999.99", "0.5", "100.00", "3.333"]))
_POINTS = st.one_of(st.none(), st.integers(0, 100).map(str), st.sampled_from(
    ["0.00", "99.99", "100.00", "16.67", "5.1", "007"]))
_DOUBTFUL = st.one_of(
    st.none(), st.text(max_size=5), st.integers(-5, 10 ** 16).map(str),
    st.sampled_from(["-0", "-5", "1,000.00", " 5", "5 ", "1e5", "5.", ".5", "inf", "NaN",
                     "1000000000000000", "100.001", "3.333", "101", "١٢", "", " ", "某单位",
                     "2024-02-29", "2023-02-29", "2024-13-01", "2024-1-1", "20240101",
                     "2024-01-01T00:00:00", "1700000000", " 2024-01-01", "２０２４-01-01"]),
    st.integers(0, 3), st.lists(st.none(), max_size=1),
    st.dictionaries(st.text(max_size=2), st.none(), max_size=1))
_TEXTS = st.one_of(st.none(), st.text(max_size=4), st.sampled_from(["某单位", " "]))
_DATES = st.one_of(st.none(), st.sampled_from(["2024-01-01", "2024-12-31", "2024-02-29"]))
_ROWS = st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2)


def _doubted(valid, fields):
    """A valid entry, perhaps with one field (or one key of a part) replaced or added."""
    change = st.one_of(st.none(), st.tuples(st.sampled_from(fields), _DOUBTFUL))

    def apply(pair):
        entry, doubt = pair
        if doubt is None:
            return entry
        path, value = doubt
        entry = {key: dict(item) if type(item) is dict else item for key, item in entry.items()}
        *parts, last = path.split(".")
        target = entry[parts[0]] if parts and type(entry.get(parts[0])) is dict else entry
        target[last] = value
        return entry

    return st.tuples(valid, change).map(apply)


_PROJECTS = _doubted(st.fixed_dictionaries(
    {"name": st.text(min_size=1, max_size=4),
     "funds": st.fixed_dictionaries({"total": _AMOUNTS}, optional={
         "fiscal": _AMOUNTS, "carryover": _AMOUNTS, "other": _AMOUNTS}),
     "indicators": _ROWS},
    optional={"code": _TEXTS, "nature": _TEXTS, "category": _TEXTS, "department": _TEXTS,
              "unit": _TEXTS, "start": _DATES, "end": _DATES, "goal": _TEXTS}),
    ["name", "code", "unit", "start", "end", "goal", "funds", "indicators", "remark",
     "funds.total", "funds.fiscal", "funds.other", "funds.extra"])
_SOURCE = st.one_of(st.none(), st.fixed_dictionaries(
    {}, optional={"adjusted": _AMOUNTS, "executed": st.one_of(_AMOUNTS, _DOUBTFUL)}))
_PROJECT_ACTUALS = _doubted(st.fixed_dictionaries(
    {"budget": st.fixed_dictionaries({"adjusted": _AMOUNTS, "executed": _AMOUNTS}, optional={
        "initial": _AMOUNTS, "score": _POINTS, "fiscal": _SOURCE, "other": _SOURCE})},
    optional={"summary": _TEXTS, "total": _POINTS, "indicators": _ROWS}),
    ["budget", "summary", "total", "indicators", "remark", "budget.adjusted",
     "budget.executed", "budget.initial", "budget.score", "budget.extra", "budget.fiscal",
     "budget.carryover"])


_READERS = {"project": (goals_module.plain_project, ProjectSpec, goals_module._header_of),
            "entry": (actuals_module.plain_project_actuals, ProjectActualsSpec,
                      actuals_module._header_of)}


def _read_as_the_model_reads(kind, data):
    reader, model, header = _READERS[kind]
    plain = reader(data)
    if plain is None:
        return
    spec = _accepted(model, data)
    assert repr(plain) == repr(header(spec)), data  # repr: 5 and 5.00 differ


@settings(max_examples=400, deadline=None)
@given(_PROJECTS)
def test_a_plain_project_is_what_the_model_reads(data):
    _read_as_the_model_reads("project", data)


@settings(max_examples=400, deadline=None)
@given(_PROJECT_ACTUALS)
def test_a_plain_project_entry_is_what_the_model_reads(data):
    _read_as_the_model_reads("entry", data)


_DOUBTS = ["-0", "-5", "1,000.00", " 5", "5 ", "1e5", "5.", ".5", "inf", "NaN", "0", "100",
           "1000000000000000", "999999999999999.99", "100.001", "100.01", "3.333", "101",
           "١٢", "", " ", "2024-02-29", "2023-02-29", "2024-1-1", "2024-01-01T00:00:00",
           "1700000000", None, 3, [], {}, "甲\ud800", "\udcff"]  # lone surrogates: "\ud800" in YAML
_PROJECT = {"name": "项目", "code": "A1", "start": "2024-01-01", "end": "2024-12-31",
            "funds": {"total": "100.00", "fiscal": "50", "carryover": "0", "other": "0.00"},
            "goal": "目标", "indicators": {"产出指标": {}}}
_ENTRY = {"budget": {"initial": "100", "adjusted": "100.00", "executed": "98.5", "score": "9.85",
                    "fiscal": {"adjusted": "60", "executed": "58.50"}},
          "summary": "完成", "total": "90.00", "indicators": {"指标": "3次"}}


def _each_doubt(entry):
    for path in [k for k in entry] + [f"{k}.{f}" for k, v in entry.items() if type(v) is dict
                                      for f in v] + ["remark"]:
        for value in _DOUBTS:
            changed = {k: dict(v) if type(v) is dict else v for k, v in entry.items()}
            *parts, last = path.split(".")
            (changed[parts[0]] if parts else changed)[last] = value
            yield changed


@pytest.mark.parametrize("kind, entry", [("project", _PROJECT), ("entry", _ENTRY)])
def test_each_doubtful_field_is_read_as_the_model_reads_it(kind, entry):
    assert _READERS[kind][0](entry) is not None
    for changed in _each_doubt(entry):
        _read_as_the_model_reads(kind, changed)


_GOALS_HEADER = {"year": "2024", "department": "某委", "unit": "某中心", "funds_unit": "元",
                 "projects": [{"name": "项目"}]}
_ACTUALS_HEADER = {"year": "2024", "projects": {"项目": {}}}
_HEADER_DOUBTS = _DOUBTS + ["1989", "1990", "2100", "2101", "０２４", "２０２４", " 2024", "万元",
                            "千元", [{}], {"项目": {}}, {3: {}}]


@pytest.mark.parametrize("reader, model, header", [
    (goals_module.plain_goals_header, GoalsSpec, _GOALS_HEADER),
    (actuals_module.plain_actuals_header, ActualsSpec, _ACTUALS_HEADER)])
def test_a_plain_file_header_is_what_the_model_reads(reader, model, header):
    assert reader(header) is not None
    changes = [{**header, key: value} for key in [*header, "remark"] for value in _HEADER_DOUBTS]
    changes += [{k: v for k, v in header.items() if k != key} for key in header]
    for data in changes:
        plain = reader(data)
        if plain is None:
            continue
        spec = _accepted(model, data)
        assert repr(plain._asdict()) == repr({k: getattr(spec, k) for k in plain._fields}), data


def test_the_shortcuts_know_every_key_the_models_know():
    from evaluator import specs

    assert goals_module._PROJECT_KEYS == set(specs.ProjectSpec.model_fields)
    assert goals_module._FUNDS_KEYS == set(specs.FundsSpec.model_fields)
    assert goals_module._HEADER_KEYS == set(specs.GoalsSpec.model_fields)
    assert set(goals_module.GoalsHeader._fields) == set(specs.GoalsSpec.model_fields)
    assert actuals_module._PROJECT_KEYS == set(specs.ProjectActualsSpec.model_fields)
    assert actuals_module._BUDGET_KEYS == set(specs.BudgetSpec.model_fields)
    assert actuals_module._SOURCE_KEYS == set(specs.SourceSpec.model_fields)
    assert actuals_module._HEADER_KEYS == set(specs.ActualsSpec.model_fields)
    assert set(actuals_module.ActualsFileHeader._fields) == set(specs.ActualsSpec.model_fields)
    assert actuals_module._PLAIN_KEYS == set(specs.ActualSpec.model_fields)


def test_the_shipped_example_is_read_without_a_model():
    """The fast path is the common one: every project of a clean unit takes it."""
    from pathlib import Path

    from evaluator.source import load_document
    root = Path(__file__).resolve().parent.parent / "examples" / "shanghai-wcd-2024"
    goals, _ = load_document(root / "goals.yaml")
    entries, _ = load_document(root / "actuals.yaml")
    assert all(goals_module.plain_project(p) for p in goals.data["projects"])
    assert all(actuals_module.plain_project_actuals(p) for p in entries.data["projects"].values())
    assert goals_module.plain_goals_header(goals.data) is not None
    assert actuals_module.plain_actuals_header(entries.data) is not None
    assert all(type(row) is not dict or actuals_module.text_actual(row) or plain_actual(row)
               for p in entries.data["projects"].values() for row in p["indicators"].values())


def test_an_amount_too_large_is_told_as_the_number_it_must_stay_below():
    from evaluator.models import validate_part  # noqa: F401 - the model's own message
    from evaluator.source import parse_bytes
    document, _ = parse_bytes("goals.yaml", "projects:\n  - funds: {total: 1000000000000000}\n"
                              .encode())
    _spec, problems = validate_part(goals_module.FundsSpec, document.data["projects"][0]["funds"],
                                    document, ("projects", 0, "funds"))
    assert [p.message for p in problems] == ["“total（年度资金申请总额）”不能大于 1000000000000000"]
