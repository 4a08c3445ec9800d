"""The Word 自评报告 written as its chapters are rendered (issue 19): ``word/document.xml`` is
never held whole, nor its tree, nor (from the shipped template) the unit's projects.

docxtpl renders a template whole: the body's XML made into Jinja source (``patch_xml``), rendered
to one string, fixed with regular expressions, parsed into one lxml tree, put into python-docx's
document and saved. Here the same steps are taken in a stream, so that the document is the same:

- the template's body is made into Jinja source by docxtpl, as before (a user's template keeps
  every tag docxtpl knows), and its headers, footers, properties and footnotes are rendered by
  docxtpl; the package is saved with an empty body (the *skeleton*);
- the body's template is rendered with Jinja's ``generate``; the text is cut after a ``</w:p>``
  (where docxtpl's expressions over the whole text match the same as over the parts) and fixed
  as docxtpl fixes it (``_fixed``);
- the fixed text is fed to an incremental lxml parser; each element of the body, once the next
  one has begun, gets what docxtpl and word_report do to the tree (``fix_tables``, the
  pictures' ids, the merge of the 一级/二级 cells) and is serialised, then let go;
- the ZIP is written as it goes (a streamed entry of ``packages.ZipWriter``), the skeleton's
  other parts copied as they are.

That is how a user's template is written. The shipped one's chapters are made apart instead
(below, ``split_chapters``): each from the body of the template's loop over the chapters, in
the process scoring its project (``--jobs``), and deflated there; the parent writes the rest.

A user's template is held to its limits in the stream: its time (Jinja's own, not the writing
of the ZIP) and the characters it makes.
"""

from __future__ import annotations

import contextlib
import io
import re
import zipfile
from itertools import islice
from typing import Any, Callable, Iterable, Iterator

from .packages import LEVEL, StreamedEntry, ZipWriter

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
DOCUMENT = "word/document.xml"
_MARK = "jixiao-body"  # the skeleton's body holds this comment alone: the chapters go there
_PIECES = 1 << 11  # of the template's output at a time: some five a paragraph
# past this, document.xml's entry may need ZIP64 (a streamed entry says so before its data)
_ZIP64_FROM_PROJECTS = 10_000


class Budget:
    """A user's template's time, counted while Jinja runs only (``running``): the writing of
    a large document between its chapters is not the template's doing. Stopped by SIGALRM
    (main thread only, as report._deadline), so that a loop writing nothing is stopped too."""

    def __init__(self, seconds: float | None) -> None:
        self.limit = self.left = seconds

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        import signal
        import threading
        import time

        from .report import TemplateLimit

        if (self.left is None or threading.current_thread() is not threading.main_thread()
                or not hasattr(signal, "setitimer")):
            yield
            return

        def expired(_signum: int, _frame: object) -> None:
            raise TemplateLimit(f"模板渲染超过 {self.limit:g} 秒的上限")

        if self.left <= 0:
            expired(0, None)
        previous = signal.signal(signal.SIGALRM, expired)
        signal.setitimer(signal.ITIMER_REAL, self.left)
        start = time.monotonic()
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            self.left -= time.monotonic() - start


class Prepared:
    """A template ready to stream: the body's compiled Jinja template, the skeleton package,
    and what each element of the body needs (the parser's element classes, python-docx's
    body for a table's merge)."""

    def __init__(self, template_data: bytes, env, context: dict[str, Any],
                 budget: Budget) -> None:
        from docxtpl import DocxTemplate

        document = DocxTemplate(io.BytesIO(template_data))
        document.render_init()
        self.resolve_listing = document.resolve_listing
        source = document.patch_xml(document.get_xml())
        self.declarations = _declarations(source)
        self.body_tag = source[:source.index(">") + 1]
        source = re.sub(r"<w:p([ >])", r"\n<w:p\1", source)  # as docxtpl: lines for Jinja
        self.source = source
        with budget.running():
            self.body = env.from_string(source)
            # what docxtpl renders after the body, rendered first here: none reads the body
            for uri in (document.HEADER_URI, document.FOOTER_URI):
                for key, xml in list(document.build_headers_footers_xml(context, uri, env)):
                    document.map_headers_footers_xml(key, xml)
            document.render_properties(context, env)
            document.render_footnotes(context, env)
        self.docx = document.docx
        body = self.docx.element.body
        for child in list(body):
            body.remove(child)
        body.text = None
        from lxml import etree

        body.append(etree.Comment(_MARK))
        buffer = io.BytesIO()
        self.docx.save(buffer)
        from .packages import fixed_package

        self.skeleton = fixed_package(buffer.getvalue())


def document_chunks(prepared: Prepared, context: dict[str, Any], budget: Budget,
                    characters: int | None, projects: int,
                    done: Callable[[], int]) -> Iterator[tuple[bytes, int]]:
    """The .docx's bytes as they are made, with the chapters rendered so far (``done``)."""
    def document(entry: StreamedEntry, head: bytes, tail: bytes) -> Iterator[int]:
        entry.write(head)
        for xml in body_xml(prepared, context, budget, characters):
            entry.write(xml)
            yield done()
        entry.write(tail)

    return _package(prepared, projects, document)


def _package(prepared: Prepared, projects: int,
             document: Callable[[StreamedEntry, bytes, bytes], Iterator[int]]
             ) -> Iterator[tuple[bytes, int]]:
    """The skeleton's parts copied, and ``document.xml``: ``document`` writes into its entry
    the skeleton's head of it, the body and its tail, yielding the chapters done as it goes."""
    skeleton = zipfile.ZipFile(io.BytesIO(prepared.skeleton))
    package = ZipWriter()
    done = 0
    for info in skeleton.infolist():
        if info.filename != DOCUMENT:
            package.write(info.filename, skeleton.read(info.filename), 6)  # small: zlib's default
            continue
        head, _, tail = skeleton.read(DOCUMENT).partition(f"<!--{_MARK}-->".encode())
        entry = package.open(DOCUMENT, zip64=projects > _ZIP64_FROM_PROJECTS)
        for done in document(entry, head, tail):
            yield package.taken(), done
        entry.close()
    yield package.close(), done


def body_xml(prepared: Prepared, context: dict[str, Any], budget: Budget,
             characters: int | None) -> Iterator[bytes]:
    """The body's elements serialised, a few hundred kilobytes at a time."""
    from lxml import etree

    from .report import TemplateLimit

    parser = etree.XMLPullParser(events=("start",), tag=f"{{{W}}}body", recover=True)
    pieces = prepared.body.generate(context)
    made, carried, body = 0, "", None
    finish = _Finisher(prepared)
    while True:
        with budget.running():
            batch = list(islice(pieces, _PIECES))
        text = carried + "".join(batch)
        if batch:
            made += sum(map(len, batch))
            if characters is not None and made > characters:
                raise TemplateLimit(f"模板输出超过上限 {characters:,} 字")
            cut = text.rfind("</w:p>")
            if cut < 0:
                carried = text
                continue
            carried, text = text[cut + 6:], text[:cut + 6]
        parser.feed(_fixed(text, prepared.resolve_listing).encode("utf-8"))  # str: 5× slower
        if body is None:
            for _event, element in parser.read_events():
                body = element
                break
        if not batch:
            parser.close()
        if body is not None:
            children = list(body)
            ready = children if not batch else children[:-1]
            if ready:
                yield b"".join(finish(child) for child in ready)
                for child in ready:
                    body.remove(child)
        if not batch:
            return


def _fixed(text: str, resolve_listing: Callable[[str], str]) -> str:
    """docxtpl's fixes of the rendered text (``render_xml_part``): the line breaks it put before
    each paragraph for Jinja taken out, escaped braces put back, and a tab, line or page break
    in a value made Word's (``resolve_listing``, a paragraph at a time where there is one: it
    changes nothing elsewhere, and looking at every paragraph took a tenth of the run)."""
    text = text.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")  # r"\n<w:p([ >])"
    if "_" in text:
        text = (text.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%")
                .replace("%_}", "%}"))
    if not any(character in text for character in _LISTED):  # a regular expression's
        return text  # search takes ten times as long
    found = _LISTING.search(text)
    if found is None:
        return text
    parts, start = [], 0
    while found is not None:
        # from the end of the paragraph before to the end of this one: docxtpl's expression
        # matches the same there as over the whole text
        begin = text.rfind("</w:p>", start, found.start())
        begin = start if begin < 0 else begin + 6
        end = text.find("</w:p>", found.start())
        end = len(text) if end < 0 else end + 6
        parts += [text[start:begin], resolve_listing(text[begin:end])]
        start = end
        found = _LISTING.search(text, start)
    parts.append(text[start:])
    return "".join(parts)


_LISTED = "\t\a\n\f"
_LISTING = re.compile(f"[{_LISTED}]")


class _Finisher:
    """An element of the body as docxtpl and word_report leave it, serialised as it is within
    the document (the namespaces declared on the document, not on it)."""

    def __init__(self, prepared: Prepared) -> None:
        from lxml import etree

        self.tostring = etree.tostring
        self.table = f"{{{W}}}tbl"
        self.picture = f"{{{WP}}}docPr"
        self.ids = 1000  # docxtpl's DocxTemplate.docx_ids_index
        self.parent = prepared.docx._body
        self.declarations = prepared.declarations
        from .word_report import fix_table, merge_indicator_levels

        self.fix_table, self.merge = fix_table, merge_indicator_levels

    def __call__(self, element) -> bytes:
        self.finished(element)
        xml = self.tostring(element, encoding="UTF-8")  # no XML declaration for UTF-8
        name_end = xml.find(b" ", 0, xml.find(b">"))
        if name_end > 0 and xml.startswith(self.declarations, name_end):
            xml = xml[:name_end] + xml[name_end + len(self.declarations):]
        return xml

    def finished(self, element) -> None:
        """What docxtpl and word_report do to an element of the body."""
        for table in element.iter(self.table):
            self.fix_table(table)
        for picture in element.iter(self.picture):
            self.ids += 1
            picture.attrib["id"] = str(self.ids)
        if element.tag == self.table:
            self.merge(element, self.parent)


def _declarations(source: str) -> bytes:
    """What lxml writes into an element of the body serialised alone: the body's namespace
    declarations (within the document they are the document's, written there once)."""
    from lxml import etree

    body = etree.fromstring(source[:source.index(">") + 1] + "<w:p/></w:body>")
    return etree.tostring(body[0], encoding="UTF-8")[len(b"<w:p"):-len(b"/>")]


# The shipped template's chapters made apart, each in the process that scores its project
# (--jobs: parallel.py's workers): rendered from the chapters' loop's body, fixed, merged,
# serialised and deflated there; the rest of the body is written around them, and each
# chapter's number (unknown to a worker: a project before it may not be scored) between its
# two deflated parts. The same bytes with any number of processes.

_CHAPTERS = "jixiao-chapters"
_OPENING = "{% for ch in report.chapters %}"
_FOR_TAGS = re.compile(r"{%-?\s*(for|endfor)\b")
_MARKS = ("\ue000", "\ue001", "\ue002")  # the number's place (private use: a project's text
# with one of them is rendered with the next)


def split_chapters(source: str) -> tuple[str, str] | None:
    """(the body's template with the chapters' loop holding a comment, the loop's body), when
    the body loops over ``report.chapters`` as the shipped template does; None otherwise."""
    start = source.find(_OPENING)
    if start < 0:
        return None
    depth, inside = 1, start + len(_OPENING)
    for tag in _FOR_TAGS.finditer(source, inside):
        depth += 1 if tag.group(1) == "for" else -1
        if depth == 0:
            return (source[:inside] + f"<!--{_CHAPTERS}-->" + source[tag.start():],
                    source[inside:tag.start()])
    return None


def _elements_xml(text: str, prepared: Prepared, finish: _Finisher, part: bool = True) -> bytes:
    """The body's rendered text (``part``: a part of what is inside it), fixed, parsed whole and
    its elements finished, serialised as the document holds them in one go (each element
    serialised alone would carry the namespaces' declarations, twice its size). The text
    before the first element is, in a part, the tail of the element before it, so kept (lxml
    escapes it as a tail); before the whole body's first, docxtpl drops it."""
    return _tree_xml(_fixed(text, prepared.resolve_listing), prepared, finish, part)


def _tree_xml(fixed: str, prepared: Prepared, finish: _Finisher, part: bool) -> bytes:
    """``_elements_xml`` of text fixed already."""
    from lxml import etree

    parser = etree.XMLParser(recover=True)
    if part:
        fixed = prepared.body_tag + fixed + "</w:body>"
    body = etree.fromstring(fixed.encode("utf-8"), parser)
    for child in body:
        finish.finished(child)
    if not part:
        body.text = None
    xml = etree.tostring(body, encoding="UTF-8")
    return b"" if xml.endswith(b"/>") else xml[xml.index(b">") + 1:-len(b"</w:body>")]


def chapter_xml(text: str, prepared: Prepared, finish: _Finisher,
                kinds: dict | None = None) -> bytes:
    """A chapter's elements as the document holds them (in a worker). From a template
    word_text finishes (``kinds``: the run's ``Memo.word_cells``; None for another), finished
    on its text where it can (the same bytes), else through the tree."""
    if kinds is not None:
        from functools import partial

        from .word_text import finished_xml

        done = finished_xml(text, partial(_fixed, resolve_listing=prepared.resolve_listing),
                            kinds)
        if done is not None:
            return done
    return _tree_xml(_fixed(text, prepared.resolve_listing), prepared, finish, True)


def deflated_chapter(before: bytes, after: bytes) -> tuple[bytes, int, int, bytes, int, int]:
    """A chapter's XML before its number and after it, each deflated on its own (a full flush:
    nothing refers back past it, and it ends on a byte, so that the number can be put between
    them), with its CRC-32 and size. A compressor of its own for each chapter: its bytes are
    the same whichever process made it, and whatever it made before."""
    import zlib

    packer = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return (packer.compress(before) + packer.flush(zlib.Z_FULL_FLUSH), zlib.crc32(before),
            len(before), packer.compress(after) + packer.flush(zlib.Z_FULL_FLUSH),
            zlib.crc32(after), len(after))


def chapters_document_chunks(prepared: Prepared, frame, context: dict[str, Any],
                             slices: Iterable[tuple[list[tuple], int]], projects: int,
                             number: Callable[[int], str]) -> Iterator[tuple[bytes, int]]:
    """The .docx with the chapters made apart (``slices``: lists of ``deflated_chapter``'s, with
    the projects done) put where ``frame`` (the body's template, ``split_chapters``) holds its
    comment, each chapter's ``number`` between its two parts."""
    xml = _elements_xml("".join(frame.generate(context)), prepared, _Finisher(prepared),
                        part=False)
    before, _, after = xml.partition(f"<!--{_CHAPTERS}-->".encode())

    def document(entry: StreamedEntry, head: bytes, tail: bytes) -> Iterator[int]:
        entry.write(head + before)
        chapters, done = 0, 0
        for batch, done in slices:
            for first, first_crc, first_size, then, then_crc, then_size in batch:
                chapters += 1
                entry.deflated(first, first_crc, first_size)
                entry.write(number(chapters).encode("utf-8"))
                entry.deflated(then, then_crc, then_size)
            yield done
        entry.write(after + tail)

    return _package(prepared, projects, document)
