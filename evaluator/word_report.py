"""The 自评报告 as a Word document (``--format docx``, DESIGN §11): the narrative a unit hands in
with its tables, a chapter per project in the published outline (一、基本情况 … 七、其他需要
说明的问题), each project's 自评表 as a Word table.

Rendered by docxtpl (Jinja inside a .docx, on python-docx) from ``reports/report.docx``, which
``python -m evaluator.word_template`` builds and a user may replace (``--templates DIR`` holding
a ``report.docx``): their letterhead, their wording. The template gets ONE object, ``report``
(a ``WordReport``, below), whose values are formatted already; it runs in the same sandboxed,
strict Jinja environment as the other templates. Where the data cannot say something, the
template writes a visible 【请填写：…】 for the officer.
"""

from __future__ import annotations

import io
import os
from decimal import Decimal
from typing import Iterator

from .report import (IndicatorView, ProjectView, ReportContext, TemplateLimits, _deadline,
                     environment, score_text)
from .resources import resource_dir
from .saved_code import dataclass

TEMPLATE = "report.docx"
ZERO = Decimal(0)


@dataclass(frozen=True)
class Category:
    """产出指标, 效益指标 … of one project: what 四、绩效指标完成情况分析 says of it."""

    number: str  # 二, 三 …: its heading's place under 四 (（一） is the budget)
    name: str
    weight: str  # 分值
    score: str  # 得分
    count: int  # indicators in it
    met: tuple[IndicatorView, ...]  # full marks
    missed: tuple[IndicatorView, ...]  # points lost (未达成 or 部分达成)
    overshot: tuple[IndicatorView, ...]  # over target by more than the rule set allows


@dataclass(frozen=True)
class Chapter:
    """One project's 自评报告."""

    number: str  # 一, 二 … (the chapter's place; 第一部分)
    project: ProjectView  # its 自评表, as the other reports show it
    categories: tuple[Category, ...]
    deviations: tuple[IndicatorView, ...]  # every row missed or overshot, for 五
    indicator_count: int
    met_count: int
    full_execution: bool  # 执行率 100% or more: no unspent funds to explain


@dataclass(frozen=True)
class WordReport:
    """Everything the Word template may use."""

    year: str
    department: str
    unit: str
    funds_unit: str
    rules_title: str
    submission: bool  # the hand-in version: the tables without the reviewer's column
    has_budget_row: bool
    chapters: tuple[Chapter, ...]


_NUMBERS = "一二三四五六七八九十"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 101 → 一百零一, 110 → 一百一十, 1010 → 一千零一十,
    10001 → 一万零一: chapter numbers of a unit of any size."""
    if n <= 0:
        return "零"
    high, low = divmod(n, 10000)
    if not high:
        text = _below_ten_thousand(low)
        return text[1:] if text.startswith("一十") else text  # 十二, not 一十二
    head = chinese_number(high) + "万"
    return head + ("" if not low else ("零" if low < 1000 else "") + _below_ten_thousand(low))


def _below_ten_thousand(n: int) -> str:
    """1 to 9999, every place read (一十 included); a run of zeros is one 零, none at the end."""
    text, zero = "", False
    for place, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, n = divmod(n, place)
        if digit:
            text += ("零" if zero and text else "") + _NUMBERS[digit - 1] + name
            zero = False
        else:
            zero = True
    return text


def _categories(rows: tuple[IndicatorView, ...]) -> tuple[Category, ...]:
    """The rows by 一级指标, in their order; each group's 分值 and 得分 its rows' sums (成本指标
    has its own section though it shares 产出's weight)."""
    names = list(dict.fromkeys(r.level1 for r in rows))
    groups = []
    for number, name in enumerate(names, 2):
        mine = tuple(r for r in rows if r.level1 == name)
        groups.append(Category(
            chinese_number(number), name, score_text(sum((r.weight_value for r in mine), ZERO)),
            score_text(sum((r.score_value for r in mine), ZERO)), len(mine),
            met=tuple(r for r in mine if not r.lost_points),
            missed=tuple(r for r in mine if r.lost_points),
            overshot=tuple(r for r in mine if r.overachieved)))
    return tuple(groups)


def word_report(context: ReportContext) -> WordReport:
    chapters = []
    for number, p in enumerate(context.projects, 1):
        rows = p.indicators
        chapters.append(Chapter(
            number=chinese_number(number), project=p, categories=_categories(rows),
            deviations=tuple(r for r in rows if r.lost_points or r.overachieved),
            indicator_count=len(rows), met_count=sum(1 for r in rows if not r.lost_points),
            full_execution=p.rate_value is not None and p.rate_value >= 1))
    return WordReport(year=context.year, department=context.department, unit=context.unit,
                      funds_unit=context.funds_unit, rules_title=context.rules_title,
                      submission=context.submission, has_budget_row=context.has_budget_row,
                      chapters=tuple(chapters))


def template_bytes(templates: str | None) -> bytes:
    """``report.docx`` of the user's folder if it has one (a link out of it is not followed,
    as with the other templates), else the shipped one."""
    if templates is not None:
        candidate = os.path.join(templates, TEMPLATE)
        root = os.path.realpath(templates)
        if os.path.isfile(candidate) and os.path.realpath(candidate).startswith(root + os.sep):
            with open(candidate, "rb") as handle:
                return handle.read()
    return (resource_dir("reports") / TEMPLATE).read_bytes()


class _Told(tuple):
    """The chapters, telling ``progress`` (formats.Progress) of each as the template's loop
    reaches it: a terminal sees the rendering move (it is most of a large unit's run)."""

    _progress = None  # out of a template's reach: the sandbox refuses names beginning with _

    def __iter__(self):
        items = super().__iter__()
        if self._progress is None:
            return items
        return iter(self._progress(((c, n) for n, c in enumerate(items, 1)), len(self)))


def render_docx(context: ReportContext, templates: str | None = None,
                limits: TemplateLimits | None = None, progress=None) -> bytes:
    """The 自评报告's bytes, the same each time for the same input. ``limits``: a user's
    template is stopped after so many seconds, as the other templates are. ``progress``: told
    of the chapters rendered."""
    import contextlib
    from dataclasses import replace

    from .packages import fixed_package

    document = _template_class()(io.BytesIO(template_bytes(templates)))
    env = environment(html=True, templates=templates, limits=limits)
    report = word_report(context)
    chapters = _Told(report.chapters)
    chapters._progress = progress
    with _deadline(limits.seconds) if limits else contextlib.nullcontext():
        document.render({"report": replace(report, chapters=chapters)}, jinja_env=env,
                        autoescape=True)
    _merge_indicator_levels(document.docx)
    buffer = io.BytesIO()
    document.save(buffer)
    return fixed_package(buffer.getvalue())


def _template_class():
    from docxtpl import DocxTemplate

    class Template(DocxTemplate):
        def map_tree(self, tree) -> None:
            """The rendered body put in child by child: docxtpl replaces the body with the
            rendered one in one lxml move, whose time grows with the square of its size (lxml
            fixes the moved subtree's namespaces): 8.4 s for 800 projects against 2.8 s."""
            body = self.docx._element.body
            for child in list(body):
                body.remove(child)
            body.extend(list(tree))

    return Template


def _merge_indicator_levels(docx) -> None:
    """In a table whose header row begins 一级指标, 二级指标: a cell of those two columns left
    empty merges with the one above, as the official form merges them (the template writes
    each name on the first row of its run only). Not done in Jinja: a merge is a property of
    the cell, which Word would refuse to open with a template tag in it."""
    from docx.table import Table

    for tbl in docx.element.body.tbl_lst:
        rows = tbl.tr_lst
        if len(rows) < 2 or [_text(_covering(rows[0], c)) for c in (0, 1)] != ["一级指标", "二级指标"]:
            continue
        runs = [run for column in (0, 1) for run in _runs(rows[1:], column)]
        if tbl.xpath("./w:tr/w:tc/w:tcPr/w:vMerge | ./w:tr/w:trPr/w:gridBefore") or any(
                tc.grid_span != 1 for run in runs for tc in run):
            _merge_through_python_docx(Table(tbl, docx._body))  # merges or spans of its own
            continue
        for top, *below in runs:
            _merged(top, below)


def _covering(tr, column: int):
    """The cell of a row over grid column ``column`` (one spanning columns covers each)."""
    offset = 0
    for tc in tr.tc_lst:
        offset += tc.grid_span
        if offset > column:
            return tc
    return None


def _runs(rows, column: int) -> Iterator[list]:
    """Each cell naming a run of the column, with the empty cells below it; 总分 ends one."""
    run: list = []
    for tr in rows:
        tc = _covering(tr, column)
        text = _text(tc) if tc is not None else "总分"
        if not text and run:
            run.append(tc)
            continue
        if len(run) > 1:
            yield run
        run = [tc] if text and text != "总分" else []
    if len(run) > 1:
        yield run


def _text(tc) -> str:
    return "\n".join(p.text for p in tc.p_lst).strip() if tc is not None else ""


def _merged(top, below: list) -> None:
    """What python-docx's ``table.cell(i, c).merge(cell_below)`` does to a column's cells,
    without its walks of the whole table for each cell (1 s a project: 563 s for 1 000): the top
    cell restarts the merge, the others continue it, their content moved up (each left its one
    empty paragraph), and the top cell's empty paragraphs after its first dropped."""
    top.vMerge = "restart"
    for tc in below:
        tc._move_content_to(top)
        tc.vMerge = "continue"
    for p in top.p_lst[1:]:
        if not p.text.strip():
            top.remove(p)


def _merge_through_python_docx(table) -> None:
    rows = table.rows
    for column in (0, 1):
        start = None
        for index in range(1, len(rows)):
            cell = rows[index].cells[column]
            text = cell.text.strip()
            if text and text != "总分":
                start = index
            elif not text and start is not None:
                _drop_empty_paragraphs(table.cell(start, column).merge(cell))
            else:
                start = None


def _drop_empty_paragraphs(cell) -> None:
    """A merge brings the empty paragraph of each cell merged in: the label would sit above a
    column of blank lines."""
    paragraphs = cell.paragraphs
    for paragraph in paragraphs[1:]:
        if not paragraph.text.strip():
            paragraph._p.getparent().remove(paragraph._p)
