"""The 自评表 as an Excel workbook: one sheet per project in the official layout, and the
unit's summary sheet first. Reads only report views, like the templates (its cells take the
views' exact values, ``*_value``, not their display strings). Written as the projects are
scored, a sheet at a time (spreadsheet.py): the summary, first in the workbook, is written
last. The file is byte-for-byte deterministic."""

from __future__ import annotations

from decimal import Decimal
from typing import Callable, Iterable, Iterator

from .evaluation import Evaluation, ProjectResult
from .report import ProjectView, ReportContext, Tally, TallyEntry, printable, project_view
from .packages import deflated
from .saved_code import compiled, dataclass
from .spreadsheet import (CELL_LIMIT, FORMULA_START, Package, Sheet, SheetEntry, Style, Styles,
                          LETTERS, column_letter, lines_needed, number, number_cell, text_cell)

MONEY = "#,##0.00####"  # to the cent, or as finely as written (110.2035 万元), as in MD and HTML
POINTS = "0.00"
PERCENT = "0.00%"
LEFT, CENTER, RIGHT = "left", "center", "right"
SUMMARY = "单位汇总"


_CONTROL_RUN = compiled(r"[\x00-\x1f\x7f]+")
_NOT_IN_TITLE = compiled(r"[\[\]:*?/\\]")


def sheet_title(name: str, taken: set[str]) -> str:
    """A title Excel opens without complaint: none of []:*?/\\ nor a control character, not
    quoted, not the reserved History, at most 31 characters, and unlike the others in any case
    (Excel takes 项目a and 项目A for one sheet). ``taken`` holds the titles given, case-folded."""
    base = _NOT_IN_TITLE.sub("_", _CONTROL_RUN.sub(" ", name)).strip().strip("'")
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


# Every style the layout uses, numbered up front in one order, so that sheets laid out in worker
# processes number them as this one does: a merged range's other cells, the looks of cells
# without a border (the title rows, the summary's title and notes), then a bordered cell by
# (head, alignment, number format, quote prefix).
_BLANK = Style(border=True)
_TITLE, _YEAR = Style(bold=True, size=16, horizontal=CENTER, wrap=True), Style(horizontal=CENTER, wrap=True)
_HEADING, _NOTE, _BOLD = Style(bold=True, size=14), Style(horizontal=LEFT, wrap=True), Style(bold=True)
_NUMBERING = Styles()
BLANK, TITLE, YEAR, HEADING, NOTE, BOLD = (_NUMBERING.id(look) for look in (
    _BLANK, _TITLE, _YEAR, _HEADING, _NOTE, _BOLD))
_IDS = {(head, align, number_format, quoted): _NUMBERING.id(Style(
    bold=head, fill="EEF1F5" if head else None, border=True,
    horizontal=CENTER if head else align, wrap=head or align != RIGHT,
    number_format=number_format or "General", quoted=quoted))
    for head in (False, True) for align in (LEFT, CENTER, RIGHT)
    for number_format in (None, MONEY, POINTS, PERCENT) for quoted in (False, True)}


def styles() -> Styles:
    """The workbook's styles, numbered as every process numbers them."""
    numbered = Styles()
    numbered.ids = dict(_NUMBERING.ids)
    return numbered


def _text(value: str, head: bool, align: str, number_format: str | None, width: int
          ) -> tuple[str, int, int]:
    """A text's cell, as the sheet's XML holds it after the cell's address; the lines it
    wraps to in a column so wide (1 when ``width`` is 0: not counted); its length when it was
    cut, with a visible …, to what a cell holds (0 when whole)."""
    value, length = printable(value), 0
    if len(value) > CELL_LIMIT:
        value, length = value[:CELL_LIMIT - 1] + "…", len(value)
    # Text stays text: a target such as =100.00(%) is not a formula, and with Excel's quote
    # prefix it stays text when the cell is edited (or the sheet saved as CSV)
    style = _IDS[head, align, number_format, value[:1] in FORMULA_START]
    return (text_cell(style, value), lines_needed(value, width) if width and value else 1,
            length)


def _blank(row: int, column: int) -> str:
    """A merged range's other cell: only its border."""
    return f'<c r="{LETTERS[column]}{row}" s="{BLANK}"/>'


class _Form:
    """A sheet being laid out."""

    def __init__(self, widths: list[int], cells: dict | None = None):
        self.widths = widths
        # each cell's XML by what makes it: a form's names, targets, reasons, rows and columns
        # recur from project to project (the run's memo.cells, under its bound)
        self.cells: dict = {} if cells is None else cells
        self.sheet = Sheet(widths=list(widths))
        self.lines: dict[int, int] = {}  # row → lines its wrapped text needs
        self.cut: list[str] = []  # cells whose text was cut, with a visible …, to what one holds
        self.spans: dict[tuple[int, int], int] = {}  # (column, columns) → their width

    def width(self, column: int, span: int) -> int:
        width = self.spans.get((column, span))
        if width is None:
            width = self.spans[column, span] = sum(self.widths[column - 1:column - 1 + span]) + 10 * max(
                0, column + span - 1 - len(self.widths))  # a column not set: Excel's default
        return width

    def need_lines(self, row: int, text: str, column: int, span: int) -> None:
        lines = lines_needed(text, self.width(column, span))
        if lines > self.lines.get(row, 1):
            self.lines[row] = lines

    def fit_rows(self) -> None:
        for row, lines in self.lines.items():
            if lines > 1:
                self.sheet.heights[row] = min(409, 15 * lines)

    def text(self, row: int, column: int, value: str, style: int) -> None:
        """A cell of text without a border (the title rows, the summary's notes)."""
        self.sheet.set(row, column, style, "s" if value else "", printable(value))

    def put(self, row: int, column: int, value, *, head: bool = False, align: str = LEFT,
            number_format: str | None = None, span: int = 1, rows: int = 1) -> None:
        sheet = self.sheet
        if value.__class__ is str:
            width = 0
            if rows == 1:
                width = self.spans.get((column, span)) or self.width(column, span)
            key = (value, head, align, number_format, width)
            made = self.cells.get(key)
            if made is None:
                made = self.cells[key] = _text(value, head, align, number_format, width)
            rest, lines, length = made
            if length:
                self.cut.append(f"{column_letter(column)}{row}（{length:,} 字）")
            if lines > 1 and lines > self.lines.get(row, 1):
                self.lines[row] = lines
        elif value is None:
            rest = f' s="{_IDS[head, align, number_format, False]}"/>'
        else:
            key = (value, head, align, number_format)
            rest = self.cells.get(key)
            if rest is None:
                rest = self.cells[key] = number_cell(_IDS[head, align, number_format, False],
                                                     number(value))
        line = sheet.cells.get(row)
        if line is None:
            line = sheet.cells[row] = {}
        line[column] = f'<c r="{LETTERS[column]}{row}"{rest}'  # as Sheet.place, in the hot path
        if span > 1 or rows > 1:
            cells = sheet.cells
            for r in range(row, row + rows):
                line = cells.get(r)
                if line is None:
                    line = cells[r] = {}
                for c in range(column, column + span):
                    if r != row or c != column:
                        blank = self.cells.get((r, c))
                        if blank is None:
                            blank = self.cells[r, c] = _blank(r, c)
                        line[c] = blank
            sheet.merge(row, column, rows, span)


def title_rows(form: _Form, year: int | str, columns: int) -> None:
    """The table's title and its year, across the sheet's columns (rows 1 and 2)."""
    form.text(1, 1, "项目支出绩效自评表", TITLE)
    form.sheet.merge(1, 1, 1, columns)
    form.text(2, 1, f"（{year}年度）", YEAR)
    form.sheet.merge(2, 1, 1, columns)


def _project_sheet(report: ReportContext, p: ProjectView, cells: dict | None = None) -> _Form:
    cols = 10 if p.has_self_scores else 9
    s = _Form([6, 12, 16, 26, 16, 14, 9, 9] + ([9] if p.has_self_scores else []) + [48], cells)
    title_rows(s, report.year, cols)
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
    # saved beside the formula, as Excel saves it, for readers that do not recalculate
    s.sheet.set(row, 8, _IDS[False, RIGHT, POINTS, False], "f",
                f"SUM(H{first + 1}:H{row - 1})" + ("+I6" if report.has_budget_row else ""),
                "" if p.total_value is None else number(p.total_value))
    s.put(row, column, f"自评等级：{p.grade}")
    note = _notes(p)
    if note:  # what Markdown and HTML say under the table
        row += 1
        s.put(row, 1, note, span=cols)
    s.sheet.print_area = f"A1:{column_letter(cols)}{row}"
    s.sheet.print_rows = (first, first)
    s.fit_rows()
    return s


def _values_row(s: _Form, row: int, values: list, cols: int) -> None:
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


def _score_cells(s: _Form, row: int, p: ProjectView, weight: Decimal | None,
                 score: Decimal | None, rule_score: Decimal | None) -> int:
    """分值, 得分 (and 规则得分 when the unit gave its own) from column 7; the next column."""
    s.put(row, 7, weight, align=RIGHT, number_format=POINTS)
    s.put(row, 8, score, align=RIGHT, number_format=POINTS)
    if not p.has_self_scores:
        return 9
    s.put(row, 9, rule_score, align=RIGHT, number_format=POINTS)
    return 10


def _summary_sheet(report: ReportContext) -> _Form:
    s = _Form([30, 18, 18, 10, 10, 10])
    s.text(1, 1, f"单位汇总：{report.unit}（{report.year}年度）", HEADING)
    s.sheet.merge(1, 1, 1, 6)
    s.text(2, 1, f"评分规则：{report.rules_title}（{report.rules_name}）　金额单位：{report.funds_unit}",
           0)
    s.sheet.merge(2, 1, 1, 6)
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
        s.text(row, 1, note, NOTE)
        s.sheet.merge(row, 1, 1, 6)
        s.need_lines(row, note, 1, 6)
    row += 2
    s.text(row, 1, "等级分布", BOLD)
    for name, count in report.grade_counts:
        row += 1
        s.text(row, 1, name, 0)
        s.sheet.set(row, 2, 0, "n", number(count))
    s.sheet.print_area = f"A1:F{row}"
    s.sheet.landscape = False
    s.fit_rows()  # a long name wraps: its row grows to show it
    return s


@dataclass(frozen=True)
class SheetPart:
    """A project's sheet as it is sent back from where it was laid out (a worker of
    ``--jobs``): its XML, where it prints, the cells whose text was cut (by address), and what
    the summary takes of the project."""

    name: str
    xml: tuple[bytes, int, int]  # deflated, its CRC-32, its size (packages.deflated)
    print_area: str
    print_rows: tuple[int, int] | None
    cut: tuple[str, ...]
    entry: TallyEntry | None


def sheet_part(result: ProjectResult, head: ReportContext, evaluation: Evaluation,
               scored_parts: dict, cells: dict | None = None) -> SheetPart:
    """A scored project's sheet; ``head``: the report's year, its rules' budget row and
    whether it is the hand-in version; ``scored_parts``: as ``report.project_view`` keeps
    them; ``cells``: the cells made so far, by what makes them (``_Form``); both the run's
    (each process its own)."""
    view, entry = project_view(result, evaluation, head.submission, scored_parts,
                               charted=False, traced=False)  # the workbook shows neither
    return _part(head, view, entry, cells)


def _part(head: ReportContext, view: ProjectView, entry: TallyEntry | None,
          cells: dict | None = None) -> SheetPart:
    form = _project_sheet(head, view, cells)
    sheet = form.sheet
    return SheetPart(view.name, deflated(sheet.xml()), sheet.print_area, sheet.print_rows,
                     tuple(form.cut), entry)


def workbook_chunks(head: ReportContext,
                    parts: Iterable[tuple[Iterable[SheetPart], int]],
                    summary: Callable[[Tally], ReportContext], cut: list[str] | None = None
                    ) -> Iterator[tuple[bytes, int]]:
    """The workbook's bytes as each batch of sheets is written, with the projects done so far;
    then the summary's sheet, from ``summary`` of what the projects added up. ``head``: the
    report's year, its rules' budget row and whether it is the hand-in version (the forms
    only: no summary sheet, unless there is no project); the cells whose text was cut are
    added to ``cut``."""
    package = Package(styles())
    first = 1 if head.submission else 2  # sheet1.xml is the summary's
    taken = {SUMMARY.casefold()}
    entries: list[SheetEntry] = []
    tally = Tally()
    done = 0
    for batch, done in parts:
        for part in batch:
            title = sheet_title(part.name, taken)
            number_ = first + len(entries)
            package.write_sheet(number_, part.xml)
            entries.append(SheetEntry(title, part.print_area, part.print_rows))
            if cut is not None:
                cut.extend(f"{title}!{cell}" for cell in part.cut)
            if part.entry is not None:
                tally.add(part.entry)
        yield package.taken(), done
    if not (head.submission and entries):
        form = _summary_sheet(summary(tally))
        package.write_sheet(1, form.sheet.xml(selected=True))
        entries.insert(0, SheetEntry(SUMMARY, form.sheet.print_area, None))
        if cut is not None:
            cut.extend(f"{SUMMARY}!{cell}" for cell in form.cut)
    yield package.finish(entries), done


def render_xlsx(report: ReportContext, cut: list[str] | None = None) -> bytes:
    """The workbook of a report built whole; the cells whose text was cut are added to
    ``cut``."""
    cells: dict = {}
    parts = (([_part(report, view, None, cells)], done)
             for done, view in enumerate(report.projects, 1))
    return b"".join(chunk for chunk, _done in
                    workbook_chunks(report, parts, lambda _tally: report, cut))
