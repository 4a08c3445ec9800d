"""Weight allocation (DESIGN §4.1), checked against hand-computed cases (weights.yaml)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from evaluator.weights import Row, allocate, split_cents
from tests.scoring import rules_with

CENT = Decimal("0.01")
TABLE = yaml.safe_load((Path(__file__).parent / "weights.yaml").read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = TABLE["cases"]


def _params() -> list[Any]:
    return [pytest.param(case, id=case["id"],
                         marks=[pytest.mark.xfail(reason=case["xfail"], strict=True)]
                         if "xfail" in case else [])
            for case in CASES]


def test_table_is_well_formed() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids))
    assert len(CASES) >= 15
    for case in CASES:
        assert case.get("why"), case["id"]
        assert len(case["weights"]) == len(case["rows"]), case["id"]
        if "total" in case:
            assert sum(map(Decimal, case["weights"])) == Decimal(case["total"]), case["id"]


@pytest.mark.parametrize("case", _params())
def test_allocate(case: dict[str, Any]) -> None:
    rules = rules_with(case.get("rules"))
    rows = [Row(level1, level2, None if explicit is None else Decimal(str(explicit)))
            for level1, level2, explicit in case["rows"]]
    allocation = allocate(rows, rules)
    assert [Decimal(w) for w in case["weights"]] == list(allocation.rows)
    for weight in allocation.rows:
        assert weight == weight.quantize(CENT), f"{weight} is not in 0.01 steps"
    assert allocation.budget == Decimal(case["budget"])
    if "total" in case:
        assert sum(allocation.rows, Decimal(0)) == Decimal(case["total"])
    if "categories" in case:
        assert [(name, weight) for name, weight in allocation.categories] == [
            (name, Decimal(weight)) for name, weight in case["categories"]]
    codes = sorted(issue.code for issue in allocation.issues)
    assert codes == sorted(case["issues"]), [i.message for i in allocation.issues]
    for code, severity in case.get("severity", {}).items():
        assert {i.severity for i in allocation.issues if i.code == code} == {severity}, code


@pytest.mark.parametrize("total, parts, expected", [
    ("50", 3, ["16.67", "16.67", "16.66"]),
    ("30", 7, ["4.29", "4.29", "4.29", "4.29", "4.28", "4.28", "4.28"]),
    ("10", 3, ["3.34", "3.33", "3.33"]),
    ("0.05", 3, ["0.02", "0.02", "0.01"]),
    ("0", 2, ["0.00", "0.00"]),
    ("10", 0, []),
], ids=["50/3", "30/7", "10/3", "0.05/3", "0/2", "none"])
def test_split_cents(total: str, parts: int, expected: list[str]) -> None:
    shares = split_cents(Decimal(total), parts)
    assert [str(s) for s in shares] == expected
    if parts:
        assert sum(shares, Decimal(0)) == Decimal(total)


def test_a_subtotal_warning_says_what_the_category_was_given():
    """With 效益 missing, 产出 is 75 (50 and 25 of 效益's 30, pro rata): the warning said
    “通常的 75”, which no rule set says; it now says where the 25 came from."""
    rows = [Row("产出指标", "数量指标", Decimal("80")), Row("满意度指标", "服务对象满意度指标", Decimal("10"))]
    messages = [issue.message for issue in allocate(rows, rules_with(None)).issues
                if issue.code == "weights.category_total"]
    assert messages[0].startswith("产出指标类分值合计 80，与该类的分值 75")
    assert messages[0].endswith("是缺项类别按比例分来的）") and "（其中 25" in messages[0]
