"""Build the import test sources: one unit's tables in the layouts units hand in.

    python -m tests.importing.make_sources

Run from the repository root; it rewrites tests/importing/sources/ (the seed excepted). The
text, .xlsx and .docx files are written here; .xls and .ods are converted from .xlsx, and one
PDF from the .docx, by LibreOffice (``libreoffice --headless --convert-to``); one PDF is
printed from HTML by headless Chromium; the scan is an image saved as a PDF (Pillow). The
binary results are committed: the tests read them and need none of these programs. What each
file must import to is written by hand in tests/importing/expected/, not here.
"""

from __future__ import annotations

import datetime as dt
import html
import shutil
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).parent / "sources"
UNIT, DEPARTMENT, YEAR = "某区社区服务中心", "某区民政局", 2024

# (一级, 二级, 三级, 指标性质, 指标值, 度量单位) as a 申报表 with folded columns writes them
ROWS_A = [
    ("成本指标", "经济成本指标", "活动人均成本", "≤", "80", "元/人"),
    ("产出指标", "数量指标", "组织活动场次", "≥", "12", "场"),
    ("产出指标", "数量指标", "服务居民人次", "≥", "1500", "人次"),
    ("产出指标", "质量指标", "活动安全事故", "=", "0", "次"),
    ("产出指标", "时效指标", "活动按计划完成率", "=", "100", "%"),
    ("效益指标", "社会效益指标", "居民参与度", "定性", "逐步提升", ""),
    ("满意度指标", "服务对象满意度指标", "居民满意度", "≥", "90", "%"),
]
ROWS_B = [
    ("产出指标", "数量指标", "更新设备台数", "≥", "30", "台"),
    ("产出指标", "质量指标", "验收合格率", "≥", "98", "%"),
    ("产出指标", "时效指标", "完成时间", "定性", "2024年10月底前", ""),
    ("效益指标", "可持续影响指标", "设备使用年限", "≥", "5", "年"),
    ("满意度指标", "服务对象满意度指标", "使用人员满意度", "≥", "85", "%"),
]
PROJECTS = [
    {"name": "社区活动组织", "nature": "经常性项目", "category": "其他类",
     "funds": ("120,000.00", "100,000.00", "20,000.00", "0.00"),
     "goal": "全年组织社区活动12场，服务居民不少于1500人次。", "rows": ROWS_A,
     "budget": (120000, 120000, 114000, 9.5), "fiscal": (100000, 100000, 95000),
     "carryover": (20000, 20000, 19000),
     "summary": "全年组织社区活动13场，服务居民1420人次，未发生安全事故。",
     "actuals": [("76元/人", 10, 10, ""), ("13场", 10, 10, ""),
                 ("1420人次", 10, 9.47, "冬季两场活动因天气改期，参与人数减少；下年度提前安排室内场地"),
                 ("0次", 10, 10, ""), ("100%", 10, 10, ""), ("明显提升", 30, 30, ""),
                 ("93%", 10, 10, "")], "total": 98.97},
    {"name": "设备更新", "nature": "一次性项目", "category": "其他类",
     "funds": ("565,000.00", "565,000.00", "0.00", "0.00"),
     "goal": "完成办公设备更新改造。", "rows": ROWS_B,
     "budget": (565000, 565000, 560000, 9.91), "fiscal": (565000, 565000, 560000),
     "carryover": None,
     "summary": "更新设备32台，10月25日全部验收。",
     "actuals": [("32台", 20, 20, ""), ("100%", 15, 15, ""), ("2024年10月25日", 15, 15, ""),
                 ("5年", 30, 30, ""), ("88%", 10, 10, "")], "total": 99.91},
]


def target(row) -> str:
    nature, value, unit = row[3], row[4], row[5]
    return (nature if nature not in ("定性",) else "") + value + unit


def money(text: str) -> float:
    return float(text.replace(",", ""))


# ---- text ----------------------------------------------------------------------------------

def markdown() -> str:
    """A 申报表 as a Markdown page (a wiki, a web form copied): 指标性质 and 度量单位 apart."""
    out = []
    for p in PROJECTS:
        total, fiscal, carryover, other = p["funds"]
        out += [f"## 财政项目支出绩效目标申报表（{YEAR}年度）", "",
                "| 项目名称 | " + p["name"] + " | 项目性质 | " + p["nature"] + " | 项目类别 | " + p["category"] + " |",
                "|---|---|---|---|---|---|",
                f"| 主管部门 | {DEPARTMENT} | 实施单位 | {UNIT} | | |",
                f"| 计划开始日期 | {YEAR}-01-01 | 计划完成日期 | {YEAR}-12-31 | | |",
                f"| 项目资金（元） | 年度资金申请总额 | {total} | 其中：当年财政拨款 | {fiscal} | |",
                f"| | 上年结转资金 | {carryover} | 其他资金 | {other} | |",
                f"| 年度总体目标 | {p['goal']} | | | | |", "",
                "| 一级指标 | 二级指标 | 三级指标 | 指标性质 | 指标值 | 度量单位 |",
                "|:--|:--|:--|:-:|--:|:--|"]
        last = (None, None)
        for row in p["rows"]:
            level1 = row[0] if row[0] != last[0] else ""
            level2 = row[1] if row[:2] != last else ""
            out.append(f"| {level1} | {level2} | {row[2]} | {row[3]} | {row[4]} | {row[5]} |")
            last = row[:2]
        out.append("")
    return "\n".join(out)


def one_cell_per_line() -> str:
    """A PDF copied with each cell on its own line (what many viewers give)."""
    out = ["财政项目支出绩效目标申报表", f"（{YEAR}年度）"]
    for p in PROJECTS:
        total, fiscal, carryover, other = p["funds"]
        out += ["项目名称", p["name"], "项目性质", p["nature"], "项目类别", p["category"],
                "主管部门", DEPARTMENT, "实施单位", UNIT,
                "计划开始日期", f"{YEAR}-01-01", "计划完成日期", f"{YEAR}-12-31",
                "项目资金（元）", "年度资金申请总额", total, "其中：当年财政拨款", fiscal,
                "上年结转资金", carryover, "其他资金", other,
                "年度总体目标", p["goal"],
                "一级指标", "二级指标", "三级指标", "年度指标值"]
        last = (None, None)
        for row in p["rows"]:
            if row[0] != last[0]:
                out.append(row[0])
            if row[:2] != last:
                out.append(row[1])
            out += [row[2], target(row)]
            last = row[:2]
        out.append("")
    return "\n".join(out) + "\n"


def csv_text() -> str:
    """A spreadsheet saved as CSV: every row as wide as the widest, amounts with commas."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for p in PROJECTS:
        total, fiscal, carryover, other = p["funds"]
        writer.writerows([
            ["财政项目支出绩效目标申报表", "", "", ""], [f"（{YEAR}年度）", "", "", ""],
            ["项目名称", p["name"], "项目性质", p["nature"]],
            ["项目类别", p["category"], "", ""],
            ["主管部门", DEPARTMENT, "实施单位", UNIT],
            ["计划开始日期", f"{YEAR}/1/1", "计划完成日期", f"{YEAR}/12/31"],
            ["项目资金（元）", "年度资金申请总额", total, ""],
            ["", "其中：当年财政拨款", fiscal, ""], ["", "上年结转资金", carryover, ""],
            ["", "其他资金", other, ""],
            ["年度总体目标", p["goal"], "", ""],
            ["一级指标", "二级指标", "三级指标", "年度指标值"]])
        writer.writerows([row[0], row[1], row[2], target(row)] for row in p["rows"])
    return buffer.getvalue()


def self_evaluation_tabs() -> str:
    """A filled 自评表 copied from a web page: tabs, merged cells left blank, 总分 at the end."""
    out = []
    for p in PROJECTS:
        initial, adjusted, executed, score = p["budget"]
        out += ["项目支出绩效自评表", f"（{YEAR}年度）",
                f"项目名称\t{p['name']}", f"主管部门\t{DEPARTMENT}\t实施单位\t{UNIT}",
                "项目资金（元）\t\t年初预算数\t全年预算数\t全年执行数\t分值\t执行率\t得分",
                f"\t年度资金总额\t{initial:,.2f}\t{adjusted:,.2f}\t{executed:,.2f}\t10\t"
                f"{executed / adjusted:.2%}\t{score:.2f}",
                f"\t其中：当年财政拨款\t{p['fiscal'][0]:,.2f}\t{p['fiscal'][1]:,.2f}\t{p['fiscal'][2]:,.2f}\t—\t—\t—"]
        if p["carryover"]:
            c = p["carryover"]
            out.append(f"\t上年结转资金\t{c[0]:,.2f}\t{c[1]:,.2f}\t{c[2]:,.2f}\t—\t—\t—")
        out += ["年度总体目标\t预期目标\t\t实际完成情况", f"\t{p['goal']}\t\t{p['summary']}",
                "绩效指标\t一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\t分值\t得分\t偏差原因分析及改进措施"]
        last = (None, None)
        for row, (actual, weight, score_, reason) in zip(p["rows"], p["actuals"]):
            level1 = row[0] if row[0] != last[0] else ""
            level2 = row[1] if row[:2] != last else ""
            out.append(f"\t{level1}\t{level2}\t{row[2]}\t{target(row)}\t{actual}\t{weight}\t{score_}\t{reason}")
            last = row[:2]
        out += [f"总分\t\t\t\t\t\t100\t{p['total']}\t", ""]
    return "\n".join(out)


# ---- workbooks -----------------------------------------------------------------------------

def _styled(ws, cell, value, number_format=None):
    ws[cell] = value
    if number_format:
        ws[cell].number_format = number_format


def declaration_workbook(path: Path) -> None:
    """The official 申报表 layout, both projects on one sheet, merged cells as the budget
    system exports them."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "申报表"
    top = 1
    for p in PROJECTS:
        total, fiscal, carryover, other = (money(v) for v in p["funds"])
        r = top
        ws.cell(r, 1, "财政项目支出绩效目标申报表")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=6)
        ws.cell(r + 1, 1, f"（{YEAR}年度）")
        ws.merge_cells(start_row=r + 1, start_column=1, end_row=r + 1, end_column=6)
        for column, value in enumerate(["项目名称", p["name"], "项目性质", p["nature"], "项目类别",
                                        p["category"]], 1):
            ws.cell(r + 2, column, value)
        for column, value in enumerate(["主管部门", DEPARTMENT, "实施单位", UNIT], 1):
            ws.cell(r + 3, column, value)
        ws.merge_cells(start_row=r + 3, start_column=4, end_row=r + 3, end_column=6)
        ws.cell(r + 4, 1, "计划开始日期")
        ws.cell(r + 4, 2, dt.datetime(YEAR, 1, 1)).number_format = "yyyy-mm-dd"
        ws.cell(r + 4, 3, "计划完成日期")
        ws.cell(r + 4, 4, dt.datetime(YEAR, 12, 31)).number_format = "yyyy-mm-dd"
        ws.cell(r + 5, 1, "项目资金（元）")
        ws.merge_cells(start_row=r + 5, start_column=1, end_row=r + 8, end_column=1)
        for offset, (section, label, amount) in enumerate([
                ("项目资金总额", "年度资金申请总额", total), ("其中：财政资金", "其中：当年财政拨款", fiscal),
                (None, "上年结转资金", carryover), ("其他资金", "其他资金", other)]):
            if section:
                ws.cell(r + 5 + offset, 2, section)
            ws.cell(r + 5 + offset, 4, label)
            ws.cell(r + 5 + offset, 5, amount).number_format = "#,##0.00"
            ws.merge_cells(start_row=r + 5 + offset, start_column=2, end_row=r + 5 + offset, end_column=3)
            ws.merge_cells(start_row=r + 5 + offset, start_column=5, end_row=r + 5 + offset, end_column=6)
        ws.cell(r + 9, 1, "项目绩效目标")
        ws.merge_cells(start_row=r + 9, start_column=1, end_row=r + 10, end_column=1)
        ws.cell(r + 9, 2, "年度总体目标")
        ws.merge_cells(start_row=r + 9, start_column=2, end_row=r + 9, end_column=6)
        ws.cell(r + 10, 2, p["goal"])
        ws.merge_cells(start_row=r + 10, start_column=2, end_row=r + 10, end_column=6)
        head = r + 11
        ws.cell(head, 1, "绩效指标")
        for column, value in enumerate(["一级指标", "二级指标", "三级指标", "年度(/项目)指标值"], 2):
            ws.cell(head, column, value)
        ws.merge_cells(start_row=head, start_column=5, end_row=head, end_column=6)
        rows = p["rows"]
        ws.merge_cells(start_row=head, start_column=1, end_row=head + len(rows), end_column=1)
        _merged_levels(ws, head + 1, rows, first_column=2,
                       values=lambda row: [row[2], target(row)])
        for index in range(len(rows)):
            ws.merge_cells(start_row=head + 1 + index, start_column=5, end_row=head + 1 + index,
                           end_column=6)
        top = head + len(rows) + 3
    book.save(path)


def _text_cell(ws, row, column, value):
    """A cell holding ``value``; =100% is text, as a 申报表 writes it, not a formula."""
    cell = ws.cell(row, column, value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell


def _merged_levels(ws, first_row, rows, first_column, values):
    """Write indicator rows with 一级 and 二级 merged down their blocks."""
    for index, row in enumerate(rows):
        r = first_row + index
        for offset, value in enumerate(values(row)):
            _text_cell(ws, r, first_column + 2 + offset, value)
    for level in (0, 1):
        start = 0
        for index in range(1, len(rows) + 1):
            if index == len(rows) or rows[index][:level + 1] != rows[start][:level + 1]:
                ws.cell(first_row + start, first_column + level, rows[start][level])
                if index - start > 1:
                    ws.merge_cells(start_row=first_row + start, start_column=first_column + level,
                                   end_row=first_row + index - 1, end_column=first_column + level)
                start = index


def shuffled_workbook(path: Path) -> None:
    """A unit's own sheet: one header row, columns in another order, 指标性质 and 度量单位
    apart, every row labelled, the project fields in a block at the top."""
    from openpyxl import Workbook

    book = Workbook()
    for number, p in enumerate(PROJECTS):
        ws = book.active if number == 0 else book.create_sheet()
        ws.title = p["name"]
        total, fiscal, carryover, other = (money(v) for v in p["funds"])
        block = [("项目名称", p["name"]), ("主管部门", DEPARTMENT), ("实施单位", UNIT),
                 ("项目性质", p["nature"]), ("项目类别", p["category"]),
                 ("计划开始日期", f"{YEAR}年1月1日"), ("计划完成日期", dt.datetime(YEAR, 12, 31)),
                 ("年度资金申请总额", total), ("其中：当年财政拨款", fiscal),
                 ("上年结转资金", carryover), ("其他资金", other), ("年度总体目标", p["goal"])]
        ws.cell(1, 1, f"{YEAR}年度绩效目标表")
        for r, (label, value) in enumerate(block, 2):
            ws.cell(r, 1, label)
            cell = ws.cell(r, 2, value)
            if isinstance(value, float):
                cell.number_format = "#,##0.00"
            elif isinstance(value, dt.datetime):
                cell.number_format = "yyyy/m/d"
        ws.cell(len(block) + 2, 1, "金额单位：元")
        head = len(block) + 4
        for column, value in enumerate(["三级指标", "度量单位", "指标值", "指标性质", "二级指标", "一级指标"], 1):
            ws.cell(head, column, value)
        for r, row in enumerate(p["rows"], head + 1):
            value = float(row[4]) if row[4].isdigit() else row[4]
            for column, item in enumerate([row[2], row[5], value, row[3], row[1], row[0]], 1):
                _text_cell(ws, r, column, item if item != "" else None)
    book.save(path)


def self_evaluation_workbook(path: Path) -> None:
    """The official 自评表 layout, one project a sheet, as units fill it in Excel."""
    from openpyxl import Workbook

    book = Workbook()
    for number, p in enumerate(PROJECTS):
        ws = book.active if number == 0 else book.create_sheet()
        ws.title = f"自评表{number + 1}"
        initial, adjusted, executed, score = p["budget"]
        ws.cell(1, 1, "项目支出绩效自评表")
        ws.merge_cells("A1:I1")
        ws.cell(2, 1, f"（{YEAR}年度）")
        ws.merge_cells("A2:I2")
        ws.cell(3, 1, "项目名称")
        ws.merge_cells("A3:B3")
        ws.cell(3, 3, p["name"])
        ws.merge_cells("C3:I3")
        ws.cell(4, 1, "主管部门")
        ws.merge_cells("A4:B4")
        ws.cell(4, 3, DEPARTMENT)
        ws.merge_cells("C4:E4")
        ws.cell(4, 6, "实施单位")
        ws.cell(4, 7, UNIT)
        ws.merge_cells("G4:I4")
        fund_rows = [("年度资金总额", (initial, adjusted, executed), (10, executed / adjusted, score)),
                     ("其中：当年财政拨款", p["fiscal"], None)]
        if p["carryover"]:
            fund_rows.append(("上年结转资金", p["carryover"], None))
        ws.cell(5, 1, "项目资金（元）")
        ws.merge_cells(start_row=5, start_column=1, end_row=5 + len(fund_rows), end_column=2)
        for column, value in enumerate(["", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"], 3):
            if value:
                ws.cell(5, column, value)
        for r, (label, amounts, scored) in enumerate(fund_rows, 6):
            ws.cell(r, 3, label)
            for column, amount in enumerate(amounts, 4):
                ws.cell(r, column, amount).number_format = "#,##0.00"
            if scored:
                ws.cell(r, 7, scored[0]).number_format = "0.00"
                ws.cell(r, 8, scored[1]).number_format = "0.00%"
                ws.cell(r, 9, scored[2]).number_format = "0.00"
            else:
                for column in (7, 8, 9):
                    ws.cell(r, column, "—")
        r = 6 + len(fund_rows)
        ws.cell(r, 1, "年度总体目标")
        ws.merge_cells(start_row=r, start_column=1, end_row=r + 1, end_column=2)
        ws.cell(r, 3, "预期目标")
        ws.merge_cells(start_row=r, start_column=3, end_row=r, end_column=5)
        ws.cell(r, 6, "实际完成情况")
        ws.merge_cells(start_row=r, start_column=6, end_row=r, end_column=9)
        ws.cell(r + 1, 3, p["goal"])
        ws.merge_cells(start_row=r + 1, start_column=3, end_row=r + 1, end_column=5)
        ws.cell(r + 1, 6, p["summary"])
        ws.merge_cells(start_row=r + 1, start_column=6, end_row=r + 1, end_column=9)
        head = r + 2
        for column, value in enumerate(["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值",
                                        "分值", "得分", "偏差原因分析及改进措施"], 1):
            ws.cell(head, column, value)
        rows = p["rows"]
        ws.merge_cells(start_row=head, start_column=1, end_row=head + len(rows), end_column=1)
        actuals = dict(zip((row[2] for row in rows), p["actuals"]))

        def values(row):
            actual, weight, score_, reason = actuals[row[2]]
            return [row[2], target(row), actual, weight, score_, reason or None]

        _merged_levels(ws, head + 1, rows, first_column=2, values=values)
        for index in range(len(rows)):
            ws.cell(head + 1 + index, 7).number_format = "0.00"
            ws.cell(head + 1 + index, 8).number_format = "0.00"
        total_row = head + len(rows) + 1
        ws.cell(total_row, 1, "总分")
        ws.merge_cells(start_row=total_row, start_column=1, end_row=total_row, end_column=6)
        ws.cell(total_row, 7, 100).number_format = "0.00"
        ws.cell(total_row, 8, p["total"]).number_format = "0.00"
    book.save(path)


# ---- Word ----------------------------------------------------------------------------------

def self_evaluation_docx(path: Path) -> None:
    """The 自评表 as many units fill it in Word: a title, then one table a project."""
    import docx
    from docx.shared import Pt

    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name = "Noto Sans CJK SC"
    style.font.size = Pt(9)
    for number, p in enumerate(PROJECTS):
        if number:
            document.add_page_break()
        document.add_paragraph("项目支出绩效自评表")
        document.add_paragraph(f"（{YEAR}年度）")
        initial, adjusted, executed, score = p["budget"]
        rows = p["rows"]
        funds = [("年度资金总额", (initial, adjusted, executed), ("10", f"{executed / adjusted:.2%}", f"{score:.2f}")),
                 ("其中：当年财政拨款", p["fiscal"], ("—", "—", "—"))]
        funds += [("上年结转资金", p["carryover"], ("—", "—", "—"))] if p["carryover"] else []
        height = 3 + len(funds) + 2 + 1 + len(rows) + 1
        table = document.add_table(rows=height, cols=9)
        table.style = "Table Grid"

        def put(r, c, text, r2=None, c2=None):
            cell = table.cell(r, c)
            if r2 is not None or c2 is not None:
                cell = cell.merge(table.cell(r2 if r2 is not None else r, c2 if c2 is not None else c))
            cell.text = str(text)

        put(0, 0, "项目名称", c2=1)
        put(0, 2, p["name"], c2=8)
        put(1, 0, "主管部门", c2=1)
        put(1, 2, DEPARTMENT, c2=4)
        put(1, 5, "实施单位")
        put(1, 6, UNIT, c2=8)
        put(2, 0, "项目资金（元）", r2=2 + len(funds), c2=1)
        for column, value in enumerate(["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"], 3):
            put(2, column, value)
        for r, (label, amounts, scored) in enumerate(funds, 3):
            put(r, 2, label)
            for column, value in enumerate([f"{a:,.2f}" for a in amounts] + list(scored), 3):
                put(r, column, value)
        goal = 3 + len(funds)
        put(goal, 0, "年度总体目标", r2=goal + 1, c2=1)
        put(goal, 2, "预期目标", c2=4)
        put(goal, 5, "实际完成情况", c2=8)
        put(goal + 1, 2, p["goal"], c2=4)
        put(goal + 1, 5, p["summary"], c2=8)
        head = goal + 2
        for column, value in enumerate(["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值",
                                        "分值", "得分", "偏差原因分析及改进措施"]):
            table.cell(head, column).text = value
        put(head, 0, "绩效指标", r2=head + len(rows))
        for index, (row, (actual, weight, score_, reason)) in enumerate(zip(rows, p["actuals"])):
            r = head + 1 + index
            for column, value in enumerate([row[2], target(row), actual, weight, score_, reason], 3):
                table.cell(r, column).text = str(value)
        for level in (0, 1):
            start = 0
            for index in range(1, len(rows) + 1):
                if index == len(rows) or rows[index][:level + 1] != rows[start][:level + 1]:
                    r = head + 1 + start
                    cell = table.cell(r, 1 + level)
                    if index - start > 1:
                        cell = cell.merge(table.cell(head + index, 1 + level))
                    cell.text = rows[start][level]
                    start = index
        total = head + len(rows) + 1
        put(total, 0, "总分", c2=5)
        put(total, 6, "100")
        put(total, 7, f"{p['total']:.2f}")
    document.core_properties.created = dt.datetime(2000, 1, 1)
    document.save(path)


# ---- HTML → PDF ----------------------------------------------------------------------------

def declaration_html() -> str:
    """The 申报表 as a published page (ruled table, merged 一级/二级 by rowspan)."""
    e = html.escape
    parts = ["<!doctype html><meta charset=utf-8><style>body{font-family:'Noto Sans CJK SC';font-size:11px}"
             "table{border-collapse:collapse;width:100%;margin-bottom:24px}"
             "td{border:1px solid #000;padding:4px}</style>"]
    for p in PROJECTS:
        total, fiscal, carryover, other = p["funds"]
        parts.append(f"<p>财政项目支出绩效目标申报表</p><p>（{YEAR}年度）</p><table>")
        parts.append(f"<tr><td>项目名称<td>{e(p['name'])}<td>项目性质<td>{e(p['nature'])}<td>项目类别<td>{e(p['category'])}")
        parts.append(f"<tr><td>主管部门<td>{DEPARTMENT}<td>实施单位<td colspan=3>{UNIT}")
        parts.append(f"<tr><td>计划开始日期<td>{YEAR}-01-01<td>计划完成日期<td colspan=3>{YEAR}-12-31")
        parts.append(f"<tr><td rowspan=2>项目资金（元）<td>年度资金申请总额<td>{total}<td>其中：当年财政拨款<td colspan=2>{fiscal}")
        parts.append(f"<tr><td>上年结转资金<td>{carryover}<td>其他资金<td colspan=2>{other}")
        parts.append(f"<tr><td>年度总体目标<td colspan=5>{e(p['goal'])}")
        parts.append("<tr><td>绩效指标<td>一级指标<td>二级指标<td>三级指标<td colspan=2>年度(/项目)指标值")
        rows = p["rows"]
        for index, row in enumerate(rows):
            cells = ["<td></td>"]
            if index == 0 or rows[index - 1][0] != row[0]:
                span = sum(1 for _ in _run(rows, index, 1))
                cells.append(f"<td rowspan={span}>{row[0]}")
            if index == 0 or rows[index - 1][:2] != row[:2]:
                span = sum(1 for _ in _run(rows, index, 2))
                cells.append(f"<td rowspan={span}>{row[1]}")
            cells.append(f"<td>{e(row[2])}<td colspan=2>{e(target(row))}")
            parts.append("<tr>" + "".join(cells))
        parts.append("</table>")
    return "".join(parts)


def _run(rows, index, depth):
    for row in rows[index:]:
        if row[:depth] != rows[index][:depth]:
            return
        yield row


def main() -> None:
    HERE.mkdir(exist_ok=True)
    (HERE / "declaration-pipes.md").write_text(markdown(), encoding="utf-8")
    (HERE / "declaration-lines.txt").write_text(one_cell_per_line(), encoding="utf-8")
    (HERE / "declaration.csv").write_bytes(csv_text().encode("utf-8-sig"))  # Excel's CSV
    (HERE / "self-evaluation-tabs.txt").write_text(self_evaluation_tabs(), encoding="utf-8")
    declaration_workbook(HERE / "declaration-official.xlsx")
    shuffled_workbook(HERE / "declaration-columns.xlsx")
    self_evaluation_workbook(HERE / "self-evaluation-official.xlsx")
    self_evaluation_docx(HERE / "self-evaluation.docx")
    with tempfile.TemporaryDirectory() as work:
        office = shutil.which("libreoffice") or shutil.which("soffice")
        if office:
            profile = f"-env:UserInstallation=file://{work}/profile"
            for source, kind, name in (("declaration-official.xlsx", "xls", "declaration-official.xls"),
                                       ("self-evaluation-official.xlsx", "ods", "self-evaluation.ods"),
                                       ("self-evaluation.docx", "pdf", "self-evaluation.pdf")):
                subprocess.run([office, profile, "--headless", "--convert-to", kind, "--outdir", work,
                                str(HERE / source)], check=True, capture_output=True, timeout=180)
                shutil.copy(Path(work) / (Path(source).stem + "." + kind), HERE / name)
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if chromium:
            page = Path(work) / "declaration.html"
            page.write_text(declaration_html(), encoding="utf-8")
            subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                            "--no-pdf-header-footer", f"--user-data-dir={work}/chromium",
                            f"--print-to-pdf={HERE / 'declaration-printed.pdf'}", page.as_uri()],
                           check=True, capture_output=True, timeout=180)
    from PIL import Image, ImageDraw

    scan = Image.new("L", (595, 842), 255)
    ImageDraw.Draw(scan).rectangle((60, 80, 535, 400), outline=0, width=2)
    scan.save(HERE / "scanned.pdf", "PDF", resolution=72)
    for path in sorted(HERE.iterdir()):
        print(f"wrote {path.relative_to(HERE.parent.parent.parent)}")


if __name__ == "__main__":
    main()
