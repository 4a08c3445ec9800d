"""The indicator language, case by case: tests/grammar/cases.yaml and seed_targets.yaml.

Each case gives an input and what Lexicon.read must make of it (see the header of cases.yaml for
the fields). Values are strings, compared both as Decimal and as text, because the precision a
user wrote (3.00) is shown back to them.
"""

from __future__ import annotations

import dataclasses
import sys
from collections import Counter
from decimal import Decimal
from enum import Enum
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
if str(REPO) not in sys.path:  # plain `pytest` as well as `python -m pytest` from the checkout
    sys.path.insert(0, str(REPO))

from evaluator.expression import (Comparison, DateTerm, Event, FreeText, Range,  # noqa: E402
                                  State, TierWord, Trend, format_expression, kind_of)
from evaluator.parser import ExpressionError  # noqa: E402
from evaluator.rules import load_rules  # noqa: E402
from evaluator.vocabulary import Lexicon  # noqa: E402


def _load(name: str) -> dict:
    with open(HERE / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


CASE_TABLE = _load("cases.yaml")
CASES = CASE_TABLE["cases"]
KNOWN_WRONG = CASE_TABLE.get("known_wrong") or []
SEEDS = _load("seed_targets.yaml")["targets"]

KINDS = {"comparison", "implied", "range", "date", "trend", "state", "event", "tier", "text", "error"}

# The distinct targets of examples/shanghai-wcd-2024/goals.yaml by kind, and the indicators
# carrying them (237 in all). Also in the report for the docs.
SEED_KINDS = {"comparison": 57, "trend": 13, "state": 10, "event": 5, "text": 4}
SEED_INDICATORS = {"comparison": 121, "trend": 48, "state": 49, "event": 15, "text": 4}


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    loaded, problems = load_rules()
    assert not problems, problems
    assert loaded.rules is not None
    return Lexicon(loaded.rules.vocabulary)


# ---- checking one case ---------------------------------------------------------------------------

_REQUIRED = object()


def _decimal(actual: Decimal, expected: str, what: str, problems: list[str]) -> None:
    if not isinstance(actual, Decimal):
        problems.append(f"{what}: {actual!r} is not a Decimal")
    elif actual != Decimal(expected) or str(actual) != expected:
        problems.append(f"{what}: expected {expected}, got {actual}")


def _fields(case: dict, node, spec: dict, problems: list[str]) -> None:
    """Compare node attributes with the case; a field absent from the case must hold its default
    (fields marked _REQUIRED are checked only when the case gives them)."""
    for name, default in spec.items():
        if name in case:
            expected = case[name]
        elif default is _REQUIRED:
            continue
        else:
            expected = default
        actual = getattr(node, name)
        if isinstance(actual, Enum):
            actual = actual.value
        if actual != expected:
            problems.append(f"{name}: expected {expected!r}, got {actual!r}")


def check(case: dict, result) -> list[str]:
    """What differs between a case and Lexicon.read's result (empty when they agree)."""
    kind = case["kind"]
    actual_kind = "error" if isinstance(result, ExpressionError) else kind_of(result)
    if actual_kind != kind:
        return [f"kind: expected {kind}, got {actual_kind}: {result!r}"]
    problems: list[str] = []
    match result:
        case ExpressionError():
            _fields(case, result, {"code": _REQUIRED, "offset": _REQUIRED, "length": _REQUIRED},
                    problems)
        case Comparison(quantity=quantity):
            _fields(case, result, {"operator": _REQUIRED, "word": _REQUIRED, "subject": ""},
                    problems)
            if result.implied != case.get("implied", kind == "implied"):
                problems.append(f"implied: got {result.implied}")
            if "value" in case:
                _decimal(quantity.value, case["value"], "value", problems)
            if quantity.unit != case.get("unit", ""):
                problems.append(f"unit: expected {case.get('unit', '')!r}, got {quantity.unit!r}")
            if "scaled" in case:
                value, unit = quantity.scaled()
                expected_value, expected_unit = case["scaled"]
                if value != Decimal(expected_value) or unit != expected_unit:
                    problems.append(f"scaled: expected {case['scaled']}, got ({value}, {unit!r})")
        case Range(low=low, high=high):
            _fields(case, result, {"subject": ""}, problems)
            for end, quantity in (("low", low), ("high", high)):
                if end in case:
                    _decimal(quantity.value, case[end], end, problems)
                unit = case.get(f"{end}_unit", case.get("unit", ""))
                if quantity.unit != unit:
                    problems.append(f"{end} unit: expected {unit!r}, got {quantity.unit!r}")
        case DateTerm(date=point):
            _fields(case, point, {"year": None, "month": _REQUIRED, "day": None, "part": ""},
                    problems)
            _fields(case, result, {"before": False, "event": "", "subject": ""}, problems)
        case Trend():
            _fields(case, result, {"degree": _REQUIRED, "direction": _REQUIRED,
                                   "degree_word": _REQUIRED, "direction_word": _REQUIRED,
                                   "object": ""}, problems)
        case State():
            _fields(case, result, {"word": _REQUIRED, "qualifier": "", "negation": ""}, problems)
        case Event():
            _fields(case, result, {"verb": _REQUIRED, "manner": "", "negation": "",
                                   "partial": False}, problems)
        case TierWord():
            _fields(case, result, {"word": _REQUIRED, "tier": _REQUIRED}, problems)
        case FreeText():
            _fields(case, result, {"text": case["input"].strip(), "unknown": ""}, problems)
            for word in case.get("suggestions_contains", ()):
                if word not in result.suggestions:
                    problems.append(f"suggestions: {word!r} not in {result.suggestions!r}")
            if not result.unknown and result.suggestions:
                problems.append(f"suggestions without an unknown word: {result.suggestions!r}")
    return problems


def _param(case: dict, xfail_reason: str | None = None):
    marks = [pytest.mark.xfail(strict=True, reason=xfail_reason)] if xfail_reason else []
    return pytest.param(case, id=case["id"], marks=marks)


# ---- the tables themselves ---------------------------------------------------------------------

def test_tables_are_well_formed():
    ids = [case["id"] for case in CASES + KNOWN_WRONG + SEEDS]
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"
    assert len(CASES) >= 220, len(CASES)
    inputs = [case["input"] for case in CASES]
    assert len(set(inputs)) == len(inputs), [i for i, n in Counter(inputs).items() if n > 1]
    for case in CASES + KNOWN_WRONG + SEEDS:
        assert isinstance(case["input"], str), case["id"]
        assert case["kind"] in KINDS, case["id"]
        for key in ("value", "low", "high"):
            assert key not in case or isinstance(case[key], str), (case["id"], key)
        if case in CASES and case["kind"] == "error":
            assert "code" in case and "offset" in case, case["id"]
    seeds = [case["input"] for case in SEEDS]
    assert len(set(seeds)) == len(seeds) == 89


def test_every_notation_kind_is_covered():
    counts = Counter(case["kind"] for case in CASES)
    assert set(counts) == KINDS, counts


@pytest.mark.parametrize("case", [_param(c) for c in CASES]
                         + [_param(c, c.get("actual", "known wrong")) for c in KNOWN_WRONG])
def test_case(case, lexicon):
    result = lexicon.read(case["input"])
    problems = check(case, result)
    assert not problems, f"{case['input']!r} -> {result!r}: {problems}"
    if isinstance(result, ExpressionError):
        assert 0 <= result.offset <= len(case["input"])


@pytest.mark.parametrize("case", [_param(c, c.get("xfail")) for c in SEEDS])
def test_seed_target(case, lexicon):
    result = lexicon.read(case["input"])
    problems = check(case, result)
    assert not problems, f"{case['input']!r} -> {result!r}: {problems}"


# ---- the AST is plain data ---------------------------------------------------------------------

_LEAVES = (Enum, Decimal, str, int, bool, type(None))


def _walk(value, path: str, problems: list[str]) -> None:
    if type(value).__module__.startswith("lark"):
        problems.append(f"{path}: a lark object {type(value).__name__} survived: {value!r}")
        return
    if isinstance(value, _LEAVES):
        return
    if isinstance(value, tuple):
        for index, item in enumerate(value):
            _walk(item, f"{path}[{index}]", problems)
        return
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if not value.__dataclass_params__.frozen:
            problems.append(f"{path}: {type(value).__name__} is not frozen")
        for field in dataclasses.fields(value):
            _walk(getattr(value, field.name), f"{path}.{field.name}", problems)
        return
    problems.append(f"{path}: unexpected {type(value).__name__}: {value!r}")


def test_no_lark_object_survives_and_every_node_is_plain(lexicon):
    problems: list[str] = []
    for case in CASES + KNOWN_WRONG + SEEDS:
        _walk(lexicon.read(case["input"]), case["id"], problems)
    assert not problems, "\n".join(problems)


def test_walk_catches_lark_objects():
    from lark import Token
    problems: list[str] = []
    _walk(FreeText("x", suggestions=(Token("PHRASE", "x"),)), "probe", problems)
    assert problems and "lark" in problems[0]


# ---- format_expression round-trips -------------------------------------------------------------

def test_format_expression_round_trips(lexicon):
    failures = []
    checked = 0
    for case in CASES + SEEDS:
        ast = lexicon.read(case["input"])
        if isinstance(ast, ExpressionError):
            continue
        text = format_expression(ast)
        again = lexicon.read(text)
        checked += 1
        if again != ast or type(again) is not type(ast):
            failures.append(f"{case['id']}: {case['input']!r} -> {ast!r} -> {text!r} -> {again!r}")
    assert checked >= 200
    assert not failures, "\n".join(failures)


def test_an_opposite_is_quoted_as_written(lexicon):
    """无效 is read as 有效 negated by 无; messages and traces still quote 无效, not 无有效."""
    ast = lexicon.read("无效")
    assert (ast.word, ast.negation) == ("有效", "无")
    assert format_expression(ast) == "无效"
    assert ast == lexicon.read("无有效")  # the same meaning, each quoted as its user wrote it
    assert format_expression(lexicon.read("无有效")) == "无有效"


# ---- the seed unit in numbers ------------------------------------------------------------------

def _snapshot() -> dict[str, tuple[int, int]]:
    """Sizes and times of the files a stray write would most likely touch: this folder, the
    example, and the top of the checkout (not all of it: other work may be editing evaluator/)."""
    paths = [p for p in REPO.iterdir() if p.is_file()]
    for folder in (HERE, REPO / "examples"):
        paths += [p for p in folder.rglob("*")
                  if p.is_file() and not {"__pycache__", ".hypothesis"} & set(p.parts)]
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in paths}


def test_seed_counts_by_kind(lexicon, tmp_path, monkeypatch, capsys):
    before = _snapshot()
    monkeypatch.chdir(tmp_path)
    distinct: Counter[str] = Counter()
    indicators: Counter[str] = Counter()
    for case in SEEDS:
        result = lexicon.read(case["input"])
        kind = "error" if isinstance(result, ExpressionError) else kind_of(result)
        distinct[kind] += 1
        indicators[kind] += case["occurrences"]
    with capsys.disabled():
        print("\nseed targets by kind (distinct / indicators):")
        for kind in sorted(distinct, key=lambda k: (-distinct[k], k)):
            print(f"  {kind:<11} {distinct[kind]:>3} {indicators[kind]:>4}")
        print(f"  {'total':<11} {sum(distinct.values()):>3} {sum(indicators.values()):>4}")
    assert dict(distinct) == SEED_KINDS
    assert dict(indicators) == SEED_INDICATORS
    assert sum(indicators.values()) == 237
    # the counts also follow from the table's own expectations
    assert dict(Counter(case["kind"] for case in SEEDS)) == SEED_KINDS
    assert list(tmp_path.iterdir()) == []
    assert _snapshot() == before
