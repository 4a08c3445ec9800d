"""Text as units copy it out of a PDF, a web page or an e-mail, in four styles told apart by
their look: cells separated by tabs (what a PDF or a web table gives when copied), Markdown or
plain-text pipe tables (``| a | b |``, ``+---+`` rules skipped), CSV (by the file's suffix: a
comma is also a thousands separator in 1,102,000.00), and one cell per line. Positions are
``FILE:LINE:COL``, columns counted in characters from 1 as an editor shows them."""

from __future__ import annotations

import csv
import io
import re

from ..diagnostics import Position
from .cells import Cell, Row, SourceDocument, Table, Unreadable

_RULE = re.compile(r"^[\s|:+=\-—]*$")  # |---|:--:|, +----+----+, =====
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def decode(raw: bytes, path: str) -> tuple[str, str | None]:
    """The text, and the name of the encoding when it was not UTF-8 (a GBK export from a
    Chinese Windows is common; it is read, and said)."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom):].decode(encoding), None if encoding == "utf-8" else encoding
            except UnicodeDecodeError as problem:
                raise Unreadable(f"{path} 不是有效的 {encoding.upper()} 文本（第 {problem.start + 1} 字节）")
    if b"\x00" in raw[:65536]:
        raise Unreadable(f"{path} 不是文本文件（含二进制内容）；请给出 .xlsx、.docx、.pdf 或文本")
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "GB18030"
    except UnicodeDecodeError as problem:
        raise Unreadable(f"{path} 既不是 UTF-8 也不是 GBK/GB18030 文本（第 {problem.start + 1} 字节无法解码）")


def _split(line: str, separator: str) -> list[tuple[str, int]]:
    """Cells of a line with the 0-based character offset where each one's text starts."""
    cells, start = [], 0
    for piece in line.split(separator):
        stripped = piece.strip()
        offset = start + (len(piece) - len(piece.lstrip()))
        cells.append((stripped, offset))
        start += len(piece) + len(separator)
    return cells


def _pipe_cells(line: str) -> list[tuple[str, int]]:
    """Cells of ``| a | b |``; an escaped ``\\|`` is a bar inside a cell."""
    body = line.rstrip().replace("\\|", "\x00")
    left = len(body) - len(body.lstrip())
    body = body.strip()
    if body.startswith("|"):
        body, left = body[1:], left + 1
    if body.endswith("|"):
        body = body[:-1]
    return [(text.replace("\x00", "|"), left + offset) for text, offset in _split(body, "|")]


def style_of(lines: list[str], suffix: str) -> str:
    if suffix == ".csv":
        return "csv"
    filled = [line for line in lines if line.strip()]
    if any("\t" in line for line in filled):
        return "tabs"
    piped = sum(1 for line in filled if line.lstrip().startswith("|"))
    if piped >= 2:
        return "pipes"
    return "lines"


def read_text(raw: bytes, path: str, suffix: str = "") -> tuple[SourceDocument, str | None]:
    text, encoding = decode(raw, path)
    lines = text.splitlines()
    style = style_of(lines, suffix)
    rows: list[Row] = []
    if style == "csv":
        reader = csv.reader(io.StringIO(text))
        try:
            for cells in reader:
                number = reader.line_num
                rows.append(Row(tuple(Cell(value.strip(), Position(path, number, 1), column)
                                      for column, value in enumerate(cells)),
                                Position(path, number, 1)))
        except csv.Error as problem:
            raise Unreadable(f"{path} 不是有效的 CSV：{problem}")
    else:
        for number, line in enumerate(lines, 1):
            if style == "pipes":
                if _RULE.match(line):
                    continue
                pieces = _pipe_cells(line) if line.lstrip().startswith("|") else \
                    [(line.strip(), len(line) - len(line.lstrip()))]
            elif style == "tabs":
                pieces = _split(line, "\t")
            else:
                pieces = [(line.strip(), len(line) - len(line.lstrip()))]
            cells = tuple(Cell(value, Position(path, number, offset + 1), column)
                          for column, (value, offset) in enumerate(pieces))
            rows.append(Row(cells, Position(path, number, 1)))
    table = Table(path, tuple(rows), one_cell_per_line=style == "lines")
    return SourceDocument(path, "文本", (table,), lines=tuple(lines)), encoding
