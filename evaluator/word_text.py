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
from typing import Any

from .report import printable
from .word_report import _runs

_SPAN = re.compile(r'<w:gridSpan w:val="(\d+)"/>')
# a cell as the template makes those of the merged columns: its width, one paragraph of runs
# of text alone (their properties and the paragraph's empty elements); a row beginning with two
# of them
_CELL = (r'<w:tc><w:tcPr>((?:<w:tcW [^<>]*/>)?)</w:tcPr>(?:<w:p/>|<w:p>((?:<w:pPr>(?:<[^<>]*/>)*'
         r'</w:pPr>)?(?:<w:r>(?:<w:rPr>(?:<[^<>]*/>)*</w:rPr>)?<w:t(?: xml:space="preserve")?'
         r'(?:/>|>[^<]*</w:t>)</w:r>)*)</w:p>)</w:tc>')
_PLAIN_CELL = re.compile(_CELL)
_PLAIN_ROW = re.compile(f"<w:tr>(?:<w:trPr>(?:<[^<>]*/>)*</w:trPr>)?({_CELL})({_CELL})")
_TEXT = re.compile(r"<w:t(?: xml:space=\"preserve\")?>([^<]*)</w:t>")
# what makes a cell's text besides w:t (word_report._SAID) or holds runs of another kind
_OTHER_TEXT = ("<w:tab/>", "<w:ptab", "<w:cr/>", "<w:br", "<w:noBreakHyphen", "<w:hyperlink",
               "<w:fldSimple", "<w:smartTag", "<w:customXml", "<w:ins", "<w:del")


def text_environment(env):
    """``env`` (the reports' environment, autoescaping) for the shipped template's chapters:
    a value escaped as lxml writes it in a run's text (``&``, ``<`` and ``>``; quotes as they
    are), in one step rather than markupsafe's ``Markup`` made for each value and the quotes
    put back after (the escaping was a third of the rendering)."""
    return env.overlay(autoescape=False, finalize=_xml_text)


def _xml_text(value: Any) -> str:
    return str(printable(value)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain_template(source: str) -> bool:
    """The chapters' template (docxtpl's Jinja source of the loop's body) is one whose text
    ``finished_xml`` can finish: values only in runs' text, nothing in a tag; no pictures,
    content controls, nested tables or attributes on tables and rows; each table's rows are
    the template's (a tag between rows, not within one) and fill its grid, its first row
    always there: docxtpl's ``fix_tables`` would never change one."""
    if any(thing in source for thing in ("<wp:docPr", "<w:tbl ", "<w:tr ", "<w:tc ", "<w:sdt")):
        return False
    if _TAG_IN_TAG.search(_IN_TEXT.sub("", source)):
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


def finished_xml(text: str) -> bytes | None:
    """The fixed text of a chapter (``word_stream._fixed``'s) rendered from a ``plain_template``
    in the ``text_environment``, as lxml and the merge leave it, in UTF-8; None where this
    cannot say."""
    text = (text.replace('<w:t xml:space="preserve"></w:t>', '<w:t xml:space="preserve"/>')
            .replace("<w:t></w:t>", "<w:t/>"))
    if "></w:t>" in text:
        return None  # an empty w:t of another form
    parts, start = [], 0
    opened = text.find("<w:tbl>")
    while opened >= 0:
        inside = opened + len("<w:tbl>")
        closed = text.find("</w:tbl>", inside)
        header = text.find("</w:tr>", inside, closed)
        if text.find("一级指标", inside, header) >= 0:  # the template names it literally
            table = text[inside:closed]
            merged = _merged(table)
            if merged is None:
                return None
            if merged is not table:
                parts += [text[start:inside], merged]
                start = closed
        opened = text.find("<w:tbl>", closed)
    # the values are printable (report.printable, the environment's finalize): of what XML
    # refuses or lxml's parser changes, a carriage return and two non-characters are left
    if "\r" in text or "\ufffe" in text or "\uffff" in text:
        return None
    return (text if not parts else "".join(parts) + text[start:]).encode("utf-8")


def _rows(table: str) -> list[str]:
    """The inside of each row (``<w:tr>`` without attributes: ``finished_xml`` sees to it)."""
    return [row[:row.find("</w:tr>")] for row in table.split("<w:tr>")[1:]]


class _Cell:
    """A cell of the merged columns: where it is in its table, its span, its text (None:
    not only w:t's, or more than one paragraph), and if it is as the template makes them
    (``plain``) its width and its paragraph's inside."""

    __slots__ = ("start", "end", "span", "text", "plain", "width", "inside")

    def __init__(self, start: int, end: int, span: int, text: str | None,
                 width: str | None = None, inside: str | None = None) -> None:
        self.start, self.end, self.span, self.text = start, end, span, text
        self.plain, self.width, self.inside = width is not None, width, inside or ""


def _plain(found: re.Match, group: int) -> _Cell:
    inside = found.group(group + 2)
    return _Cell(found.start(group), found.end(group), 1,
                 "".join(_TEXT.findall(inside)).strip() if inside else "",
                 found.group(group + 1), inside)


def _cell(xml: str, start: int) -> _Cell:
    plain = _PLAIN_CELL.fullmatch(xml)
    if plain is not None:
        cell = _plain(plain, 0)
        cell.start, cell.end = start, start + len(xml)
        return cell
    span = _SPAN.search(xml)
    paragraphs = xml.count("<w:p>") + xml.count("<w:p ") + xml.count("<w:p/>")
    return _Cell(start, start + len(xml), int(span.group(1)) if span else 1,
                 "".join(_TEXT.findall(xml)).strip()
                 if paragraphs == 1 and not any(other in xml for other in _OTHER_TEXT)
                 else None)  # more than one: word_report._text joins them by lines


def _first_two(table: str, start: int) -> tuple[_Cell | None, _Cell | None]:
    """word_report._first_two: the cells over grid columns 0 and 1 of the row at ``start``."""
    found = _PLAIN_ROW.match(table, start)
    if found is not None:  # the usual row
        return _plain(found, 1), _plain(found, 4)
    covering: list[_Cell | None] = []
    grid, end = 0, table.find("</w:tr>", start)
    start = table.find("<w:tc>", start, end)
    while start >= 0 and len(covering) < 2:
        close = table.find("</w:tc>", start) + len("</w:tc>")
        cell = _cell(table[start:close], start)
        grid += cell.span
        while len(covering) < 2 and grid > len(covering):
            covering.append(cell)
        start = table.find("<w:tc>", close, end)
    covering += [None] * (2 - len(covering))
    return covering[0], covering[1]


def _merged(table: str) -> str | None:
    """``merge_indicator_levels`` of a table's inside: the table itself where it merges
    nothing, None where this cannot say."""
    if "<w:vMerge" in table or "<w:gridBefore" in table:
        return None  # merges of its own: python-docx's
    pairs = []
    row = table.find("<w:tr>")
    while row >= 0:
        pair = _first_two(table, row)
        if any(cell is not None and cell.text is None for cell in pair):
            return None
        pairs.append(pair)
        row = table.find("<w:tr>", row + len("<w:tr>"))
    if (len(pairs) < 2
            or [cell.text if cell else "" for cell in pairs[0]] != ["一级指标", "二级指标"]):
        return table
    runs = [run for column in (0, 1)
            for run in _runs([pair[column] for pair in pairs[1:]], text=_read)]
    changes = []
    for top, *below in runs:
        if any(cell.span != 1 or not cell.plain for cell in (top, *below)):
            return None
        changes.append((top, f'<w:tc><w:tcPr>{top.width}<w:vMerge w:val="restart"/>'
                             f"</w:tcPr><w:p>{top.inside}</w:p></w:tc>"))
        for cell in below:  # its runs moved up and dropped there (they read nothing), if any
            kept = (f"<w:p>{cell.inside}</w:p>" if cell.inside and "<w:r>" not in cell.inside
                    else "<w:p/>")
            changes.append((cell, f"<w:tc><w:tcPr>{cell.width}<w:vMerge/></w:tcPr>"
                                  f"{kept}</w:tc>"))
    parts, start = [], 0
    for cell, xml in sorted(changes, key=lambda change: change[0].start):
        parts += [table[start:cell.start], xml]
        start = cell.end
    return "".join(parts) + table[start:]


def _read(cell: _Cell) -> str:
    return cell.text
