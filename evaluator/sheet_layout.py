"""Sheets laid out with openpyxl, for the workbooks made small and edited by people: the
fill-in 自评表 (fill_in.py, with its protection and data validation) and the department's
summary (department.py). The report workbook of a unit, which may hold 10 000 projects, is
written directly (xlsx.py, spreadsheet.py). Saved byte for byte the same each time: fixed
document timestamps and fixed ZIP entry times."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .report import printable
from .spreadsheet import CELL_LIMIT, FORMULA_START, lines_needed

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


class _Sheet:
    def __init__(self, ws: Worksheet, columns: int):
        self.ws, self.columns = ws, columns
        self.lines: dict[int, int] = {}  # row → lines its wrapped text needs

    def need_lines(self, row: int, text: str, column: int, span: int) -> None:
        """Spreadsheets do not grow a row for wrapped text they did not lay out themselves:
        estimate the lines from the text's display width and the column widths."""
        width = sum(self.ws.column_dimensions[get_column_letter(c)].width or 10
                    for c in range(column, column + span))
        self.lines[row] = max(self.lines.get(row, 1), lines_needed(text, width))

    def fit_rows(self) -> None:
        for row, lines in self.lines.items():
            if lines > 1:
                self.ws.row_dimensions[row].height = min(409, 15 * lines)

    def put(self, row: int, column: int, value, *, head: bool = False, align=LEFT,
            number_format: str | None = None, span: int = 1, rows: int = 1) -> None:
        value = printable(value)
        if isinstance(value, str) and len(value) > CELL_LIMIT:  # openpyxl would cut it unseen
            value = value[:CELL_LIMIT - 1] + "…"
        cell = self.ws.cell(row=row, column=column, value=value)
        if isinstance(value, str):
            # Text stays text: a target such as =100.00(%) is not a formula, and with Excel's
            # quote prefix it stays text when the cell is edited (or the sheet saved as CSV)
            cell.data_type = "s"
            if value[:1] in FORMULA_START:
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


def _page_setup(ws: Worksheet) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4


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
