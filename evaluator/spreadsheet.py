"""An XLSX package written directly, sheet by sheet, as a stream: what the report workbook of
a province needs (10 000 sheets of some 350 styled cells each) and no more. Cells, their
styles, merged ranges, row heights, column widths, a formula with its saved value, print
area, print titles and page setup. openpyxl made an object per cell and per style assignment
(53 s and 290 MB for 1 000 projects, most of it hashing style objects; XlsxWriter, measured,
some 20 000 cells a second): here a sheet is a few dozen rows of cell XML strings, deflated
and sent out before the next sheet is laid out (README, Speed and scale).

The bytes are the same for the same content: fixed ZIP entry times, fixed document times,
styles numbered in the order they are first asked for."""

from __future__ import annotations

import codecs
from dataclasses import field
from decimal import Decimal

from .diagnostics import display_width
from .packages import ZipWriter
from .saved_code import compiled, dataclass


STAMP = "2000-01-01T00:00:00Z"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_BUILTIN_FORMATS = {"General": 0, "0.00": 2, "0.00%": 10}
FORMULA_START = ("=", "+", "-", "@")  # what a spreadsheet takes for the start of a formula
CELL_LIMIT = 32767  # characters a cell of Excel holds
_CELL = compiled(r"([A-Z]+)([0-9]+)")  # a cell's address: its column, its row


def lines_needed(text: str, width: float) -> int:
    """Spreadsheets do not grow a row for wrapped text they did not lay out themselves: the
    lines a text takes in a column so wide, from its display width (a Chinese character is
    two)."""
    room = max(int(width) - 1, 1)
    if len(text) * 2 <= room and "\n" not in text:  # the common case, without looking at each character
        return 1
    return sum(max(1, -(-display_width(part) // room)) for part in text.split("\n"))


def column_letter(column: int) -> str:
    """1 → A, 27 → AA (openpyxl's utils would import all of openpyxl)."""
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class _Letters(dict):
    """Column letters by number: the first 64 worked out at import (a form has ten), any
    other when asked for (a table that grew with what it was asked would be a run's
    memory kept in the module)."""

    def __missing__(self, column: int) -> str:
        return column_letter(column)


LETTERS = _Letters((column, column_letter(column)) for column in range(1, 65))


@dataclass(frozen=True)
class Style:
    """A cell's look: font (bold, size), the head's fill, a thin border all round, alignment
    (wrapped unless right-aligned), number format, and Excel's quote prefix (text that
    looks like a formula stays text when the cell is edited)."""

    bold: bool = False
    size: int = 11
    fill: str | None = None  # RGB of a solid fill
    border: bool = False
    horizontal: str | None = None  # left, center, right
    wrap: bool = False
    number_format: str = "General"
    quoted: bool = False


class Styles:
    """The workbook's cell formats, numbered as first used (styles.xml is written last)."""

    def __init__(self) -> None:
        self.ids: dict[Style, int] = {Style(): 0}

    def id(self, style: Style) -> int:
        found = self.ids.get(style)
        if found is None:
            found = self.ids[style] = len(self.ids)
        return found

    def xml(self) -> bytes:
        styles = list(self.ids)
        fonts = list(dict.fromkeys((s.bold, s.size) for s in styles))
        fills = list(dict.fromkeys(s.fill for s in styles if s.fill))
        custom = list(dict.fromkeys(s.number_format for s in styles
                                    if s.number_format not in _BUILTIN_FORMATS))
        formats = {**_BUILTIN_FORMATS, **{f: 164 + i for i, f in enumerate(custom)}}
        thin = '<{0} style="thin"><color rgb="FF333333"/></{0}>'
        out = [XML_HEAD, f'<styleSheet xmlns="{MAIN}">']
        if custom:
            out.append(f'<numFmts count="{len(custom)}">' + "".join(
                f'<numFmt numFmtId="{formats[f]}" formatCode="{escaped(f, True)}"/>'
                for f in custom) + "</numFmts>")
        out.append(f'<fonts count="{len(fonts)}">' + "".join(
            f'<font>{"<b/>" if bold else ""}<sz val="{size}"/><name val="Calibri"/>'
            '<family val="2"/></font>' for bold, size in fonts) + "</fonts>")
        out.append(f'<fills count="{len(fills) + 2}"><fill><patternFill patternType="none"/></fill>'
                   '<fill><patternFill patternType="gray125"/></fill>' + "".join(
                       f'<fill><patternFill patternType="solid"><fgColor rgb="FF{rgb}"/>'
                       '<bgColor indexed="64"/></patternFill></fill>' for rgb in fills)
                   + "</fills>")
        out.append('<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
                   f'<border>{"".join(thin.format(side) for side in ("left", "right", "top", "bottom"))}'
                   "<diagonal/></border></borders>")
        out.append('<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
                   f'</cellStyleXfs><cellXfs count="{len(styles)}">')
        for s in styles:
            fill = fills.index(s.fill) + 2 if s.fill else 0
            out.append(
                f'<xf numFmtId="{formats[s.number_format]}" fontId="{fonts.index((s.bold, s.size))}"'
                f' fillId="{fill}" borderId="{int(s.border)}" xfId="0"'
                + (' applyNumberFormat="1"' if s.number_format != "General" else "")
                + (' applyFont="1"' if (s.bold, s.size) != (False, 11) else "")
                + (' applyFill="1"' if s.fill else "") + (' applyBorder="1"' if s.border else "")
                + (' quotePrefix="1"' if s.quoted else ""))
            if s.horizontal or s.wrap:
                out.append(' applyAlignment="1"><alignment'
                           + (f' horizontal="{s.horizontal}"' if s.horizontal else "")
                           + ' vertical="center"' + (' wrapText="1"' if s.wrap else "")
                           + "/></xf>")
            else:
                out.append("/>")
        out.append('</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
                   '</cellStyles><dxfs count="0"/><tableStyles count="0"/></styleSheet>')
        return encoded("".join(out))


# What XML 1.0 cannot hold (report.printable has taken the control characters out already):
# U+FFFE, U+FFFF and, as the text is encoded, a lone surrogate become U+FFFD, as printable
# makes the others.
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;",
                          "\ufffe": "\ufffd", "\uffff": "\ufffd"})
_QUOTE_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                                "\r": "&#13;", "\n": "&#10;", "\t": "&#9;",
                                "\ufffe": "\ufffd", "\uffff": "\ufffd"})
_ESCAPED = compiled("[" + "".join(map(chr, _ESCAPES)) + "]")  # what _ESCAPES changes
codecs.register_error("xml_unwritable", lambda problem: ("\ufffd".encode(), problem.end))


def text_cell(style: int, text: str) -> str:
    """A cell of text in a style, as the sheet's XML holds it after the cell's address:
    escaped, its spaces at either end kept (empty text, a cell with only its style)."""
    if not text:
        return f' s="{style}"/>'
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    if _ESCAPED.search(text):  # seldom: translate looks up each character in a dict
        text = text.translate(_ESCAPES)
    return f' s="{style}" t="inlineStr"><is><t{space}>{text}</t></is></c>'


def number_cell(style: int, text: str) -> str:
    """A number (as ``number`` writes it) in a style, likewise."""
    return f' s="{style}"><v>{text}</v></c>'


def escaped(text: str, attribute: bool = False) -> str:
    return text.translate(_QUOTE_ESCAPES if attribute else _ESCAPES)


def encoded(text: str) -> bytes:
    return text.encode("utf-8", "xml_unwritable")


def number(value: Decimal | int | float) -> str:
    """As openpyxl wrote numbers (a double's 16 significant digits): what Excel holds."""
    return str(value) if isinstance(value, int) else "%.16g" % value


@dataclass
class Sheet:
    """One worksheet laid out in memory (a project's form: some 40 rows), then written out
    whole. Cells are (style id, kind, text): kind "s" inline text, "n" number, "f" formula
    with its saved value, "" a blank cell that only carries its style (a merged range's
    border)."""

    widths: list[float] = field(default_factory=list)
    cells: dict[int, dict[int, str]] = field(default_factory=dict)  # row → column → XML
    heights: dict[int, float] = field(default_factory=dict)
    merged: list[str] = field(default_factory=list)
    print_area: str = ""  # A1:I38
    print_rows: tuple[int, int] | None = None  # the rows repeated atop each printed page
    landscape: bool = True

    def set(self, row: int, column: int, style: int, kind: str = "", text: str = "",
            cached: str = "") -> None:
        """``style``: its number in ``styles`` (``Styles.id``). The cell's XML is made here:
        a sheet is a few dozen rows of strings until it is written."""
        if kind == "s":
            rest = text_cell(style, text)
        elif kind == "f":
            rest = (f' s="{style}"><f>{escaped(text)}</f>' + (f"<v>{cached}</v>" if cached else "")
                    + "</c>")
        else:
            rest = number_cell(style, text) if kind == "n" else f' s="{style}"/>'
        self.place(row, column, rest)

    def place(self, row: int, column: int, rest: str) -> None:
        """A cell made by ``text_cell`` or ``number_cell``: its XML after its address."""
        line = self.cells.get(row)
        if line is None:
            line = self.cells[row] = {}
        line[column] = f'<c r="{LETTERS[column]}{row}"' + rest

    def merge(self, row: int, column: int, rows: int, columns: int) -> None:
        self.merged.append(f"{LETTERS[column]}{row}:{LETTERS[column + columns - 1]}{row + rows - 1}")

    def xml(self, selected: bool = False) -> bytes:
        rows = sorted(self.cells)
        last_row = rows[-1] if rows else 1
        last_column = max((max(c) for c in self.cells.values() if c), default=1)
        out = [XML_HEAD, f'<worksheet xmlns="{MAIN}" xmlns:r="{RELATIONS}">'
               '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
               f'<dimension ref="A1:{column_letter(last_column)}{last_row}"/>'
               + ('<sheetViews><sheetView tabSelected="1"' if selected else '<sheetViews><sheetView')
               + ' workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/>']
        if self.widths:
            out.append("<cols>" + "".join(
                f'<col min="{i}" max="{i}" width="{width:g}" customWidth="1"/>'
                for i, width in enumerate(self.widths, 1)) + "</cols>")
        out.append("<sheetData>")
        for row in rows:
            height = self.heights.get(row)
            out.append(f'<row r="{row}" ht="{height:g}" customHeight="1">' if height
                       else f'<row r="{row}">')
            line = self.cells[row]
            out.extend(map(line.__getitem__, sorted(line)))
            out.append("</row>")
        out.append("</sheetData>")
        if self.merged:
            out.append(f'<mergeCells count="{len(self.merged)}">'
                       + "".join(f'<mergeCell ref="{m}"/>' for m in self.merged) + "</mergeCells>")
        out.append('<printOptions horizontalCentered="1"/><pageMargins left="0.4" right="0.4"'
                   ' top="1" bottom="1" header="0.5" footer="0.5"/><pageSetup paperSize="9"'
                   f' orientation="{"landscape" if self.landscape else "portrait"}"'
                   ' fitToWidth="1" fitToHeight="0"/></worksheet>')
        return encoded("".join(out))


@dataclass(frozen=True)
class SheetEntry:
    """A sheet as the workbook names it: its title, print area and print title rows."""

    title: str
    print_area: str
    print_rows: tuple[int, int] | None


class Package(ZipWriter):
    """The workbook's ZIP package, written as it goes: ``write_sheet`` a sheet's XML (its
    place in the workbook given by number, from 1), take the bytes written so far with
    ``taken``, and ``finish`` with the sheets in the workbook's order. A sheet may be added
    after those that follow it (the summary, first in the workbook, is known only at the
    end)."""

    def __init__(self, styles: Styles) -> None:
        super().__init__()
        self.styles = styles

    def write_sheet(self, number: int, xml: bytes | tuple[bytes, int, int]) -> None:
        """A sheet's XML, or as ``deflated`` gave it."""
        name = f"xl/worksheets/sheet{number}.xml"
        if isinstance(xml, tuple):
            self.write_deflated(name, *xml)
        else:
            self.write(name, xml)

    def finish(self, sheets: list[SheetEntry]) -> bytes:
        """The workbook's parts that name its sheets; the package's last bytes."""
        count = len(sheets)
        names = []
        for index, sheet in enumerate(sheets):
            quoted = "'" + escaped(sheet.title.replace("'", "''"), True) + "'"
            if sheet.print_rows:
                first, last = sheet.print_rows
                names.append(f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">'
                             f"{quoted}!${first}:${last}</definedName>")
            if sheet.print_area:
                start, end = (_CELL.sub(r"$\1$\2", part)
                              for part in sheet.print_area.split(":"))
                names.append(f'<definedName name="_xlnm.Print_Area" localSheetId="{index}">'
                             f"{quoted}!{start}:{end}</definedName>")
        self.write("xl/workbook.xml", encoded(
            f'{XML_HEAD}<workbook xmlns="{MAIN}" xmlns:r="{RELATIONS}"><workbookPr/>'
            '<bookViews><workbookView activeTab="0"/></bookViews><sheets>' + "".join(
                f'<sheet name="{escaped(s.title, True)}" sheetId="{i}" r:id="rId{i}"/>'
                for i, s in enumerate(sheets, 1))
            + "</sheets>" + (f"<definedNames>{''.join(names)}</definedNames>" if names else "")
            + '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'))
        kind = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        self.write("xl/_rels/workbook.xml.rels", (
            f'{XML_HEAD}<Relationships xmlns="{PACKAGE_RELATIONS}">' + "".join(
                f'<Relationship Id="rId{i}" Type="{kind}/worksheet"'
                f' Target="worksheets/sheet{i}.xml"/>' for i in range(1, count + 1))
            + f'<Relationship Id="rId{count + 1}" Type="{kind}/styles" Target="styles.xml"/>'
            "</Relationships>").encode("utf-8"))
        self.write("xl/styles.xml", self.styles.xml())
        self.write("docProps/core.xml", (
            f'{XML_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/'
            '2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"'
            ' xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/'
            'XMLSchema-instance"><dc:creator>Jixiao</dc:creator>'
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{STAMP}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{STAMP}</dcterms:modified>'
            "</cp:coreProperties>").encode("utf-8"))
        self.write("docProps/app.xml", (
            f'{XML_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
            'extended-properties"><Application>Jixiao</Application></Properties>').encode("utf-8"))
        self.write("_rels/.rels", (
            f'{XML_HEAD}<Relationships xmlns="{PACKAGE_RELATIONS}">'
            f'<Relationship Id="rId1" Type="{kind}/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
            'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
            f'<Relationship Id="rId3" Type="{kind}/extended-properties" Target="docProps/app.xml"/>'
            "</Relationships>").encode("utf-8"))
        office = "application/vnd.openxmlformats-officedocument"
        self.write("[Content_Types].xml", (
            f'{XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{office}.spreadsheetml.sheet.'
            'main+xml"/>' + "".join(
                f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{office}.'
                'spreadsheetml.worksheet+xml"/>' for i in range(1, count + 1))
            + f'<Override PartName="/xl/styles.xml" ContentType="{office}.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
            'package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="'
            f'{office}.extended-properties+xml"/></Types>').encode("utf-8"))
        return self.close()

