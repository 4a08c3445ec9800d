"""The scoring rules of DESIGN §4.2–4.4, checked against hand-computed cases (cases.yaml)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from evaluator.scoring import score_budget, score_row
from evaluator.parser import ExpressionError
from evaluator.vocabulary import Lexicon
from tests.scoring import rules_with

TABLE = yaml.safe_load((Path(__file__).parent / "cases.yaml").read_text(encoding="utf-8"))
ROW_CASES: list[dict[str, Any]] = TABLE["cases"]
BUDGET_CASES: list[dict[str, Any]] = TABLE["budget"]


def _params(cases: list[dict[str, Any]]) -> list[Any]:
    params = []
    for case in cases:
        marks = [pytest.mark.xfail(reason=case["xfail"], strict=True)] if "xfail" in case else []
        params.append(pytest.param(case, id=case["id"], marks=marks))
    return params


def test_table_is_well_formed() -> None:
    ids = [c["id"] for c in ROW_CASES + BUDGET_CASES]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    assert len(ROW_CASES) >= 90
    for case in ROW_CASES + BUDGET_CASES:
        assert case.get("why"), f"{case['id']}: the hand computation is missing"
        assert isinstance(case["score"], str) and len(case["score"].split(".")[-1]) == 2, case["id"]
        assert isinstance(case["weight"], str), case["id"]


def _check_findings(case: dict[str, Any], findings) -> None:
    codes = [f.code for f in findings]
    if "findings" in case:
        expected = case["findings"]
        if not expected:
            assert codes == [], f"unexpected findings {codes}"
        for code in expected:
            assert code in codes, f"missing finding {code}; got {codes}"
    for code, severity in case.get("severity", {}).items():
        assert [f.severity for f in findings if f.code == code] == [severity], (code, codes)


def _check_text(case: dict[str, Any], score: Decimal) -> None:
    """The score prints with exactly two decimals (it was rounded to 0.01)."""
    assert str(score) == case["score"]


@pytest.mark.parametrize("case", _params(ROW_CASES))
def test_score_row(case: dict[str, Any]) -> None:
    rules = rules_with(case.get("rules"))
    lexicon = Lexicon(rules.vocabulary)
    target = lexicon.read(case["target"])
    actual = lexicon.read(case["actual"])
    assert not isinstance(target, ExpressionError), target
    assert not isinstance(actual, ExpressionError), actual
    outcome = score_row(target, actual, Decimal(case["weight"]), rules,
                        year=case.get("year", 2024), direction=case.get("direction"))
    expected = case["score"]
    assert outcome.score == Decimal(expected), outcome.trace
    assert 0 <= outcome.score <= Decimal(case["weight"])
    if "tier" in case:
        tier = outcome.tier.value if outcome.tier is not None else None
        assert tier == case["tier"], outcome.trace
    if "flags" in case:
        assert sorted(outcome.flags) == sorted(case["flags"]), outcome.trace
    _check_findings(case, outcome.findings)
    trace = outcome.trace
    assert trace.endswith(case["score"]) or trace.endswith(f"{case['score']} 计") or (
        f"{case['score']}，" in trace), trace  # a trace ends at the score it explains
    if "trace" in case:
        assert trace == case["trace"]
    _check_text(case, outcome.score)


@pytest.mark.parametrize("case", _params(BUDGET_CASES))
def test_score_budget(case: dict[str, Any]) -> None:
    budget = case["budget"]
    rate, outcome = score_budget(Decimal(budget["adjusted"]), Decimal(budget["executed"]),
                                 Decimal(case["weight"]))
    assert outcome.score == Decimal(case["score"]), outcome.trace
    if "rate" in case:
        if case["rate"] is None:
            assert rate is None
        else:
            assert rate is not None
            assert rate.quantize(Decimal("0.0001"), ROUND_HALF_UP) == Decimal(case["rate"])
    if "flags" in case:
        assert sorted(outcome.flags) == sorted(case["flags"]), outcome.trace
    _check_findings(case, outcome.findings)
    _check_text(case, outcome.score)


def test_late_event_against_a_deadline_scores_like_a_late_date() -> None:
    rules = rules_with(None)
    lexicon = Lexicon(rules.vocabulary)
    late = score_row(lexicon.read("2024年10月底前"), lexicon.read("延期完成"), Decimal("5.00"), rules,
                     year=2024)
    dated = score_row(lexicon.read("2024年10月底前"), lexicon.read("2024年11月3日"),
                      Decimal("5.00"), rules, year=2024)
    assert late.score == dated.score == Decimal("0.00")
    partial = rules_with({"quantitative": {"deadline_missed": "partial"}})
    assert score_row(lexicon.read("2024年10月底前"), lexicon.read("延期完成"), Decimal("5.00"),
                     partial, year=2024).score == Decimal("3.50")  # 70%


def test_a_bare_fraction_against_a_percent_target_is_an_error_saying_what_was_meant() -> None:
    """0.78 for ≥80% is how Excel holds 78%: an error naming 78%, not a quiet 0.78% (9.90 of
    10 points lost); a rule set may read such fractions as percentages instead."""
    rules = rules_with(None)
    lexicon = Lexicon(rules.vocabulary)
    outcome = score_row(lexicon.read("≥80%"), lexicon.read("0.78"), Decimal("10.00"), rules,
                        year=2024)
    [finding] = [f for f in outcome.findings if f.code == "actual.percent_unit"]
    assert finding.severity == "error"
    assert finding.message == "完成值“0.78”没有单位，指标值是百分数：可能指 78%（现按 0.78% 计）"
    assert finding.hint.startswith("请写成“78%”")
    assert outcome.score == Decimal("0.10")  # 10 × 0.78/80, as written: the error says so
    fractions = rules_with({"quantitative": {"bare_fraction": "fraction"}})
    read = score_row(lexicon.read("≥80%"), lexicon.read("0.78"), Decimal("10.00"), fractions,
                     year=2024)
    assert read.score == Decimal("9.75") and not read.findings  # 10 × 78/80
    # 0.78% written with its sign is meant
    assert not score_row(lexicon.read("≥80%"), lexicon.read("0.78%"), Decimal("10.00"), rules,
                         year=2024).findings


def test_a_qualified_trend_is_partly_achieved() -> None:
    rules = rules_with(None)
    lexicon = Lexicon(rules.vocabulary)
    outcome = score_row(lexicon.read("逐步落实"), lexicon.read("基本落实"), Decimal("6.00"), rules,
                        year=2024)
    assert outcome.tier is not None and outcome.tier.value == "部分达成"
    assert outcome.score == Decimal("4.20")
