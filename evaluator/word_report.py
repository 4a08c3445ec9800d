"""The 自评报告 as a Word document (``--format docx``, DESIGN §11): the narrative a unit hands in
with its tables, a chapter per project in the published outline (一、基本情况 … 七、其他需要
说明的问题), each project's 自评表 as a Word table.

Rendered by docxtpl (Jinja inside a .docx, on python-docx) from ``reports/report.docx``, which
``python -m evaluator.word_template`` builds and a user may replace (``--templates DIR`` holding
a ``report.docx``): their letterhead, their wording. The template gets ONE object, ``report``
(a ``WordReport``, below), whose values are formatted already; it runs in the same sandboxed,
strict Jinja environment as the other templates. Where the data cannot say something, the
template writes a visible 【请填写：…】 for the officer.

The document is written as its chapters are rendered (word_stream.py: docxtpl's steps, taken in
a stream). The shipped template's chapters are each made where its project is scored, by one
process or by ``--jobs`` workers, from the body of its loop over the chapters; a user's
template gets them built whole (it may read them more than once) and is rendered in one piece,
its output written as it comes.
"""

from __future__ import annotations

import os
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Iterator

from lxml import etree  # a Word run's only: this module is imported by it alone

from .report import IndicatorView, ProjectView, ReportContext, environment, score_text
from .resources import resource_dir
from .saved_code import dataclass

if TYPE_CHECKING:
    from .formats import Rendering
    from .report import TemplateLimits

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


def chapter(p: ProjectView, number: str) -> Chapter:
    rows = p.indicators
    return Chapter(
        number=number, project=p, categories=_categories(rows),
        deviations=tuple(r for r in rows if r.lost_points or r.overachieved),
        indicator_count=len(rows), met_count=sum(1 for r in rows if not r.lost_points),
        full_execution=p.rate_value is not None and p.rate_value >= 1)


def word_report(context: ReportContext) -> WordReport:
    return WordReport(year=context.year, department=context.department, unit=context.unit,
                      funds_unit=context.funds_unit, rules_title=context.rules_title,
                      submission=context.submission, has_budget_row=context.has_budget_row,
                      chapters=tuple(chapter(p, chinese_number(n))
                                     for n, p in enumerate(context.projects, 1)))


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


class _Counted:
    """A user's template's chapters as its loop reads them, counted (the progress on a
    terminal: the rendering is most of a large unit's run)."""

    def __init__(self, chapters: tuple[Chapter, ...]) -> None:
        self._chapters = chapters
        self.done = 0

    def __iter__(self) -> Iterator[Chapter]:
        for chapter in self._chapters:
            self.done += 1
            yield chapter

    def __len__(self) -> int:
        return len(self._chapters)

    def __getitem__(self, index: Any) -> Any:
        return self._chapters[index]


def docx_chunks(job: Rendering) -> Iterator[tuple[bytes, int]]:
    """The 自评报告's bytes as its chapters are rendered (word_stream.py), with the chapters
    done so far; the same each time for the same input. The template is read and its parts
    other than the body rendered before the first chunk is made. A user's template is
    stopped past ``job.template_seconds`` of its own time or ``job.template_characters`` of
    output, as the other templates are."""
    from .report import TemplateLimits

    if job.templates is None:  # ours: run as it is, each chapter made apart
        chunks = _apart(job)
        if chunks is not None:
            return chunks
    whole = word_report(job.context())  # a user's template: it may read the chapters twice
    chapters = _Counted(whole.chapters)
    limits = (TemplateLimits(job.template_seconds, job.template_characters)
              if job.templates is not None else None)
    return _chunks(replace(whole, chapters=chapters), chapters, job.templates, limits,
                   len(whole.chapters))


def _apart(job: Rendering) -> Iterator[tuple[bytes, int]] | None:
    """The shipped template's chapters each made where its project is scored, by ``job.jobs``
    processes (word_stream.py); None for a template whose body does not loop over the chapters
    as ours does."""
    from functools import partial

    from .report import Tally
    from .word_stream import (Budget, Prepared, _Finisher, chapters_document_chunks,
                              split_chapters)

    run = job.run
    start = run.evaluation(())
    head = replace(word_report(Tally().context(start)), submission=job.submission)
    env = environment(html=True)
    prepared = Prepared(template_bytes(None), env, {"report": head}, Budget(None))
    split = split_chapters(prepared.source)
    if split is None:
        return None
    from .word_text import plain_template, text_environment, unlined as _unlined

    plain = plain_template(split[1])  # then finished on its text (word_text.py)
    frame = env.from_string(split[0])
    # docxtpl's line before each paragraph (for Jinja's lines) left out of the chapters' text,
    # rather than taken out after (_fixed): no block tag is at the start of a line that
    # lstrip_blocks could strip, and the newline trim_blocks takes after one is one of these
    part = (text_environment(env).from_string(_unlined(split[1])) if plain
            else env.from_string(split[1]))
    render = partial(_chapter_parts, start=start, submission=job.submission,
                     views=run.memo.views, template=part, head=head, prepared=prepared,
                     finish=_Finisher(prepared),
                     kinds=run.memo.word_cells if plain else None)
    if job.jobs > 1:
        from .parallel import rendered_in_parallel

        slices = rendered_in_parallel(run, render, job.jobs, join=list)
    else:
        slices = (([render(result)], done) for done, result in enumerate(run.results(), 1))
    return chapters_document_chunks(prepared, frame, {"report": replace(head, chapters=(None,))},
                                    slices, len(run.indexes()), chinese_number)


def _chapter_parts(result, *, start, submission: bool, views: dict, template, head: WordReport,
                   prepared, finish, kinds: dict | None) -> tuple:
    """A project's chapter, rendered, fixed, serialised and deflated (``deflated_chapter``) in
    two parts, before its number and after it."""
    from .report import project_view
    from .word_stream import _MARKS, chapter_xml, deflated_chapter

    view, _entry = project_view(result, start, submission, views, charted=False)  # no charts
    for mark in _MARKS:
        parts = chapter_xml(template.render(report=head, ch=chapter(view, mark)),
                            prepared, finish, kinds).split(mark.encode("utf-8"))
        if len(parts) == 2:
            return deflated_chapter(*parts)
    raise ValueError("a project's text holds every mark of a chapter's number")  # never met


def render_docx(context: ReportContext, templates: str | None = None) -> bytes:
    """The 自评报告 of a context built whole (tests/screenshots.py)."""
    whole = word_report(context)
    chapters = _Counted(whole.chapters)
    return b"".join(chunk for chunk, _done in _chunks(
        replace(whole, chapters=chapters), chapters, templates, None, len(whole.chapters)))


def _chunks(report: WordReport, chapters: _Counted, templates: str | None,
            limits: TemplateLimits | None, projects: int) -> Iterator[tuple[bytes, int]]:
    from .word_stream import Budget, Prepared, document_chunks

    env = environment(html=True, templates=templates, limits=limits)
    budget = Budget(limits.seconds if limits else None)
    context = {"report": report}
    prepared = Prepared(template_bytes(templates), env, context, budget)
    return document_chunks(prepared, context, budget, limits.characters if limits else None,
                           projects, lambda: chapters.done)


def fix_table(tbl) -> None:
    """docxtpl's ``fix_tables`` for one table: a row given more cells than the grid has
    columns (a ``{%tc %}`` loop) widens the grid, the columns narrowed to keep its width; a
    grid with more columns than any row fills loses the extra ones, their width shared out.
    (lxml's ``find`` and ``findall`` walk in Python: the children are taken by tag in C.)"""
    grid = _child(tbl, "tblGrid")
    columns = list(_children(grid, "gridCol"))
    if _FITS(tbl, columns=len(columns)):  # nothing to do: the usual table
        return
    rows = list(tbl.iter(_W + "tr"))
    most = max((sum(1 for _ in _children(row, "tc")) for row in rows), default=0)
    if most > len(columns):
        to_add = most - len(columns)
        width = sum(float(c.get(_W + "w")) for c in columns if c.get(_W + "w") is not None)
        if width > 0:
            old_average, new_average = width / len(columns), width / (len(columns) + to_add)
            for c in columns:
                c.set(_W + "w", str(int(float(c.get(_W + "w")) * new_average / old_average)))
            for _ in range(to_add):
                etree.SubElement(grid, _W + "gridCol", {_W + "w": str(int(new_average))})
        columns = list(_children(grid, "gridCol"))
    widest = max((sum(_span(cell) for cell in _children(row, "tc"))
                  if next(row.iter(_W + "gridSpan"), None) is not None
                  else sum(1 for _ in _children(row, "tc")) for row in rows), default=0)
    to_remove = len(columns) - widest
    if to_remove > 0:
        removed = 0.0
        for c in columns[-to_remove:]:
            removed += float(c.get(_W + "w"))
            grid.remove(c)
        left = list(_children(grid, "gridCol"))
        extra = int(removed / len(left)) if left else 0
        for c in left:
            c.set(_W + "w", str(int(float(c.get(_W + "w")) + extra)))


def _children(element, name: str):
    return element.iterchildren(_W + name)


def _child(element, name: str):
    return next(element.iterchildren(_W + name), None)


def merge_indicator_levels(tbl, parent) -> None:
    """In a table whose header row begins 一级指标, 二级指标: a cell of those two columns left
    empty merges with the one above, as the official form merges them (the template writes
    each name on the first row of its run only). Not done in Jinja: a merge is a property of
    the cell, which Word would refuse to open with a template tag in it. ``parent``: the
    python-docx document's body, for a table with merges of its own."""
    from docx.oxml.parser import parse_xml
    from docx.table import Table

    rows = list(_children(tbl, "tr"))
    if len(rows) < 2 or [_text(tc) for tc in _first_two(rows[0])] != ["一级指标", "二级指标"]:
        return
    pairs = [_first_two(tr) for tr in rows[1:]]
    runs = [run for column in (0, 1) for run in _runs([pair[column] for pair in pairs])]
    if _OWN_MERGES(tbl) or any(_span(tc) != 1 for run in runs for tc in run):
        # merges or spans of its own: python-docx's merge, on its own elements' copy
        copy = parse_xml(etree.tostring(tbl))
        _merge_through_python_docx(Table(copy, parent))
        tbl[:] = list(copy)  # moved back: the document's namespaces, none declared again
        return
    for top, *below in runs:
        _merged(top, below)


def _merge_indicator_levels(docx) -> None:
    """``merge_indicator_levels`` of each table of a python-docx document's body."""
    for tbl in docx.element.body.tbl_lst:
        merge_indicator_levels(tbl, docx._body)


# The merge reads and writes the cells with lxml itself: python-docx's element classes took
# 15 ms a project doing the same (a look-up by XPath for each property read).
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_NAMESPACES = {"w": _W[1:-1]}
_BLOCKS = frozenset(_W + name for name in ("p", "tbl", "sdt"))  # CT_Tc.iter_block_items
# no row with more cells than ``columns``, and a row whose cells span all of them at least:
# docxtpl's fix_tables would change nothing
_FITS = etree.XPath(
    "count(.//w:tr[count(w:tc) > $columns]) = 0 and count(.//w:tr[count(w:tc) + sum(w:tc/w:tcPr"
    "/w:gridSpan/@w:val) - count(w:tc/w:tcPr/w:gridSpan) >= $columns]) > 0",
    namespaces=_NAMESPACES)
_OWN_MERGES = etree.XPath("./w:tr/w:tc/w:tcPr/w:vMerge | ./w:tr/w:trPr/w:gridBefore",
                          namespaces=_NAMESPACES)
# CT_TcPr's children after w:vMerge, in order: a new w:vMerge goes before the first of them
_AFTER_VMERGE = frozenset(_W + name for name in (
    "tcBorders", "shd", "noWrap", "tcMar", "textDirection", "tcFitText", "vAlign", "hideMark",
    "headers", "cellIns", "cellDel", "cellMerge", "tcPrChange"))


def _span(tc) -> int:
    """``CT_Tc.grid_span``."""
    properties = _child(tc, "tcPr")
    span = None if properties is None else _child(properties, "gridSpan")
    return 1 if span is None else int(span.get(_W + "val"))


def _covering(tr, column: int):
    """The cell of a row over grid column ``column`` (one spanning columns covers each)."""
    offset = 0
    for tc in _children(tr, "tc"):
        offset += _span(tc)
        if offset > column:
            return tc
    return None


def _first_two(tr) -> tuple:
    """``_covering`` of grid columns 0 and 1, the usual row's (its first two cells, neither
    spanning) found directly."""
    cells = _children(tr, "tc")
    first, second = next(cells, None), next(cells, None)
    if first is not None and second is not None and _span(first) == 1 and _span(second) == 1:
        return first, second
    return _covering(tr, 0), _covering(tr, 1)


def _runs(cells: list, text=None) -> Iterator[list]:
    """Each cell of a column (None where a row has none over it) naming a run, with the empty
    cells below it; 总分 ends one. ``text``: a cell's (``_text``'s, of an lxml cell)."""
    read = text or _text
    run: list = []
    for tc in cells:
        text = read(tc) if tc is not None else "总分"
        if not text and run:
            run.append(tc)
            continue
        if len(run) > 1:
            yield run
        run = [tc] if text and text != "总分" else []
    if len(run) > 1:
        yield run


def _paragraph_text(p) -> str:
    """``CT_P.text``, of plain lxml elements (python-docx's element classes, which would give
    each element's text as ``str(e)``, cost some 5 µs an element reached: most of a chapter's
    merge): what python-docx gives for each element of a run."""
    said = []
    for child in p:  # w:r | w:hyperlink/w:r, in order (an XPath took 10 µs a paragraph)
        runs = (child,) if child.tag == _RUN else (
            child.iterchildren(_RUN) if child.tag == _HYPERLINK else ())
        for run in runs:
            said += [_SAID[e.tag](e) for e in run if e.tag in _SAID]
    return "".join(said)


_RUN, _HYPERLINK = _W + "r", _W + "hyperlink"


_SAID = {_W + "t": lambda e: e.text or "", _W + "tab": lambda e: "\t",
         _W + "ptab": lambda e: "\t", _W + "cr": lambda e: "\n",
         _W + "br": lambda e: "\n" if e.get(_W + "type", "textWrapping") == "textWrapping" else "",
         _W + "noBreakHyphen": lambda e: "-"}


def _text(tc) -> str:
    return ("\n".join(_paragraph_text(p) for p in _children(tc, "p")).strip()
            if tc is not None else "")


def _merged(top, below: list) -> None:
    """What python-docx's ``table.cell(i, c).merge(cell_below)`` does to a column's cells,
    without its walks of the whole table for each cell (1 s a project: 563 s for 1 000): the top
    cell restarts the merge, the others continue it, their content moved up (each left its one
    empty paragraph: ``CT_Tc._move_content_to``), and the top cell's empty paragraphs after its
    first dropped."""
    _vmerge(top, "restart")
    for tc in below:
        blocks = [child for child in tc if child.tag in _BLOCKS]
        if not (len(blocks) == 1 and blocks[0].tag == _W + "p"
                and _child(blocks[0], "r") is None):  # not CT_Tc._is_empty
            last = [child for child in top if child.tag in _BLOCKS][-1]
            if last.tag == _W + "p" and _child(last, "r") is None:
                top.remove(last)
            for block in blocks:
                top.append(block)
            etree.SubElement(tc, _W + "p")
        _vmerge(tc, None)  # "continue", python-docx's default: written without a value
    for p in list(_children(top, "p"))[1:]:
        if not _paragraph_text(p).strip():
            top.remove(p)


def _vmerge(tc, value: str | None) -> None:
    """``CT_Tc.vMerge = value`` on a cell without one (``merge_indicator_levels`` leaves those
    with a merge of their own to python-docx)."""
    properties = _child(tc, "tcPr")
    if properties is None:  # made within the document: its namespaces, no declaration of its own
        properties = etree.SubElement(tc, _W + "tcPr")
        tc.insert(0, properties)
    later = next((child for child in properties if child.tag in _AFTER_VMERGE), None)
    merge = etree.SubElement(properties, _W + "vMerge", {_W + "val": value} if value else {})
    if later is not None:
        later.addprevious(merge)


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
