"""The 自评表 as an Excel workbook (openpyxl): one sheet per project in the official layout, and a
summary sheet. Reads only the ReportContext, like the templates (its cells take the views' exact
values, ``*_value``, not their display strings). The file is byte-for-byte deterministic: fixed
document timestamps and fixed ZIP entry times."""

from __future__ import annotations

import datetime as dt
import io
import re
import weakref
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .diagnostics import display_width
from .report import ProjectView, ReportContext, printable

FIXED_TIME = dt.datetime(2000, 1, 1, 0, 0, 0)
_THIN = Side(style="thin", color="333333")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEAD = PatternFill("solid", fgColor="EEF1F5")
BOLD = Font(bold=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")
MONEY = "#,##0.00####"  # to the cent, or as finely as written (110.2035 万元), as in MD and HTML
POINTS = "0.00"
PERCENT = "0.00%"


def sheet_title(name: str, taken: set[str]) -> str:
    """A title Excel opens without complaint: none of []:*?/\\ nor a control character, not
    quoted, not the reserved History, at most 31 characters, and unlike the others in any case
    (Excel takes 项目a and 项目A for one sheet). ``taken`` holds the titles given, case-folded."""
    base = re.sub(r"[\[\]:*?/\\]", "_", re.sub(r"[\x00-\x1f\x7f]+", " ", name)).strip().strip("'")
    base = base or "项目"
    if base.casefold() == "history":
        base += "_"
    title = base[:31]
    counter = 2
    while title.casefold() in taken:
        suffix = f"({counter})"
        title = base[:31 - len(suffix)] + suffix
        counter += 1
    taken.add(title.casefold())
    return title


_FORMULA_START = ("=", "+", "-", "@")  # what a spreadsheet takes for the start of a formula
CELL_LIMIT = 32767  # characters a cell of Excel holds
# the cells of a workbook whose text was cut, with a visible …, to what a cell holds
_CUT: "weakref.WeakKeyDictionary[Workbook, list[str]]" = weakref.WeakKeyDictionary()


class _Sheet:
    def __init__(self, ws: Worksheet, columns: int):
        self.ws, self.columns = ws, columns
        self.lines: dict[int, int] = {}  # row → lines its wrapped text needs

    def need_lines(self, row: int, text: str, column: int, span: int) -> None:
        """Spreadsheets do not grow a row for wrapped text they did not lay out themselves:
        estimate the lines from the text's display width and the column widths."""
        width = sum(self.ws.column_dimensions[get_column_letter(c)].width or 10
                    for c in range(column, column + span))
        lines = sum(max(1, -(-display_width(part) // max(int(width) - 1, 1)))
                    for part in text.split("\n"))
        self.lines[row] = max(self.lines.get(row, 1), lines)

    def fit_rows(self) -> None:
        for row, lines in self.lines.items():
            if lines > 1:
                self.ws.row_dimensions[row].height = min(409, 15 * lines)

    def put(self, row: int, column: int, value, *, head: bool = False, align=LEFT,
            number_format: str | None = None, span: int = 1, rows: int = 1) -> None:
        value = printable(value)
        if isinstance(value, str) and len(value) > CELL_LIMIT:  # openpyxl would cut it unseen
            _CUT.setdefault(self.ws.parent, []).append(
                f"{self.ws.title}!{get_column_letter(column)}{row}（{len(value):,} 字）")
            value = value[:CELL_LIMIT - 1] + "…"
        cell = self.ws.cell(row=row, column=column, value=value)
        if isinstance(value, str):
            # Text stays text: a target such as =100.00(%) is not a formula, and with Excel's
            # quote prefix it stays text when the cell is edited (or the sheet saved as CSV)
            cell.data_type = "s"
            if value[:1] in _FORMULA_START:
                cell.quotePrefix = True
            if rows == 1 and value:
                self.need_lines(row, value, column, span)
        cell.alignment = CENTER if head else align
        if head:
            cell.fill, cell.font = HEAD, BOLD
        if number_format:
            cell.number_format = number_format
        for r in range(row, row + rows):
            for c in range(column, column + span):
                self.ws.cell(row=r, column=c).border = BORDER
        if span > 1 or rows > 1:
            self.ws.merge_cells(start_row=row, start_column=column, end_row=row + rows - 1,
                                end_column=column + span - 1)


def title_rows(ws: Worksheet, year: int | str, columns: int) -> None:
    """The table's title and its year, across the sheet's columns (rows 1 and 2)."""
    ws.cell(row=1, column=1, value="项目支出绩效自评表").font = Font(bold=True, size=16)
    ws.cell(row=1, column=1).alignment = CENTER
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=columns)
    ws.cell(row=2, column=1, value=f"（{year}年度）").alignment = CENTER
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=columns)


def _project_sheet(ws: Worksheet, report: ReportContext, p: ProjectView
                   ) -> dict[str, Decimal | None]:
    """Lays the sheet out; gives the values its formulas hold, by cell."""
    cols = 10 if p.has_self_scores else 9
    s = _Sheet(ws, cols)
    widths = [6, 12, 16, 26, 16, 14, 9, 9] + ([9] if p.has_self_scores else []) + [48]
    for index, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    title_rows(ws, report.year, cols)
    s.put(3, 1, "项目名称", head=True, span=2)
    s.put(3, 3, p.name + (f"（{p.code}）" if p.code else ""), span=cols - 2)
    s.put(4, 1, "主管部门", head=True, span=2)
    s.put(4, 3, p.department, span=3)
    s.put(4, 6, "实施单位", head=True)
    s.put(4, 7, p.unit, span=cols - 6)
    funds_rows = 2 + len(p.fund_rows)
    s.put(5, 1, f"项目资金（{p.funds_unit}）", head=True, span=2, rows=funds_rows)
    heads = ["", "年初预算数", "全年预算数", "全年执行数"]
    heads += ["分值", "执行率", "得分"] if report.has_budget_row else ["执行率"]
    for offset, head in enumerate(heads):
        last = offset == len(heads) - 1
        s.put(5, 3 + offset, head, head=True, span=(cols - 2 - offset) if last else 1)
    values = [("年度资金总额", None), (p.initial_value, MONEY), (p.adjusted_value, MONEY),
              (p.executed_value, MONEY)]
    if report.has_budget_row:
        values += [(p.budget_weight_value, POINTS), (p.rate_value, PERCENT),
                   (p.budget_score_value, POINTS)]
    else:
        values += [(p.rate_value, PERCENT)]
    _values_row(s, 6, values, cols)
    for row, fund in enumerate(p.fund_rows, 7):  # 其中：当年财政拨款 …; — where the form has none
        _values_row(s, row, [(fund.label, None), (fund.initial_value, MONEY),
                             (fund.adjusted_value, MONEY), (fund.executed_value, MONEY)]
                    + [("—", None)] * (len(heads) - 4), cols)
    goal_row = 5 + funds_rows
    s.put(goal_row, 1, "年度总体目标", head=True, span=2, rows=2)
    s.put(goal_row, 3, "预期目标", head=True, span=3)
    s.put(goal_row, 6, "实际完成情况", head=True, span=cols - 5)
    s.put(goal_row + 1, 3, p.goal, span=3)
    s.put(goal_row + 1, 6, p.summary, span=cols - 5)
    first = goal_row + 2
    s.put(first, 1, "绩效指标", head=True, rows=len(p.indicators) + 2)
    heads = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]
    heads += ["规则得分"] if p.has_self_scores else []
    heads += ["偏差原因分析及改进措施"]
    for offset, head in enumerate(heads):
        s.put(first, 2 + offset, head, head=True)
    row = first + 1
    for i in p.indicators:
        if i.level1_span:
            s.put(row, 2, i.level1, align=CENTER, rows=i.level1_span)
        if i.level2_span:
            s.put(row, 3, i.level2, align=CENTER, rows=i.level2_span)
        s.put(row, 4, i.name)
        s.put(row, 5, i.target)
        s.put(row, 6, i.actual)
        column = _score_cells(s, row, p, i.weight_value, i.score_value, i.rule_score_value)
        remark = "".join(f"【{f}】" for f in i.flags) + i.remark
        if i.problem:
            remark += f"（输入有误：{i.problem}）"
        if i.missing_reason:
            remark += "（未填写偏差原因）"
        if i.self_note:
            remark += f"（{i.self_note}）"
        s.put(row, column, remark)
        row += 1
    s.put(row, 2, "总分", head=True, span=5)
    column = _score_cells(s, row, p, p.weight_total_value, p.total_value, p.rule_total_value)
    # 总分 adds the 得分 above it, so a reviewer's edit of a score carries to it; its value is
    # saved beside the formula (``with_cached_values``) for readers that do not recalculate
    ws.cell(row=row, column=8).value = (f"=SUM(H{first + 1}:H{row - 1})"
                                        + ("+I6" if report.has_budget_row else ""))
    cached = {f"H{row}": p.total_value}
    s.put(row, column, f"自评等级：{p.grade}")
    note = _notes(p)
    if note:  # what Markdown and HTML say under the table
        row += 1
        s.put(row, 1, note, span=cols)
    ws.print_area = f"A1:{get_column_letter(cols)}{row}"
    ws.print_title_rows = f"{first}:{first}"
    s.fit_rows()
    _page_setup(ws)
    return cached


def _values_row(s: _Sheet, row: int, values: list, cols: int) -> None:
    """A row of the 项目资金 block from its third column; the last value fills the row."""
    for offset, (value, fmt) in enumerate(values):
        last = offset == len(values) - 1
        align = RIGHT if fmt else (CENTER if value == "—" else LEFT)
        s.put(row, 3 + offset, value, align=align, number_format=fmt,
              span=(cols - 2 - offset) if last else 1)


def _notes(p: ProjectView) -> str:
    """The budget's flags and the unit's own budget score (beside the rate and the score in
    MD and HTML, cells of numbers here), then what those say under the table."""
    note = f"预算执行：{'、'.join(p.budget_flags)}。" if p.budget_flags else ""
    if p.budget_self_score:
        note += f"预算执行率得分：单位自评 {p.budget_self_score}，规则得分 {p.budget_rule_score}。"
    return note + p.score_note


def _score_cells(s: _Sheet, row: int, p: ProjectView, weight: Decimal | None,
                 score: Decimal | None, rule_score: Decimal | None) -> int:
    """分值, 得分 (and 规则得分 when the unit gave its own) from column 7; the next column."""
    s.put(row, 7, weight, align=RIGHT, number_format=POINTS)
    s.put(row, 8, score, align=RIGHT, number_format=POINTS)
    if not p.has_self_scores:
        return 9
    s.put(row, 9, rule_score, align=RIGHT, number_format=POINTS)
    return 10


def _page_setup(ws: Worksheet) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4


def _summary_sheet(ws: Worksheet, report: ReportContext) -> None:
    s = _Sheet(ws, 6)
    for index, width in enumerate([30, 18, 18, 10, 10, 10], 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    title = printable(f"单位汇总：{report.unit}（{report.year}年度）")
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    ws.merge_cells("A1:F1")
    ws.cell(row=2, column=1, value=printable(f"评分规则：{report.rules_title}（{report.rules_name}）　"
                                             f"金额单位：{report.funds_unit}"))
    ws.merge_cells("A2:F2")
    for offset, head in enumerate(["项目名称", "全年预算数", "全年执行数", "执行率", "总分", "自评等级"]):
        s.put(3, 1 + offset, head, head=True)
    row = 4
    for line in report.summary:
        s.put(row, 1, line.name)
        s.put(row, 2, line.adjusted_value, align=RIGHT, number_format=MONEY)
        s.put(row, 3, line.executed_value, align=RIGHT, number_format=MONEY)
        s.put(row, 4, line.rate_value, align=RIGHT, number_format=PERCENT)
        s.put(row, 5, line.total_value, align=RIGHT, number_format=POINTS)
        s.put(row, 6, line.grade, align=CENTER)
        row += 1
    s.put(row, 1, "合计（总分为平均）", head=True)  # the average stays a number, as in its column
    s.put(row, 2, report.total_adjusted_value, align=RIGHT, number_format=MONEY)
    s.put(row, 3, report.total_executed_value, align=RIGHT, number_format=MONEY)
    s.put(row, 4, report.total_rate_value, align=RIGHT, number_format=PERCENT)
    s.put(row, 5, report.average_total_value, align=RIGHT, number_format=POINTS)
    if report.unscored_note:
        row += 2
        note = printable(report.unscored_note)
        ws.cell(row=row, column=1, value=note).alignment = LEFT
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=6)
        s.need_lines(row, note, 1, 6)
    row += 2
    ws.cell(row=row, column=1, value="等级分布").font = BOLD
    for name, count in report.grade_counts:
        row += 1
        ws.cell(row=row, column=1, value=printable(name))
        ws.cell(row=row, column=2, value=count)
    ws.print_area = f"A1:F{row}"
    s.fit_rows()  # a long name wraps: its row grows to show it
    _page_setup(ws)
    ws.page_setup.orientation = "portrait"




def render_xlsx(report: ReportContext, cut: list[str] | None = None) -> bytes:
    """The workbook; the cells whose text was cut are added to ``cut``."""
    workbook = Workbook()
    summary = workbook.active
    summary.title = "单位汇总"
    _summary_sheet(summary, report)
    taken = {"单位汇总".casefold()}
    cached = {}
    for index, project in enumerate(report.projects, 1):
        cached[index] = _project_sheet(workbook.create_sheet(sheet_title(project.name, taken)),
                                       report, project)
    if cut is not None:
        cut.extend(_CUT.pop(workbook, []))
    if report.submission and report.projects:  # the hand-in version: the forms only
        workbook.remove(summary)
        cached = {index - 1: values for index, values in cached.items()}
    return saved(workbook, cached)


def saved(workbook: Workbook, cached: dict[int, dict[str, Decimal | None]] | None = None
          ) -> bytes:
    """The workbook's bytes, the same each time for the same content; ``cached``: the values
    of its formulas, by sheet (counted from 0) and cell (see ``with_cached_values``)."""
    workbook.properties.creator = "Jixiao"
    workbook.properties.created = FIXED_TIME
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _deterministic(buffer.getvalue(), cached)


_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*><f>[^<]*</f><v>(</v>)')
_SHEET_PART = re.compile(r"xl/worksheets/sheet([0-9]+)\.xml")


def with_cached_values(content: bytes, values: dict[str, Decimal | None]) -> bytes:
    """A sheet's XML with the values of its formulas written beside them (openpyxl writes a
    formula with an empty value), as Excel saves them: a reader that does not calculate
    (openpyxl's data_only, most converters) sees the number."""
    def fill(match: re.Match) -> bytes:
        value = values.get(match.group(1).decode())
        if value is None:
            return match.group(0)
        return match.group(0)[:match.start(2) - match.start(0)] + str(value).encode() + b"</v>"

    return _FORMULA_CELL.sub(fill, content)


def _deterministic(data: bytes, cached: dict[int, dict[str, Decimal | None]] | None = None
                   ) -> bytes:
    """openpyxl stamps the save time into docProps/core.xml and the ZIP entries; fix both.
    ``cached``: the values of formulas, by sheet (counted from 0) and cell."""
    from .packages import fixed_package

    def with_values(name: str, content: bytes) -> bytes:
        sheet = _SHEET_PART.fullmatch(name)
        if cached and sheet and int(sheet.group(1)) - 1 in cached:
            return with_cached_values(content, cached[int(sheet.group(1)) - 1])
        return content

    return fixed_package(data, with_values)
