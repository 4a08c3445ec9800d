"""A chapter of the shipped Word template finished on its text (issue 19.6): what the round
trip through lxml (word_stream._tree_xml) and word_report's merge of the 一级/二级 cells make
of it, made by a few string operations instead (the tree's parse, the merge on it and its
serialisation were two thirds of a chapter's cost), its values escaped as lxml writes them.

For a template whose structure allows it (``plain_template``: the shipped one; a user's
template is never finished here): values only in runs' text (``<w:t>``), tables docxtpl's
``fix_tables`` would leave as they are, none nested, no pictures. What lxml then changes in
the text is an empty ``<w:t>`` (written ``<w:t/>``). Anything else in a chapter gives None,
and it takes the tree's way: a character lxml's parser changes, an empty element of another
kind, a cell of the merged columns of another shape than the template's, merges of its own.
tests/test_word_report.py holds the document the same byte for byte as docxtpl's (the
example, a generated messy unit, odd characters and names).
"""

from __future__ import annotations

import re
from typing import Any, Callable

from .report import _CONTROL, printable
from .word_report import _runs

_SPAN = re.compile(r'<w:gridSpan w:val="(\d+)"/>')
_SPAN_BYTES = re.compile(_SPAN.pattern.encode("ascii"))
# a cell as the template makes those of the merged columns: its width, one paragraph of runs
# of text alone (their properties and the paragraph's empty elements)
_CELL = (r'<w:tc><w:tcPr>((?:<w:tcW [^<>]*/>)?)</w:tcPr>(?:<w:p/>|<w:p>((?:<w:pPr>(?:<[^<>]*/>)*'
         r'</w:pPr>)?(?:<w:r>(?:<w:rPr>(?:<[^<>]*/>)*</w:rPr>)?<w:t(?: xml:space="preserve")?'
         r'(?:/>|>[^<]*</w:t>)</w:r>)*)</w:p>)</w:tc>')
_PLAIN_CELL = re.compile(_CELL.encode("ascii"))
_TEXT = re.compile(rb"<w:t(?: xml:space=\"preserve\")?>([^<]*)</w:t>")
# what makes a cell's text besides w:t (word_report._SAID) or holds runs of another kind
_OTHER_TEXT = (b"<w:tab/>", b"<w:ptab", b"<w:cr/>", b"<w:br", b"<w:noBreakHyphen", b"<w:hyperlink",
               b"<w:fldSimple", b"<w:smartTag", b"<w:customXml", b"<w:ins", b"<w:del")


def text_environment(env):
    """``env`` (the reports' environment, autoescaping) for the shipped template's chapters:
    a value escaped as lxml writes it in a run's text (``&``, ``<`` and ``>``; quotes as they
    are), in one step rather than markupsafe's ``Markup`` made for each value and the quotes
    put back after (the escaping was a third of the rendering)."""
    return env.overlay(autoescape=False, finalize=_xml_text)


def _xml_text(value: Any) -> str:
    """``escape(printable(value))`` as lxml would write it (some 500 values a chapter)."""
    if value.__class__ is not str:
        value = str(value)  # printable leaves it as it is
    elif _CONTROL.search(value):
        value = printable(value)
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    return value


def plain_template(source: str) -> bool:
    """The chapters' template (docxtpl's Jinja source of the loop's body) is one whose text
    ``finished_xml`` can finish: values only in runs' text, nothing in a tag; no pictures,
    content controls, nested tables or attributes on tables and rows; each table's rows are
    the template's (a tag between rows, not within one) and fill its grid, its first row
    always there: docxtpl's ``fix_tables`` would never change one."""
    if any(thing in source for thing in ("<wp:docPr", "<w:tbl ", "<w:tr ", "<w:tc ", "<w:sdt")):
        return False
    if _TAG_IN_TAG.search(_IN_TEXT.sub("", source)) or _BARE_TEXT_TAG.search(source):
        return False
    opened = source.find("<w:tbl>")
    while opened >= 0:
        closed = source.find("</w:tbl>", opened)
        table = source[opened + len("<w:tbl>"):closed]
        if closed < 0 or "<w:tbl>" in table or "{" in table[:table.find("<w:tr>")]:
            return False
        columns = table.count("<w:gridCol ")
        for row in _rows(table):
            if "{{" in _IN_TEXT.sub("", row) or "{%" in _IN_TEXT.sub("", row):
                return False
            spans = [int(n) for n in _SPAN.findall(row)]
            if row.count("<w:tc>") + sum(spans) - len(spans) != columns:
                return False
        opened = source.find("<w:tbl>", closed)
    return True


_IN_TEXT = re.compile(r"<w:t(?: xml:space=\"preserve\")?>[^<]*</w:t>")
_TAG_IN_TAG = re.compile(r"<[^<>]*(?:{{|{%)")
# a tag in a w:t other than docxtpl's <w:t xml:space="preserve"> (it gives that to those it
# renders): empty, lxml would write it in a form ``finished_xml`` does not look for
_BARE_TEXT_TAG = re.compile(r'<w:t(?! xml:space="preserve">)(?: [^<>]*)?>[^<]*{[{%]')


def unlined(source: str) -> str:
    """The Jinja source of the chapters without the line docxtpl puts before each paragraph
    for Jinja and takes out of what it renders (``word_stream._fixed``)."""
    return source.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")


def finished_xml(text: str, fixed: Callable[[str], str], kinds: dict) -> bytes | None:
    """A chapter's text rendered from a ``plain_template`` in the ``text_environment``, fixed
    (``fixed``: word_stream's ``_fixed``) and finished as lxml and the merge leave it, in
    UTF-8; None where this cannot say. ``kinds``: the run's table of its cells' kinds
    (``Memo.word_cells``). On the bytes: a search through the text, which holds
    Chinese (two bytes a character), is the slower."""
    # the values are printable (report.printable, the environment's finalize): of what XML
    # refuses or lxml's parser changes, a carriage return and two non-characters are left
    if "\r" in text or "\ufffe" in text or "\uffff" in text:
        return None
    data = text.encode("utf-8")  # from a source ``unlined``: no line to take out before <w:p
    if b"_" in data:
        data = (data.replace(b"{_{", b"{{").replace(b"}_}", b"}}").replace(b"{_%", b"{%")
                .replace(b"%_}", b"%}"))
    if b"\t" in data or b"\a" in data or b"\n" in data or b"\f" in data:
        data = fixed(text).encode("utf-8")  # a tab, a line or a page break made Word's
    # the one form an empty element takes (``plain_template``): lxml writes it <w:t .../>
    data = data.replace(b'<w:t xml:space="preserve"></w:t>', b'<w:t xml:space="preserve"/>')
    parts, start = [], 0
    opened = data.find(b"<w:tbl>")
    while opened >= 0:
        inside = opened + len(b"<w:tbl>")
        closed = data.find(b"</w:tbl>", inside)
        header = data.find(b"</w:tr>", inside, closed)
        if data.find(_HEADER, inside, header) >= 0:  # the template names it literally
            table = data[inside:closed]
            merged = _merged(table, kinds)
            if merged is None:
                return None
            if merged is not table:
                parts += [data[start:inside], merged]
                start = closed
        opened = data.find(b"<w:tbl>", closed)
    return data if not parts else b"".join(parts) + data[start:]


_HEADER = "一级指标".encode("utf-8")


def _rows(table: str) -> list[str]:
    """The inside of each row (``<w:tr>`` without attributes: ``plain_template`` sees to it)."""
    return [row[:row.find("</w:tr>")] for row in table.split("<w:tr>")[1:]]


# A cell of the merged columns, as (start, end, kind) in its table; its kind, what its XML
# says (the same for most cells of a unit: the empty ones, the names of the 一级 and 二级
# indicators): (span, text or None where word_report._text would read more than w:t's or more
# than one paragraph, and where it is as the template makes them, what the merge makes of it
# at the top of a run and below it, else None). Remembered in the run's memo (``kinds``,
# ``Memo.word_cells``), under its bound.
Kind = tuple[int, str | None, bytes | None, bytes | None]


def _kind(xml: bytes, kinds: dict[bytes, Kind]) -> Kind:
    kind = kinds.get(xml)
    if kind is None:
        kind = kinds[xml] = _read_kind(xml)
    return kind


def _read_kind(xml: bytes) -> Kind:
    plain = _PLAIN_CELL.fullmatch(xml)
    if plain is not None:
        width, inside = plain.group(1), plain.group(2) or b""
        paragraph = b"<w:p>" + inside + b"</w:p>" if inside else b"<w:p/>"
        # below, its runs are moved up and dropped there (they read nothing), if it has any
        kept = paragraph if b"<w:r>" not in inside else b"<w:p/>"
        return (1, b"".join(_TEXT.findall(inside)).decode("utf-8").strip(),
                b"<w:tc><w:tcPr>" + width + b'<w:vMerge w:val="restart"/></w:tcPr>' + paragraph
                + b"</w:tc>",
                b"<w:tc><w:tcPr>" + width + b"<w:vMerge/></w:tcPr>" + kept + b"</w:tc>")
    span = _SPAN_BYTES.search(xml)
    paragraphs = xml.count(b"<w:p>") + xml.count(b"<w:p ") + xml.count(b"<w:p/>")
    return (int(span.group(1)) if span else 1,
            b"".join(_TEXT.findall(xml)).decode("utf-8").strip()
            if paragraphs == 1 and not any(other in xml for other in _OTHER_TEXT) else None,
            None, None)


def _first_two(table: bytes, start: int, kinds: dict[bytes, Kind]
               ) -> tuple[tuple | None, tuple | None]:
    """word_report._first_two: the cells over grid columns 0 and 1 of the row at ``start``."""
    first = table.find(b"<w:tc>", start)
    if first >= 0 and table.find(b"</w:tr>", start, first) < 0:  # the usual row: two cells
        second = table.find(b"</w:tc>", first) + len(b"</w:tc>")  # of one column each first
        if table.startswith(b"<w:tc>", second):
            end = table.find(b"</w:tc>", second) + len(b"</w:tc>")
            xml = table[first:second]
            one = kinds.get(xml) or _kind(xml, kinds)
            xml = table[second:end]
            two = kinds.get(xml) or _kind(xml, kinds)
            if one[0] == 1 and two[0] == 1:
                return (first, second, one), (second, end, two)
    covering: list[tuple | None] = []
    grid, end = 0, table.find(b"</w:tr>", start)
    start = table.find(b"<w:tc>", start, end)
    while start >= 0 and len(covering) < 2:
        close = table.find(b"</w:tc>", start) + len(b"</w:tc>")
        cell = (start, close, _kind(table[start:close], kinds))  # the unusual row
        grid += cell[2][0]
        while len(covering) < 2 and grid > len(covering):
            covering.append(cell)
        start = table.find(b"<w:tc>", close, end)
    covering += [None] * (2 - len(covering))
    return covering[0], covering[1]


def _merged(table: bytes, kinds: dict[bytes, Kind]) -> bytes | None:
    """``merge_indicator_levels`` of a table's inside: the table itself where it merges
    nothing, None where this cannot say."""
    if b"<w:vMerge" in table or b"<w:gridBefore" in table:
        return None  # merges of its own: python-docx's
    pairs = []
    row = table.find(b"<w:tr>")
    while row >= 0:
        pair = one, two = _first_two(table, row, kinds)
        if (one is not None and one[2][1] is None) or (two is not None and two[2][1] is None):
            return None
        pairs.append(pair)
        row = table.find(b"<w:tr>", row + len(b"<w:tr>"))
    if len(pairs) < 2 or [_read(cell) if cell else "" for cell in pairs[0]] != ["一级指标", "二级指标"]:
        return table
    runs = [run for column in (0, 1)
            for run in _runs([pair[column] for pair in pairs[1:]], text=_read)]
    changes = []
    for top, *below in runs:
        if any(cell[2][0] != 1 or cell[2][2] is None for cell in (top, *below)):
            return None
        changes.append((top[0], top[1], top[2][2]))
        changes += [(cell[0], cell[1], cell[2][3]) for cell in below]
    parts, start = [], 0
    for begin, end, xml in sorted(changes):
        parts += [table[start:begin], xml]
        start = end
    return b"".join(parts) + table[start:]


def _read(cell: tuple) -> str:
    return cell[2][1]
