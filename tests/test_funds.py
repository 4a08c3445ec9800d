"""The fund rows 其中：当年财政拨款 / 上年结转资金 / 其他资金: actuals may split the year's
全年预算数 and 全年执行数 by source; the reports show the split, a split that does not add up is
a warning, and the score stays the total's."""

from __future__ import annotations

import json
import shutil

import openpyxl
import pytest
from click.testing import CliRunner

from evaluator.cli import main
from tests.conftest import EXAMPLE

# 城市日宣传推广's budget in the example, split three ways by hand: 900 000 + 150 000 + 52 000
# = 1 102 000 (全年预算数); 850 000 + 140 000 + 46 500 = 1 036 500 (全年执行数)
EXAMPLE_BUDGET = """      initial: 1102000.00
      adjusted: 1102000.00
      executed: 1036500.00                 # 执行率 94.06%
      fiscal: {adjusted: 1102000.00, executed: 1036500.00}   # 其中：当年财政拨款
"""
SPLIT = """      initial: 1102000.00
      adjusted: 1102000.00
      executed: 1036500.00
      fiscal: {adjusted: 900000.00, executed: 850000.00}
      carryover: {adjusted: 150000.00, executed: 140000.00}
      other:
        adjusted: 52000.00
        executed: %s
"""


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def folder(tmp_path):
    shutil.copy(EXAMPLE / "goals.yaml", tmp_path / "goals.yaml")
    return tmp_path


def with_budget(folder, budget: str):
    text = (EXAMPLE / "actuals.yaml").read_text(encoding="utf-8")
    assert text.count(EXAMPLE_BUDGET) == 1
    (folder / "actuals.yaml").write_text(text.replace(EXAMPLE_BUDGET, budget), encoding="utf-8")
    return folder / "actuals.yaml"


def json_of(folder, actuals):
    result = run(folder / "goals.yaml", actuals, "--format", "json", "-o", folder / "out.json")
    return result, json.loads((folder / "out.json").read_text(encoding="utf-8"))


def test_the_split_is_shown_in_the_reports_and_the_score_is_the_totals(folder):
    actuals = with_budget(folder, SPLIT % "46500.00")
    result, data = json_of(folder, actuals)
    assert result.exit_code == 0, result.stderr  # the example's one warning, nothing more
    budget = data["projects"][0]["budget"]
    assert budget["sources"] == {
        "fiscal": {"initial": "1102000.00", "adjusted": "900000.00", "executed": "850000.00"},
        "carryover": {"initial": "0.00", "adjusted": "150000.00", "executed": "140000.00"},
        "other": {"initial": "0.00", "adjusted": "52000.00", "executed": "46500.00"}}
    assert (budget["rate"], budget["score"]) == ("0.9406", "9.41")  # 1036500/1102000, as before
    assert "sources" not in data["projects"][1]["budget"]  # none given: the key is absent
    assert not [d for d in data["diagnostics"] if d["code"] == "budget.sources_sum"]

    markdown = run(folder / "goals.yaml", actuals).stdout
    assert "| 其中：当年财政拨款 | 1,102,000.00 | 900,000.00 | 850,000.00 | — | — | — |" in markdown
    assert "| 上年结转资金 | 0.00 | 150,000.00 | 140,000.00 | — | — | — |" in markdown
    assert "| 其他资金 | 0.00 | 52,000.00 | 46,500.00 | — | — | — |" in markdown

    assert run(folder / "goals.yaml", actuals, "--format", "xlsx",
               "-o", folder / "report.xlsx").exit_code == 0
    sheet = openpyxl.load_workbook(folder / "report.xlsx")["城市日宣传推广"]
    rows = {sheet.cell(r, 3).value: r for r in range(1, 12)}
    assert [sheet.cell(rows["上年结转资金"], c).value for c in (4, 5, 6)] == [0, 150000, 140000]
    assert [sheet.cell(rows["其他资金"], c).value for c in (4, 5, 6)] == [0, 52000, 46500]

    # and the report workbook reads back with the split it shows
    back_result, back = json_of(folder, folder / "report.xlsx")
    assert back_result.exit_code == 0, back_result.stderr
    assert back["projects"][0]["budget"]["sources"] == budget["sources"]


def test_a_split_that_does_not_add_up_is_a_warning_naming_both_sums(folder):
    actuals = with_budget(folder, SPLIT % "40000.00")  # 850 000 + 140 000 + 40 000 = 1 030 000
    result, data = json_of(folder, actuals)
    assert result.exit_code == 0, result.stderr  # a warning: the total is still what is scored
    told = [d for d in data["diagnostics"] if d["code"] == "budget.sources_sum"]
    assert [(d["severity"], d["message"], d["line"]) for d in told] == [(
        "warning", "项目“城市日宣传推广”当年财政拨款、上年结转资金、其他资金的全年执行数合计 "
        "1030000.00，与全年执行数 1036500.00 不等", 11)]
    assert data["projects"][0]["budget"]["score"] == "9.41"


def test_a_split_of_two_sources_is_not_summed(folder):
    two = SPLIT.split("      other:")[0]  # 900 000 + 150 000 ≠ 1 102 000, and other not given
    result, data = json_of(folder, with_budget(folder, two))
    assert result.exit_code == 0, result.stderr
    assert not [d for d in data["diagnostics"] if d["code"] == "budget.sources_sum"]
    assert list(data["projects"][0]["budget"]["sources"]) == ["fiscal", "carryover"]


@pytest.mark.parametrize("figure, code, column", [("-500.00", "schema.range", 19),
                                                    ("四万六千五", "schema.number", 19)])
def test_a_bad_figure_is_told_at_its_place_and_the_project_still_scored(folder, figure, code,
                                                                       column):
    result, data = json_of(folder, with_budget(folder, SPLIT % figure))
    assert result.exit_code == 1
    told = [(d["severity"], d["code"], d["line"], d["column"]) for d in data["diagnostics"]
            if d["severity"] == "error"]
    assert told == [("error", code, 16, column)]
    assert data["projects"][0]["total"] == "92.25"  # scored from the total, as before
