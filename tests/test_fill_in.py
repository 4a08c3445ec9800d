"""The fill-in 自评表 workbook of ``evaluate scaffold --format xlsx`` (DESIGN §10)."""

from __future__ import annotations

import shutil

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from evaluator.cli import main
from tests.conftest import EXAMPLE

LABELS = {"项目名称", "主管部门", "实施单位", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率",
          "得分", "预期目标", "实际完成情况", "一级指标", "二级指标", "三级指标", "年度指标值",
          "实际完成值", "偏差原因分析及改进措施", "总分", "其中：当年财政拨款", "上年结转资金", "其他资金",
          "年度资金总额"}


@pytest.fixture(scope="module")
def workbook_path(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fill_in")
    shutil.copy(EXAMPLE / "goals.yaml", folder / "goals.yaml")
    out = folder / "自评表.xlsx"
    result = CliRunner().invoke(main, ["scaffold", str(folder / "goals.yaml"), "--format", "xlsx",
                                       "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return out


def _texts(sheet) -> dict[str, str]:
    return {cell.value: cell.coordinate for row in sheet.iter_rows() for cell in row
            if isinstance(cell.value, str)}


def test_a_sheet_per_project_in_the_official_layout(workbook_path):
    workbook = openpyxl.load_workbook(workbook_path)
    assert len(workbook.sheetnames) == 10
    sheet = workbook["城市日宣传推广"]
    texts = _texts(sheet)
    assert LABELS <= set(texts)
    assert sheet["C3"].value == "城市日宣传推广"
    assert sheet["A5"].value == "项目资金（元）"
    # fund rows: 年初预算数 from the 申报表's 项目资金 (1,102,000.00 all 当年财政拨款)
    assert [sheet.cell(row, 3).value for row in range(6, 10)] == [
        "年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金"]
    assert [sheet.cell(row, 4).value for row in range(6, 10)] == [1102000, 1102000, 0, 0]
    assert sheet["G6"].value == 10  # 预算执行率's 分值
    assert sheet["E19"].value == "≥3.00(次)" and sheet["D19"].value == "公众号信息每周更新次数"


def test_the_weights_the_rule_set_allots_are_filled_in(workbook_path):
    sheet = openpyxl.load_workbook(workbook_path)["城市日宣传推广"]
    header = sheet["B12"].row
    assert sheet.cell(header, 7).value == "分值"
    rows = []
    for row in range(header + 1, sheet.max_row + 1):
        if sheet.cell(row, 2).value == "总分":
            total_row = row
            break
        rows.append(sheet.cell(row, 7).value)
    # 产出 and 成本 share 50 over their 17 rows: 2.94 each and the two spare cents to the
    # first two rows; 效益 30 and 满意度 10 likewise; with 预算执行率 10, 100 in all
    assert rows[:3] == [2.95, 2.95, 2.94]
    assert round(sum(rows) + 10, 2) == 100
    assert sheet.cell(total_row, 7).value == 100


def test_cells_to_fill_are_open_and_marked_the_rest_protected(workbook_path):
    sheet = openpyxl.load_workbook(workbook_path)["城市日宣传推广"]
    assert sheet.protection.sheet and not sheet.protection.password
    for cell in ("E6", "F6", "F11", "F13", "H13", "I13"):  # 全年预算数/执行数, 实际完成情况, a row
        assert not sheet[cell].protection.locked, cell
        assert sheet[cell].fill.fgColor.rgb == "00FFF2CC", cell
    for cell in ("C3", "E13", "G13", "D13", "G6"):  # name, target, 分值, 三级, budget 分值
        assert sheet[cell].protection.locked, cell
        assert sheet[cell].fill.fgColor.rgb != "00FFF2CC", cell
    legend = [c.value for row in sheet.iter_rows() for c in row
              if isinstance(c.value, str) and c.value.startswith("填写说明")]
    assert legend and "浅黄色" in legend[0] and "无密码" in legend[0]


def test_qualitative_rows_have_a_list_of_tier_words_and_targets_say_how_they_are_read(
        workbook_path):
    sheet = openpyxl.load_workbook(workbook_path)["城市日宣传推广"]
    [choice] = sheet.data_validations.dataValidation
    assert choice.type == "list" and choice.formula1 == '"达成,部分达成,未达成"'
    covered = str(choice.sqref).split()
    assert "F13" in covered  # 宣传品制作成本: 合理
    assert "F19" not in covered  # 公众号信息每周更新次数: ≥3.00(次), quantitative
    assert sheet["D19"].value == "公众号信息每周更新次数"
    assert sheet["E13"].comment.text.startswith("定性：“合理”为达成，“基本合理”为部分达成")
    assert sheet["E19"].comment.text.startswith("定量。正向指标：完成值不低于 3.00(次) 为满分")
    satisfaction = next(row for row in range(13, sheet.max_row)
                        if sheet.cell(row, 4).value == "活动参与满意度")
    assert "只写 0.95 会报错（可能指 95%）" in sheet.cell(satisfaction, 5).comment.text
    assert all(sheet.cell(row, 5).comment is not None for row in range(13, satisfaction + 1))


def test_print_set_up_for_a4(workbook_path):
    sheet = openpyxl.load_workbook(workbook_path)["城市日宣传推广"]
    assert sheet.page_setup.paperSize == 9  # A4
    assert sheet.page_setup.orientation == "landscape" and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$12:$12"  # the indicators header repeats


def test_the_same_goals_give_the_same_bytes(workbook_path, tmp_path):
    again = tmp_path / "again.xlsx"
    result = CliRunner().invoke(main, ["scaffold", str(workbook_path.parent / "goals.yaml"),
                                       "--format", "xlsx", "-o", str(again)])
    assert result.exit_code == 0
    assert again.read_bytes() == workbook_path.read_bytes()


def test_xlsx_needs_an_output_file(tmp_path):
    result = CliRunner().invoke(main, ["scaffold", str(EXAMPLE / "goals.yaml"), "--format", "xlsx"])
    assert result.exit_code == 2 and "-o" in result.stderr


def test_the_yaml_scaffold_shows_the_allotted_weights(tmp_path):
    out = tmp_path / "actuals.yaml"
    result = CliRunner().invoke(main, ["scaffold", str(EXAMPLE / "goals.yaml"), "-o", str(out)])
    assert result.exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "# 成本指标 / 经济成本指标：指标值 合理，分值 2.95" in text
    assert "# 产出指标 / 数量指标：指标值 ≥3.00(次)，分值 2.94" in text
    assert "全年执行数：必填（预算执行率分值 10.00）" in text
    assert len(yaml.load(text, Loader=yaml.BaseLoader)["projects"]) == 10
