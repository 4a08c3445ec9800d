"""The fill-in 自评表 workbook (``evaluate scaffold GOALS --format xlsx``, DESIGN §10): a sheet
per project in the official 项目支出绩效自评表 layout, targets and the 分值 the rule set allots
already written, the cells a unit fills open and shaded, the rest protected against slips (no
password). ``evaluator.workbook`` reads it back as actuals, by its labels."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .expression import (Comparison, DateTerm, Event, FreeText, Operator, Range, State,
                         TierWord, Trend, format_date, format_quantity)
from .goals import Goals, Project
from .parser import ExpressionError
from .rules import RuleSet
from .vocabulary import Lexicon
from .weights import Row, allocate
from .sheet_layout import (CENTER, LEFT, MONEY, PERCENT, POINTS, RIGHT, _page_setup, _Sheet,
                           saved, title_rows)
from .xlsx import sheet_title

TO_FILL = PatternFill("solid", fgColor="FFF2CC")  # Excel's pale yellow "input" shade
OPEN = Protection(locked=False)
COLUMNS = 9  # A 绩效指标 … I 偏差原因分析及改进措施, as the report's sheet without 规则得分
FUND_ROWS = (("年度资金总额", "total"), ("其中：当年财政拨款", "fiscal"),
             ("上年结转资金", "carryover"), ("其他资金", "other"))
LEGEND = ("填写说明：浅黄色单元格由单位填写（全年预算数、全年执行数、实际完成情况、实际完成值、"
          "偏差原因分析及改进措施；得分可不填，由规则计算）。其余单元格已保护以防误改，无密码："
          "如需修改，可在“审阅 → 撤销工作表保护”中解除。指标值单元格的批注说明该指标如何评分；"
          "定性指标的实际完成值可从下拉列表选择档次。")


def _operator_words(comparison: Comparison, direction: str | None, rules: RuleSet) -> str:
    target = format_quantity(comparison.quantity)
    reverse = (direction == "reverse" or direction is None
               and comparison.operator in (Operator.LE, Operator.LT))
    if comparison.quantity.value == 0 and comparison.operator in (Operator.EQ, Operator.LE):
        return f"完成值为 0 时满分，否则 0 分。请填写实际数值，如“0{comparison.quantity.unit}”。"
    if reverse:
        formula = ("分值 × 指标值 / 完成值" if rules.quantitative.reverse_formula == "ratio"
                   else "分值 × (1 − (完成值 − 指标值) / 指标值)，达到指标值两倍为 0")
        return (f"反向指标：完成值不高于 {target} 为满分，超出按 {formula}。"
                f"请填写实际数值和单位。")
    exact = comparison.operator is Operator.EQ and rules.quantitative.equal_target == "exact"
    if exact:
        return f"完成值须等于 {target}，偏离按比例扣分。请填写实际数值和单位。"
    bare = "（指标值未写比较符号，按“不低于”理解）" if comparison.implied else ""
    percent = ("百分数请写成“95%”，或把单元格设为百分比格式；只写 0.95 会报错（可能指 95%）。"
               if comparison.quantity.base_unit == "%" else "")
    return (f"正向指标{bare}：完成值不低于 {target} 为满分，未达到按 分值 × 完成值 / 指标值。"
            f"请填写实际数值和单位。{percent}")


def how_read(target: str, lexicon: Lexicon, rules: RuleSet, direction: str | None = None) -> str:
    """How a target is read and scored, in a finance officer's words (the cell's comment)."""
    expression = lexicon.read(target)
    tiers = "、".join(_tier_words(rules))
    match expression:
        case ExpressionError():
            return f"指标值无法解析：{expression.message}。请选择档次词：{tiers}。"
        case Comparison():
            return "定量。" + _operator_words(expression, direction, rules)
        case Range(low=low, high=high):
            return (f"区间：完成值在 {format_quantity(low)} 至 {format_quantity(high)} 之间为满分，"
                    "在区间外按较近一端的比例计分。")
        case DateTerm(date=date):
            late = "0 分" if rules.quantitative.deadline_missed == "zero" else "按部分达成计分"
            return (f"时限：在 {format_date(date)} 或之前完成为满分，逾期{late}。"
                    "请填写完成日期（如 2024-11-30），或“按时完成”“延期完成”。")
        case Trend():
            return (f"定性（趋势）：与“{target}”方向相同、程度不低于它为达成，程度较低为部分达成，"
                    f"持平或反向为未达成。可填写如“显著提升”“持平”，或选择档次词：{tiers}。")
        case State(word=word):
            return (f"定性：“{word}”为达成，“基本{word}”为部分达成，“不{word}”为未达成；"
                    f"或选择档次词：{tiers}。")
        case Event():
            return (f"定性（事项）：按时完成为达成，延期或基本完成为部分达成，未完成为未达成；"
                    f"或选择档次词：{tiers}。")
        case TierWord() | FreeText():
            return f"定性：无法自动比较文字，请选择档次词：{tiers}。"
    return f"请选择档次词：{tiers}。"


def _tier_words(rules: RuleSet) -> tuple[str, str, str]:
    """The three tier words offered in the drop-down: each tier's first word in the rule set."""
    tiers = rules.vocabulary.tiers
    return tiers.achieved[0], tiers.partial[0], tiers.missed[0]


def is_qualitative(target: str, lexicon: Lexicon) -> bool:
    return isinstance(lexicon.read(target), (Trend, State, Event, TierWord, FreeText,
                                             ExpressionError))


def _open(cell, number_format: str | None = None) -> None:
    cell.protection, cell.fill = OPEN, TO_FILL
    if number_format:
        cell.number_format = number_format


def _project_sheet(ws, goals: Goals, project: Project, rules: RuleSet, lexicon: Lexicon) -> None:
    s = _Sheet(ws, COLUMNS)
    for index, width in enumerate([6, 12, 16, 26, 16, 14, 9, 9, 48], 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    title_rows(ws, goals.year, COLUMNS)
    s.put(3, 1, "项目名称", head=True, span=2)
    s.put(3, 3, project.name, span=COLUMNS - 2)
    s.put(4, 1, "主管部门", head=True, span=2)
    s.put(4, 3, project.department, span=3)
    s.put(4, 6, "实施单位", head=True)
    s.put(4, 7, project.unit, span=COLUMNS - 6)
    s.put(5, 1, f"项目资金（{goals.funds_unit}）", head=True, span=2, rows=1 + len(FUND_ROWS))
    for offset, head in enumerate(["", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率",
                                   "得分"]):
        s.put(5, 3 + offset, head, head=True)
    allocation = allocate([Row(i.level1, i.level2, None) for i in project.indicators], rules)
    for row, (label, field) in enumerate(FUND_ROWS, 6):
        initial = getattr(project.funds, field)
        s.put(row, 3, label, head=True)
        s.put(row, 4, initial, align=RIGHT, number_format=MONEY)
        s.put(row, 5, initial if field == "total" else None, align=RIGHT, number_format=MONEY)
        s.put(row, 6, None, align=RIGHT, number_format=MONEY)
        for column in (4, 5, 6):
            _open(ws.cell(row=row, column=column))
        first = field == "total"
        s.put(row, 7, allocation.budget if first else "—", align=RIGHT if first else CENTER,
              number_format=POINTS)
        rate = f'=IF(AND(ISNUMBER(E{row}),ISNUMBER(F{row}),E{row}<>0),F{row}/E{row},"")'
        s.put(row, 8, None, align=RIGHT, number_format=PERCENT)
        ws.cell(row=row, column=8).value = rate  # a formula: Excel shows the rate as one types
        s.put(row, 9, None if first else "—", align=RIGHT if first else CENTER,
              number_format=POINTS)
        if first:
            _open(ws.cell(row=row, column=9))
    row = 6 + len(FUND_ROWS)
    s.put(row, 1, "年度总体目标", head=True, span=2, rows=2)
    s.put(row, 3, "预期目标", head=True, span=3)
    s.put(row, 6, "实际完成情况", head=True, span=COLUMNS - 5)
    s.put(row + 1, 3, project.goal, span=3)
    s.put(row + 1, 6, None, span=COLUMNS - 5)
    _open(ws.cell(row=row + 1, column=6))
    ws.row_dimensions[row + 1].height = 90
    header = row + 2
    s.put(header, 1, "绩效指标", head=True, rows=len(project.indicators) + 2)
    for offset, head in enumerate(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值",
                                   "分值", "得分", "偏差原因分析及改进措施"]):
        s.put(header, 2 + offset, head, head=True)
    words = _tier_words(rules)
    choice = DataValidation(type="list", formula1='"' + ",".join(words) + '"', allow_blank=True,
                            showErrorMessage=False, showInputMessage=True,
                            promptTitle="定性指标",
                            prompt="可从列表选择档次词，也可填写与指标值相同的词或其他说法")
    ws.add_data_validation(choice)
    row = header + 1
    for index, indicator in enumerate(project.indicators):
        previous = project.indicators[index - 1] if index else None
        if previous is None or previous.level1 != indicator.level1:
            span = _run(project, index, lambda i: i.level1)
            s.put(row, 2, indicator.level1, align=CENTER, rows=span)
        if previous is None or (previous.level1, previous.level2) != (indicator.level1,
                                                                       indicator.level2):
            span = _run(project, index, lambda i: (i.level1, i.level2))
            s.put(row, 3, indicator.level2, align=CENTER, rows=span)
        s.put(row, 4, indicator.name)
        s.put(row, 5, indicator.target)
        comment = Comment(how_read(indicator.target, lexicon, rules, indicator.direction),
                          "Jixiao", width=320, height=120)
        ws.cell(row=row, column=5).comment = comment
        s.put(row, 6, None)
        s.put(row, 7, allocation.rows[index], align=RIGHT, number_format=POINTS)
        s.put(row, 8, None, align=RIGHT, number_format=POINTS)
        s.put(row, 9, None)
        for column in (6, 8, 9):
            _open(ws.cell(row=row, column=column))
        if is_qualitative(indicator.target, lexicon):
            choice.add(ws.cell(row=row, column=6))
        row += 1
    s.put(row, 2, "总分", head=True, span=5)
    s.put(row, 7, sum(allocation.rows, allocation.budget), align=RIGHT, number_format=POINTS)
    s.put(row, 8, None, align=RIGHT, number_format=POINTS)
    _open(ws.cell(row=row, column=8))
    s.put(row, 9, "自评等级：")
    legend = row + 2
    ws.cell(row=legend, column=1).fill = TO_FILL
    ws.cell(row=legend, column=2, value=LEGEND).alignment = LEFT
    ws.merge_cells(start_row=legend, start_column=2, end_row=legend, end_column=COLUMNS)
    ws.row_dimensions[legend].height = 48
    ws.cell(row=legend + 1, column=2,
            value=f"分值按规则集“{rules.title}”（{rules.name}）分配。").alignment = LEFT
    ws.merge_cells(start_row=legend + 1, start_column=2, end_row=legend + 1, end_column=COLUMNS)
    ws.print_area = f"A1:{get_column_letter(COLUMNS)}{legend + 1}"
    ws.print_title_rows = f"{header}:{header}"
    s.fit_rows()
    _page_setup(ws)
    # protected against slips, without a password: sorting and widths stay free
    ws.protection.sheet = True
    ws.protection.formatColumns = ws.protection.formatRows = False


def _run(project: Project, start: int, key) -> int:
    """How many rows from ``start`` share its key (a merged 一级 or 二级 cell)."""
    first, count = key(project.indicators[start]), 0
    for indicator in project.indicators[start:]:
        if key(indicator) != first:
            break
        count += 1
    return count


def fill_in_workbook(goals: Goals, projects: list[Project], rules: RuleSet,
                     lexicon: Lexicon) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    for project in projects:
        _project_sheet(workbook.create_sheet(sheet_title(project.name, taken)), goals, project,
                       rules, lexicon)
    workbook.properties.title = f"{goals.unit} {goals.year}年度 项目支出绩效自评表（待填写）"
    return saved(workbook)

