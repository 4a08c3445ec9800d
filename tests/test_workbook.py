"""Actuals (and goals) read from a workbook (DESIGN §10): the fill-in 自评表 filled in Excel reads
as its actuals.yaml would, whatever the user did to its layout, and Excel's habits are undone."""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from decimal import Decimal

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from evaluator.cli import main
from evaluator.importing.workbook import number_text
from evaluator.workbook import load_workbook_document
from evaluator.sheet_layout import with_cached_values
from tests.conftest import EXAMPLE


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def scaffold(goals, out):
    result = run("scaffold", goals, "--format", "xlsx", "-o", out)
    assert result.exit_code == 0, result.stderr
    return out


def rows_by_name(sheet) -> dict[str, int]:
    """Each indicator's row, found under the header row by its 三级 name (as the reader does)."""
    header = next(c.row for row in sheet.iter_rows() for c in row if c.value == "三级指标")
    return {sheet.cell(r, 4).value: r for r in range(header + 1, sheet.max_row + 1)
            if sheet.cell(r, 4).value}


def fill(workbook_path, actuals: dict, out):
    """Fill the scaffold workbook from actuals.yaml's data as a user would in Excel: money and
    分值 as numbers, actuals as typed, 偏差原因 and 改进措施 in one cell as the report writes them."""
    workbook = openpyxl.load_workbook(workbook_path)
    for sheet in workbook.worksheets:
        project = actuals["projects"][sheet["C3"].value]
        budget = project["budget"]
        sheet["E6"] = float(budget["adjusted"])
        sheet["F6"] = float(budget["executed"])
        if "initial" in budget:
            sheet["D6"] = float(budget["initial"])
        for row, source in enumerate(("fiscal", "carryover", "other"), 7):  # the 其中 rows
            for column, figure in (("E", "adjusted"), ("F", "executed")):
                if figure in budget.get(source, {}):
                    sheet[f"{column}{row}"] = float(budget[source][figure])
        sheet["F11"] = project.get("summary")
        rows = rows_by_name(sheet)
        for key, entry in project["indicators"].items():
            row = rows.get(key) or rows[key.split("/")[-1]]
            if not isinstance(entry, dict):
                entry = {"actual": entry}
            sheet.cell(row, 6).value = entry["actual"]
            if "weight" in entry:
                sheet.cell(row, 7).value = float(entry["weight"])
            if "score" in entry:
                sheet.cell(row, 8).value = float(entry["score"])
            parts = [entry.get("reason"), entry.get("measures") and "改进措施：" + entry["measures"]]
            sheet.cell(row, 9).value = "；".join(p for p in parts if p) or None
    workbook.save(out)
    return out


def json_run(goals, actuals, out):
    result = run(goals, actuals, "--format", "json", "-o", out)
    data = json.loads(out.read_text(encoding="utf-8"))
    return result, data


def told(data) -> list:
    """The diagnostics as a user reads them, without where (a line in YAML, a cell here)."""
    return [(d["severity"], d["code"], d["message"]) for d in data["diagnostics"]]


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    folder = tmp_path_factory.mktemp("example")
    for name in ("goals.yaml", "actuals.yaml"):
        shutil.copy(EXAMPLE / name, folder / name)
    actuals = yaml.load((folder / "actuals.yaml").read_text(encoding="utf-8"),
                        Loader=yaml.BaseLoader)
    blank = scaffold(folder / "goals.yaml", folder / "blank.xlsx")
    filled = fill(blank, actuals, folder / "自评表.xlsx")
    _result, expected = json_run(folder / "goals.yaml", folder / "actuals.yaml",
                                 folder / "yaml.json")
    return folder, filled, expected


def test_the_filled_workbook_reads_as_its_actuals_yaml_for_all_ten_projects(example, tmp_path):
    folder, filled, expected = example
    result, data = json_run(folder / "goals.yaml", filled, tmp_path / "xlsx.json")
    assert result.exit_code == 0, result.stderr
    assert len(data["projects"]) == 10
    assert data["projects"] == expected["projects"]
    assert told(data) == told(expected)  # the one warning: 信息化建设项目's gap
    # 城市日宣传推广's 其中：当年财政拨款 row, filled in E7:F7, read back as its budget.fiscal
    assert data["projects"][0]["budget"]["sources"] == {
        "fiscal": {"initial": "1102000.00", "adjusted": "1102000.00", "executed": "1036500.00"}}
    assert "自评表.xlsx:信息化建设项目!F6: warning[review.achievement_gap]" in result.stderr
    checked = run("check", folder / "goals.yaml", filled)
    assert checked.exit_code == 0 and "检查通过" in checked.stderr


def _insert_row(sheet, before: int) -> None:
    """A row inserted as Excel inserts one: merged ranges below move down, those across grow."""
    merged = [openpyxl.worksheet.cell_range.CellRange(str(m)) for m in sheet.merged_cells.ranges]
    for cells in merged:
        sheet.unmerge_cells(str(cells))
    sheet.insert_rows(before)
    for cells in merged:
        if cells.min_row >= before:
            cells.shift(row_shift=1)
        elif cells.max_row >= before:
            cells.expand(down=1)
        sheet.merge_cells(str(cells))


def test_a_rearranged_workbook_reads_the_same(example, tmp_path):
    """Sheets reordered and renamed, a column hidden, rows added (a note among the indicators,
    one above the table): the project is found by its 项目名称, rows by their 三级 names."""
    folder, filled, expected = example
    workbook = openpyxl.load_workbook(filled)
    workbook.move_sheet(workbook.worksheets[-1], offset=-9)
    workbook.worksheets[3].title = "表4"
    for sheet in workbook.worksheets:
        sheet.protection.sheet = False
        sheet.column_dimensions["A"].hidden = True
        _insert_row(sheet, 20)
        sheet.cell(20, 9).value = "（以下为产出指标，经办人：张三）"
        _insert_row(sheet, 3)
        sheet.cell(3, 1).value = "填报日期：2025年1月10日"
    rearranged = tmp_path / "rearranged.xlsx"
    workbook.save(rearranged)
    result, data = json_run(folder / "goals.yaml", rearranged, tmp_path / "out.json")
    assert result.exit_code == 0, result.stderr
    assert data["projects"] == expected["projects"]


def test_a_problem_is_told_at_its_cell_with_the_cell_text(example, tmp_path):
    folder, filled, _expected = example
    workbook = openpyxl.load_workbook(filled)
    sheet = workbook["城市日宣传推广"]
    row = rows_by_name(sheet)["新媒体内容被转载篇数"]
    sheet.cell(row, 6).value = "22人次"
    broken = tmp_path / "broken.xlsx"
    workbook.save(broken)
    result = run(folder / "goals.yaml", broken)
    assert result.exit_code == 1
    assert (f"broken.xlsx:城市日宣传推广!F{row}: error[actual.unit_mismatch] "
            "实际完成值单位“人次”与指标值单位“篇”不一致") in result.stderr
    assert f"F{row} | 22人次" in result.stderr


# ---- Excel's habits -------------------------------------------------------------------------

HABITS_GOALS = """\
year: 2024
unit: 测试单位
projects:
  - name: 习惯
    funds: {total: 100000.00}
    indicators:
      产出指标:
        数量指标:
          更新次数: ≥3次
          完成率: ≥90%
        时效指标:
          完成时间: 2024年12月底前
      效益指标:
        社会效益指标:
          规范性: 规范
          合理性: 合理
      满意度指标:
        服务对象满意度指标:
          满意度: ≥80%
"""
ROWS = {"更新次数": 13, "完成率": 14, "完成时间": 15, "规范性": 16, "合理性": 17, "满意度": 18}


@pytest.fixture
def habits(tmp_path):
    goals = tmp_path / "goals.yaml"
    goals.write_text(HABITS_GOALS, encoding="utf-8")
    workbook_path = scaffold(goals, tmp_path / "blank.xlsx")
    workbook = openpyxl.load_workbook(workbook_path)
    sheet = workbook["习惯"]
    assert {name: rows_by_name(sheet)[name] for name in ROWS} == ROWS
    sheet["E6"], sheet["F6"] = 100000, 95000
    for name, actual in (("更新次数", "3次"), ("完成率", "95%"), ("完成时间", "2024年11月30日"),
                         ("规范性", "规范"), ("合理性", "合理"), ("满意度", "85%")):
        sheet.cell(ROWS[name], 6).value = actual
    return goals, workbook, tmp_path


def read_back(workbook, path):
    workbook.save(path)
    document, problems = load_workbook_document(path)
    return document.data["projects"]["习惯"], problems, document


def saved_as_excel_does(path, out, change) -> None:
    """A copy of the workbook with its first sheet's XML changed as Excel would have saved it."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = change(content)
            target.writestr(item, content)


def test_number_text_is_what_excel_displays():
    assert number_text(0.1 + 0.2) == "0.3"  # not 0.30000000000000004
    assert number_text(3.5) == "3.5"
    assert number_text(0.95, "0%") == "95%"
    assert number_text(0.955, "0.0%") == "95.5%"
    assert number_text(0.78, "0.00%") == "78.00%"
    assert number_text(100, "0.00") == "100.00"
    assert number_text(1102000.0, "#,##0.00####") == "1102000.00"
    assert number_text(110.2035, "#,##0.00####") == "110.2035"
    assert number_text(3.14159, "0.00") == "3.14"
    assert number_text(2.5, "0") == "3"  # half up, as Excel shows it
    assert number_text(1e-7) == "0.0000001"


def test_a_percent_formatted_cell_is_a_percentage(habits):
    goals, workbook, folder = habits
    cell = workbook["习惯"].cell(ROWS["满意度"], 6)
    cell.value, cell.number_format = 0.85, "0%"  # typed 85% in Excel: 0.85, shown 85%
    project, problems, _ = read_back(workbook, folder / "a.xlsx")
    assert project["indicators"]["满意度"]["actual"] == "85%" and not problems
    result, data = json_run(goals, folder / "a.xlsx", folder / "a.json")
    assert result.exit_code == 0, result.stderr
    satisfaction = data["projects"][0]["indicators"][-1]
    assert satisfaction["actual"] == "85%" and satisfaction["score"] == satisfaction["weight"]


def test_a_fraction_in_a_general_cell_against_a_percentage_is_an_error_naming_the_percent(
        habits):
    goals, workbook, folder = habits
    workbook["习惯"].cell(ROWS["满意度"], 6).value = 0.85  # the % format lost: 0.85 shown
    workbook.save(folder / "fraction.xlsx")
    result = run(goals, folder / "fraction.xlsx")
    assert result.exit_code == 1 and "actual.percent_unit" in result.stderr
    assert (f"fraction.xlsx:习惯!F{ROWS['满意度']}: error[actual.percent_unit] "
            "完成值“0.85”没有单位，指标值是百分数：可能指 85%") in result.stderr


def test_a_typed_float_and_a_formula_are_the_decimals_excel_shows(habits):
    goals, workbook, folder = habits
    sheet = workbook["习惯"]
    sheet.cell(ROWS["更新次数"], 6).value = 3.5
    sheet.cell(ROWS["完成率"], 6).value = "=0.1+0.2"
    sheet.cell(ROWS["完成率"], 6).number_format = "0%"
    workbook.save(folder / "formula.xlsx")
    # Excel saves a formula's value beside it; openpyxl does not: write it as Excel would
    saved_as_excel_does(folder / "formula.xlsx", folder / "cached.xlsx",
                        lambda xml: xml.replace(b"<f>0.1+0.2</f><v></v>",
                                                b"<f>0.1+0.2</f><v>0.30000000000000004</v>"))
    document, problems = load_workbook_document(folder / "cached.xlsx")
    rows = document.data["projects"]["习惯"]["indicators"]
    assert rows["更新次数"]["actual"] == "3.5" and rows["完成率"]["actual"] == "30%"
    assert not problems


def test_a_formula_without_its_saved_value_says_to_open_and_save_it(habits):
    goals, workbook, folder = habits
    workbook["习惯"]["F6"] = "=90000+5000"  # openpyxl saves no value: as if never opened
    workbook.save(folder / "uncached.xlsx")
    result = run(goals, folder / "uncached.xlsx")
    assert result.exit_code == 1 and "xlsx.formula_not_calculated" in result.stderr
    assert ("uncached.xlsx:习惯!F6: error[xlsx.formula_not_calculated] "
            "单元格是公式，但文件中没有保存它的计算结果") in result.stderr
    assert "请用 Excel（或 WPS、LibreOffice）打开这个文件并保存一次" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_formula_saved_as_an_error_value_is_told(habits):
    goals, workbook, folder = habits
    workbook["习惯"]["F6"] = "=1/0"
    workbook.save(folder / "error.xlsx")
    saved_as_excel_does(folder / "error.xlsx", folder / "div0.xlsx",
                        lambda xml: re.sub(rb'<c r="F6"([^>]*)><f>1/0</f><v></v>',
                                           rb'<c r="F6"\1 t="e"><f>1/0</f><v>#DIV/0!</v>', xml))
    result = run(goals, folder / "div0.xlsx")
    assert result.exit_code == 1 and "xlsx.formula_error" in result.stderr
    assert "div0.xlsx:习惯!F6: error[xlsx.formula_error] 单元格的公式结果是错误值 #DIV/0!" in result.stderr


def test_a_date_cell_is_a_date(habits):
    import datetime as dt

    goals, workbook, folder = habits
    cell = workbook["习惯"].cell(ROWS["完成时间"], 6)
    cell.value = dt.datetime(2024, 11, 30)  # Excel keeps the serial 45626, shown as a date
    cell.number_format = "yyyy/m/d"
    project, problems, _ = read_back(workbook, folder / "date.xlsx")
    assert project["indicators"]["完成时间"]["actual"] == "2024-11-30" and not problems
    result, data = json_run(goals, folder / "date.xlsx", folder / "date.json")
    row = data["projects"][0]["indicators"][2]
    assert row["score"] == row["weight"]  # on or before 2024年12月底: full marks


def test_numbers_stored_as_text_and_full_width_digits_are_numbers(habits):
    goals, workbook, folder = habits
    sheet = workbook["习惯"]
    sheet["E6"] = "100,000.00"  # a number stored as text, with separators
    sheet["F6"] = "９５０００"  # full-width digits, as a Chinese IME types them
    sheet.cell(ROWS["更新次数"], 6).value = "３．５次"
    project, problems, _ = read_back(workbook, folder / "text.xlsx")
    assert project["budget"]["adjusted"] == "100,000.00" and project["budget"]["executed"] == "95000"
    result, data = json_run(goals, folder / "text.xlsx", folder / "text.json")
    assert result.exit_code == 0, result.stderr
    assert data["projects"][0]["budget"]["rate"] == "0.9500"
    assert data["projects"][0]["budget"]["adjusted"] == "100000.00"
    count = data["projects"][0]["indicators"][0]
    assert count["actual"] == "３．５次" and count["score"] == count["weight"]


def test_a_sheet_that_claims_every_column_is_read_by_the_cells_it_holds(habits):
    """A sheet formatted to column XFD declares the dimension A1:XFD1048576: its cells are
    still the few it holds (not 16 384 a row)."""
    goals, workbook, folder = habits
    project, _problems, _ = read_back(workbook, folder / "small.xlsx")
    saved_as_excel_does(folder / "small.xlsx", folder / "wide.xlsx",
                        lambda xml: re.sub(rb'<dimension ref="[^"]*"\s*/>',
                                           b'<dimension ref="A1:XFD1048576"/>', xml))
    with zipfile.ZipFile(folder / "wide.xlsx") as wide:
        assert b"A1:XFD1048576" in wide.read("xl/worksheets/sheet1.xml")
    document, problems = load_workbook_document(folder / "wide.xlsx")
    assert document.data["projects"]["习惯"] == project and not problems


def test_a_merged_cell_gives_its_value_to_every_row_it_covers(habits):
    goals, workbook, folder = habits
    sheet = workbook["习惯"]
    sheet.cell(ROWS["合理性"], 6).value = None
    sheet.cell(ROWS["规范性"], 6).value = "达成"
    sheet.merge_cells(start_row=ROWS["规范性"], start_column=6, end_row=ROWS["合理性"],
                      end_column=6)
    project, problems, _ = read_back(workbook, folder / "merged.xlsx")
    assert project["indicators"]["规范性"]["actual"] == "达成"
    assert project["indicators"]["合理性"]["actual"] == "达成"


def test_a_row_twice_a_project_twice_and_a_row_without_a_name_are_told(habits):
    goals, workbook, folder = habits
    sheet = workbook["习惯"]
    sheet.cell(ROWS["完成率"], 4).value = "更新次数"
    sheet.cell(ROWS["合理性"], 4).value = None
    copy = workbook.copy_worksheet(sheet)
    copy.title = "习惯（副本）"
    _project, problems, _ = read_back(workbook, folder / "twice.xlsx")
    said = {(p.code, str(p.position)) for p in problems}
    assert ("xlsx.duplicate_indicator", f"{folder / 'twice.xlsx'}:习惯!D{ROWS['完成率']}") in said
    assert ("xlsx.unnamed_row", f"{folder / 'twice.xlsx'}:习惯!F{ROWS['合理性']}") in said
    assert ("xlsx.duplicate_project", f"{folder / 'twice.xlsx'}:'习惯（副本）'!C3") in said


def test_a_goals_workbook_in_the_declaration_layout_reads_as_goals(tmp_path):
    """The 申报表 as the budget system exports it (the seed's layout): labels beside values,
    the funds' 其中 rows, 年度总体目标 above its text, the indicators under their header."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "申报表"
    rows = [
        ["财政项目支出绩效目标申报表"],
        ["(2024年度)"],
        ["项目名称", "城市日宣传推广", "项目性质", "其他一次性项目", "项目类别", "特定目标类"],
        ["主管部门", "上海市住房和城乡建设管理委员会", "实施单位", "上海世界城市日事务协调中心"],
        ["项目资金 (元)", "项目资金总额", None, "年度资金申请总额", 1102000],
        [None, "其中：财政资金", None, "其中：当年财政拨款", 1102000],
        [None, None, None, "上年结转资金", 0],
        [None, "其他资金", None, "其他资金", 0],
        ["项目绩效目标", "项目总目标", None, "年度总体目标"],
        [None, None, None, "完成城市日年度宣传推广。"],
        ["一级指标", "二级指标", "三级指标", "年度(/项目)指标值"],
        ["产出指标", "数量指标", "公众号信息每周更新次数", "≥3.00(次)"],
        [None, None, "每周社交媒体推送篇数", "≥5.00(篇)"],
        [None, "质量指标", "社交媒体推送合格率", "≥95.00(%)"],
        ["效益指标", "社会效益指标", "新媒体内容被转载篇数", "≥5.00(篇)"],
        ["满意度指标", "服务对象满意度 指标", "活动参与满意度", "≥80.00(%)"],
    ]
    for row in rows:
        sheet.append(row)
    sheet.merge_cells("A12:A14")
    sheet.merge_cells("B12:B13")
    goals = tmp_path / "申报表.xlsx"
    workbook.save(goals)
    document, problems = load_workbook_document(goals, role="goals")
    assert not problems
    assert document.data["year"] == "2024" and document.data["unit"] == "上海世界城市日事务协调中心"
    assert document.data["funds_unit"] == "元"
    [project] = document.data["projects"]
    assert project["funds"] == {"total": "1102000", "fiscal": "1102000", "carryover": "0",
                                "other": "0"}
    assert project["goal"] == "完成城市日年度宣传推广。"
    assert project["indicators"]["产出指标"] == {
        "数量指标": {"公众号信息每周更新次数": "≥3.00(次)", "每周社交媒体推送篇数": "≥5.00(篇)"},
        "质量指标": {"社交媒体推送合格率": "≥95.00(%)"}}
    actuals = tmp_path / "actuals.yaml"
    actuals.write_text(
        "year: 2024\nprojects:\n  城市日宣传推广:\n    budget: {adjusted: 1102000, executed: 1036500}\n"
        "    indicators:\n      公众号信息每周更新次数: 3.5次\n      每周社交媒体推送篇数: 6篇\n"
        "      社交媒体推送合格率: 100%\n      新媒体内容被转载篇数: 6篇\n      活动参与满意度: 92%\n",
        encoding="utf-8")
    result, data = json_run(goals, actuals, tmp_path / "out.json")
    assert result.exit_code == 0, result.stderr
    assert data["projects"][0]["total"] == "99.41"  # 9.41 for 94.06% executed, 90 for the rows


# ---- what is not a workbook ---------------------------------------------------------------

def _bad(tmp_path, name: str, content: bytes):
    goals = tmp_path / "goals.yaml"
    goals.write_text(HABITS_GOALS, encoding="utf-8")
    path = tmp_path / name
    path.write_bytes(content)
    return run(goals, path), run("check", goals, path)


def _said(results, code: str, message: str) -> None:
    for result in results:
        assert result.exit_code in (1, 2), result.stderr
        assert f"error[{code}] {message}" in result.stderr
        assert "Traceback" not in result.stderr


def test_a_corrupt_workbook_is_told(tmp_path):
    good = io.BytesIO()
    openpyxl.Workbook().save(good)
    _said(_bad(tmp_path, "cut.xlsx", good.getvalue()[:400]), "xlsx.unreadable",
          "无法读取 Excel 工作簿：文件已损坏或格式不对")
    _said(_bad(tmp_path, "text.xlsx", "项目名称,城市日宣传推广\n".encode()), "xlsx.unreadable",
          "无法读取：这不是 Excel 工作簿（.xlsx）")
    _said(_bad(tmp_path, "nothing.xlsx", b""), "file.empty", "文件是空的")


def test_a_password_protected_workbook_is_told(tmp_path):
    msoffcrypto = pytest.importorskip("msoffcrypto", reason="msoffcrypto-tool makes the file")
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = io.BytesIO()
    openpyxl.Workbook().save(plain)
    plain.seek(0)
    locked = io.BytesIO()
    OOXMLFile(plain).encrypt("secret", locked)
    assert msoffcrypto  # the package is there: the file is really encrypted
    _said(_bad(tmp_path, "locked.xlsx", locked.getvalue()), "xlsx.encrypted",
          "工作簿设有打开密码，无法读取")


def test_an_xls_renamed_xlsx_is_told(tmp_path):
    # the first bytes of every .xls (an OLE2 compound file), which is all that tells it apart
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "Workbook".encode("utf-16-le")
    _said(_bad(tmp_path, "old.xlsx", ole), "xlsx.old_format",
          "这是旧版 Excel 文件（.xls），不是 .xlsx")


def test_a_workbook_with_an_empty_sheet_is_told(tmp_path):
    empty = io.BytesIO()
    openpyxl.Workbook().save(empty)
    results = _bad(tmp_path, "empty.xlsx", empty.getvalue())
    _said(results, "xlsx.no_table",
          "工作簿中没有找到项目支出绩效自评表（“项目名称”和“三级指标”表头）")
    assert "empty.xlsx:Sheet!A1: error[xlsx.no_table]" in results[0].stderr


# ---- the report workbook, read back -------------------------------------------------------

def test_the_report_workbook_reads_back_as_actuals(example, tmp_path):
    folder, _filled, expected = example
    report = tmp_path / "report.xlsx"
    assert run(folder / "goals.yaml", folder / "actuals.yaml", "--format", "xlsx",
               "-o", report).exit_code == 0
    result, data = json_run(folder / "goals.yaml", report, tmp_path / "back.json")
    assert result.exit_code == 0, result.stderr
    for back, first in zip(data["projects"], expected["projects"]):
        # its 得分 are read as the unit's own scores (a reviewer may have edited them): the
        # same figures as the rules gave, adopted; every other figure and text as before
        assert back["total"] == first["total"] and back["self_total"] == first["total"]
        assert back["budget"].get("sources") == first["budget"].get("sources")  # 其中 rows
        for row, original in zip(back["indicators"], first["indicators"]):
            assert row["self_score"] == original["score"]
            assert {**row, "self_score": None} == original


def test_the_report_total_is_a_formula_with_its_value_saved(example, tmp_path):
    folder, _filled, _expected = example
    report = tmp_path / "report.xlsx"
    run(folder / "goals.yaml", folder / "actuals.yaml", "--format", "xlsx", "-o", report)
    formulas = openpyxl.load_workbook(report)["城市日宣传推广"]
    values = openpyxl.load_workbook(report, data_only=True)["城市日宣传推广"]
    total = next(r for r in range(1, formulas.max_row + 1) if formulas.cell(r, 2).value == "总分")
    header = next(r for r in range(1, total) if formulas.cell(r, 4).value == "三级指标")
    assert formulas.cell(total, 8).value == f"=SUM(H{header + 1}:H{total - 1})+I6"
    assert values.cell(total, 8).value == 92.25  # saved beside it, as the README's example shows


def test_cached_values_are_written_only_where_a_formula_waits_for_one():
    sheet = (b'<row r="2"><c r="A2"><f>A1*2</f><v></v></c><c r="B2" t="n"><v>7</v></c>'
             b'<c r="C2"><f>B2</f><v></v></c></row>')
    assert with_cached_values(sheet, {"A2": Decimal("2.50"), "B2": Decimal(1)}) == (
        b'<row r="2"><c r="A2"><f>A1*2</f><v>2.50</v></c><c r="B2" t="n"><v>7</v></c>'
        b'<c r="C2"><f>B2</f><v></v></c></row>')


# ---- a workbook LibreOffice has saved ---------------------------------------------------

def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        pytest.skip("LibreOffice (Debian: libreoffice-calc) is not installed: .ci/run installs it")
    return found


def resaved_by_libreoffice(paths, folder):
    """Each workbook opened and saved again by LibreOffice Calc, headless (its own profile, so
    that runs side by side do not share one). It recalculates what has no saved value."""
    import subprocess

    out = folder / "resaved"
    out.mkdir()
    done = subprocess.run(
        [_soffice(), f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out),
         *[str(p) for p in paths]], capture_output=True, timeout=300)
    resaved = [out / p.name for p in paths]
    if done.returncode != 0 or not all(p.exists() for p in resaved):
        pytest.skip(f"LibreOffice could not convert (Calc missing?): {done.stderr[-300:]!r}")
    return resaved


def test_workbooks_saved_by_libreoffice_read_back(example, tmp_path):
    """The filled workbook after a round through LibreOffice reads as before; the report, a
    score edited by a reviewer (the file saved by a program that does not calculate), gets
    its 总分 recalculated by LibreOffice and is read with the edited total."""
    folder, filled, expected = example
    report = tmp_path / "report.xlsx"
    assert run(folder / "goals.yaml", folder / "actuals.yaml", "--format", "xlsx",
               "-o", report).exit_code == 0
    workbook = openpyxl.load_workbook(report)
    sheet = workbook["城市日宣传推广"]
    row = rows_by_name(sheet)["公众号信息每周更新次数"]
    assert sheet.cell(row, 8).value == 2.94
    sheet.cell(row, 8).value = 2.5  # the reviewer's edit; openpyxl keeps no formula values
    edited = tmp_path / "edited.xlsx"
    workbook.save(edited)
    assert run(folder / "goals.yaml", edited).exit_code == 1  # 总分 unknown until calculated
    filled_again, report_again = resaved_by_libreoffice([filled, edited], tmp_path)
    result, data = json_run(folder / "goals.yaml", filled_again, tmp_path / "filled.json")
    assert result.exit_code == 0, result.stderr
    assert data["projects"] == expected["projects"]
    result, data = json_run(folder / "goals.yaml", report_again, tmp_path / "report.json")
    project = data["projects"][0]
    assert project["name"] == "城市日宣传推广"
    assert project["self_total"] == project["total"] == "91.81"  # 92.25 − 0.44, recalculated
    # the edited score is adopted, stricter than the rules' (a warning); the total adds up
    assert result.exit_code == 0, result.stderr
    assert "review.total_mismatch" not in result.stderr
    assert ("warning", "review.score_differs") in [(s, c) for s, c, _m in told(data)]
