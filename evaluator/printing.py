"""The printed 自评表 as PDF: the HTML report, printed to A4 by the Chromium, Chrome or Edge
already on the user's machine (headless, with its own throw-away profile).

Why a browser: the PDF is then exactly what printing the HTML report gives, page breaks,
repeated header rows and fonts included, and every Windows machine has Edge. WeasyPrint would
need Pango (GTK on Windows) and lays tables out by rules of its own; a bundled browser
(Playwright) is a download of some 150 MB.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

# What a run has printing now, for ``stop_printing``: each browser (the leader of a process group
# of its own, so its renderer and GPU processes go with it) and each temporary folder.
_BROWSERS: set[subprocess.Popen] = set()
_FOLDERS: set[str] = set()
_stopping = False  # set by stop_printing: no page is written nor browser started after it

# Names on PATH, then the usual install locations by system; JIXIAO_BROWSER names one outright.
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
                 "chrome", "microsoft-edge", "microsoft-edge-stable", "msedge")


def _usual_locations() -> list[str]:
    if sys.platform == "darwin":
        return [f"{root}/Applications/{app}.app/Contents/MacOS/{app}"
                for root in ("", os.path.expanduser("~"))
                for app in ("Google Chrome", "Microsoft Edge", "Chromium")]
    if sys.platform == "win32":
        roots = [os.environ.get(v) for v in ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA")]
        return [os.path.join(root, *where) for root in roots if root
                for where in (("Microsoft", "Edge", "Application", "msedge.exe"),
                              ("Google", "Chrome", "Application", "chrome.exe"))]
    return ["/snap/bin/chromium", "/opt/google/chrome/chrome",
            "/opt/microsoft/msedge/msedge"]


NO_BROWSER = ("错误：生成 PDF 需要 Chromium、Google Chrome 或 Microsoft Edge，本机未找到。\n"
              "提示：安装其中之一（Windows 自带 Edge；Debian/Ubuntu：apt install chromium；"
              "macOS：安装 Google Chrome），或用环境变量 JIXIAO_BROWSER 指明浏览器程序的路径；"
              "也可用 --format html 生成网页后在浏览器中打印为 PDF")


class PrintProblem(Exception):
    """No browser, or the browser did not print: the message says what to do, in Chinese."""


def find_browser() -> str | None:
    named = os.environ.get("JIXIAO_BROWSER")
    if named:
        return named if os.path.isfile(named) else shutil.which(named)
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return next((p for p in _usual_locations() if os.path.isfile(p)), None)


# What a page printed here may load: its own inline styles and data: images, nothing else. A
# template from someone else (--templates) could otherwise show a local file in an <iframe>,
# and the PDF would carry it away; scripts do not run.
_POLICY = ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
           'style-src \'unsafe-inline\'; img-src data:; font-src data:">')
_DOCTYPE = re.compile(r"\A\ufeff?\s*<!doctype[^>]*>", re.IGNORECASE)


# The browser lays a page out for its screen when it loads it, then again for print: for the
# screen it shows nothing. The print is the same to the byte (tested), and a third of a print's
# CPU is saved (a 215-page part: 5.9 s against 9.0).
_SCREEN_BLANK = "<style>@media screen { body > * { display: none !important; } }</style>"


def _confined(html: str) -> str:
    """The policy first, after the doctype only (before it, the page would lay out in quirks
    mode); then the blank screen."""
    doctype = _DOCTYPE.match(html)
    end = doctype.end() if doctype else 0
    return html[:end] + _POLICY + _SCREEN_BLANK + html[end:]


def print_pdf(html: str, browser: str | None = None, timeout: float = 300) -> bytes:
    """The PDF of ``html`` as the browser prints it (A4, as the page's @page rule says), tagged:
    its structure (headings, tables, their header cells) is there for a screen reader."""
    with _print_folder() as folder:
        return _printed(html, browser, folder, timeout).read_bytes()


@contextlib.contextmanager
def _print_folder() -> Iterator[Path]:
    """A temporary folder for the pages and their prints, known to ``stop_printing``."""
    with tempfile.TemporaryDirectory(prefix="jixiao-print-") as folder:
        _FOLDERS.add(folder)
        try:
            yield Path(folder)
        finally:
            _FOLDERS.discard(folder)


def stop_printing() -> None:
    """Kill the browsers printing now and remove the temporary folders: what a SIGTERM does
    before the process ends as the signal ends it (cli.py), without unwinding, so that no
    browser prints on for nobody and no folder of pages is left behind (Ctrl-C and a failed
    part unwind: they kill the browsers, ``_kill_browsers``, and the folders go as their
    contexts end). Safe in a signal handler of the main thread: the sets are copied at once
    (a thread may be adding to them)."""
    global _stopping
    _stopping = True
    _kill_browsers()
    for folder in list(_FOLDERS):
        for _ in range(100):  # a thread past the check may still be writing a part's page
            shutil.rmtree(folder, ignore_errors=True)
            if not os.path.lexists(folder):
                break
            time.sleep(0.01)


def _browser_run(command: list[str], timeout: float) -> tuple[int, bytes]:
    """The browser's exit code and what it said on stderr. It leads a process group of its own,
    so that ``stop_printing`` ends its helper processes with it, and the terminal's Ctrl-C
    reaches this process only (which then stops it)."""
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, start_new_session=True)
    _BROWSERS.add(process)
    if _stopping:  # stop_printing came between the check in _printed and now
        _kill(process)
    try:
        _said, said = process.communicate(timeout=timeout)
        return process.returncode, said
    except BaseException:  # out of time, or this thread stopped: none of its group is left
        _kill(process)
        process.communicate()
        raise
    finally:
        _BROWSERS.discard(process)


def _kill_browsers() -> None:
    for process in list(_BROWSERS):  # copied at once: a thread may be adding to it
        _kill(process)


def _kill(process: subprocess.Popen) -> None:
    with contextlib.suppress(OSError):
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)
        else:  # Windows: no process groups (the browser ends its helpers itself)
            process.kill()


def _printed(html: str, browser: str | None, folder: Path, timeout: float = 300,
             tagged: bool = True) -> Path:
    """``html`` printed to ``folder``/report.pdf (fixed as ``deterministic`` says); untagged,
    without the structure tree (what a part of a long report leaves out anyway: a third of the
    CPU of a print and four fifths of its bytes)."""
    browser = browser or find_browser()
    if browser is None:
        raise PrintProblem(NO_BROWSER)
    if _stopping:
        raise PrintProblem("错误：打印已中止")
    page, pdf = folder / "report.html", folder / "report.pdf"
    page.write_text(_confined(html), encoding="utf-8")
    command = [browser, "--headless", "--disable-gpu", "--no-first-run",
               "--no-default-browser-check", "--disable-extensions", "--disable-sync",
               "--disable-background-networking", "--disable-component-update",
               f"--user-data-dir={folder / 'profile'}",
               "--no-pdf-header-footer", "--print-to-pdf-no-header",  # new and old name
               f"--print-to-pdf={pdf}", page.as_uri()]
    if not tagged:
        command.insert(1, "--disable-pdf-tagging")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.insert(1, "--no-sandbox")  # Chromium refuses to run as root with it
    try:
        code, said = _browser_run(command, timeout)
    except subprocess.TimeoutExpired:
        raise PrintProblem(f"错误：浏览器 {browser} 在 {timeout:.0f} 秒内未能生成 PDF") from None
    except OSError as problem:
        raise PrintProblem(f"错误：无法运行浏览器 {browser}：{problem.strerror or problem}"
                           ) from None
    if not pdf.is_file() or pdf.stat().st_size == 0:
        last = said.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise PrintProblem(f"错误：浏览器 {browser} 未能生成 PDF（退出码 {code}）"
                           + ("\n" + "\n".join(last) if last else ""))
    pdf.write_bytes(deterministic(pdf.read_bytes()))
    shutil.rmtree(folder / "profile", ignore_errors=True)  # a part's profile and page: its
    page.unlink()  # PDF is all the join needs of it
    return pdf


# Chromium (Skia) stamps the time of printing as /CreationDate and /ModDate, and names each
# element of the tagged structure after its DOM node (/ID (node00000020)), whose numbers can
# shift by one from run to run. Both are overwritten in place, character for character, so the
# byte offsets of the cross-reference table stay right: the dates with a fixed one, the node
# numbers by their rank (an order-keeping renumbering: the /IDTree stays sorted).
_DATE = re.compile(rb"(/(?:CreationDate|ModDate) ?\(D:)(\d{4,14})([^)]*)\)")
_NODE = re.compile(rb"\(node(\d{8})\)")


def deterministic(data: bytes) -> bytes:
    def fixed(match: re.Match) -> bytes:
        digits = b"20000101000000"[:len(match.group(2))]
        zone = re.sub(rb"\d", b"0", match.group(3))
        return match.group(1) + digits + zone + b")"

    ranks = {number: b"(node%08d)" % rank for rank, number in
             enumerate(sorted({int(m) for m in _NODE.findall(data)}))}
    data = _NODE.sub(lambda m: ranks[int(m.group(1))], data)
    return _DATE.sub(fixed, data)


# ---- a long report, printed part by part ----------------------------------------------------
#
# A browser's time is linear in the pages it prints (measured: 0.07 s a page, 50 to 1 000
# projects), but its memory is not bounded: 1.07 GB for 1 000 projects' 2 000 pages. A report of
# more projects is printed PROJECTS_A_PRINT at a time, each part by a browser of its own
# (several at once: a browser keeps about one core busy, its layout being one thread's work):
# every project starts a page, so a part's pages are the whole print's pages. The footer (第 N
# 页，共 M 页) needs M, known once every part is printed: the parts are printed without it, then
# one page of blank pages carrying only the footer (the report's own @page rule, so its own font
# and place) is laid over each page by pikepdf.

# ~215 pages: a browser of 400 MB or so. Twice as many save a browser's start (some 1 s of CPU)
# every 200 projects, a tenth of the time or so, for half as much memory again a browser.
PROJECTS_A_PRINT = 100
_SECTION = re.compile(r'<section class="(project|summary)"')
_BODY = re.compile(r"<body[^>]*>", re.IGNORECASE)
# style elements in the body apply as well as those in the head: the parts without the footer,
# and the footer's pages one each
_NO_FOOTER = "<style>@page { @bottom-center { content: none; } }</style>"
_FOOTER_PAGES = ("<style>div.jixiao-page { height: 1px; }"  # an empty block breaks no page
                 " div.jixiao-page + div.jixiao-page { break-before: page; }</style>")


def print_report(html: str, browser: str | None = None, projects_a_print: int = PROJECTS_A_PRINT,
                 progress=None, browsers: int = 1) -> Iterator[bytes]:
    """The PDF of the shipped HTML report, as chunks of bytes. Of more than ``projects_a_print``
    projects it is printed in parts (above), ``browsers`` parts at a time. ``progress``: told of
    the projects printed, as ``formats.Progress`` (pairs of a part and the projects done so far,
    and their total)."""
    starts = [(m.start(), m.group(1)) for m in _SECTION.finditer(html)]
    body, end = _BODY.search(html), html.rfind("</body>")
    projects = sum(1 for _start, kind in starts if kind == "project")
    if projects <= projects_a_print or body is None or end < starts[-1][0]:
        yield print_pdf(html, browser)
        return
    browser = browser or find_browser()
    sections = [html[a:b] for (a, _), (b, _) in zip(starts, starts[1:] + [(end, "")])]
    opening, closing = html[:body.end()] + _NO_FOOTER, html[end:]
    parts: list[tuple[str, int]] = []  # each part's page, and the projects printed with it
    current, count = opening + html[body.end():starts[0][0]], 0  # the title on page 1 only
    for section, (_start, kind) in zip(sections, starts):
        if kind == "project" and count == projects_a_print:
            parts.append((current + closing, count))
            current, count = opening, 0
        current += section
        count += kind == "project"
    parts.append((current + closing, count))
    with _print_folder() as folder, contextlib.ExitStack() as opened:
        import pikepdf

        # each part's pages taken into the first part's as it comes, while the next parts print
        # (the parts must stay open until the whole is saved: pikepdf copies their streams then)
        whole, printed = None, _printed_parts(parts, browser, folder, projects, progress,
                                              browsers)
        opened.callback(printed.close)  # what fails here waits for the browsers still printing
        for path in printed:
            part = opened.enter_context(pikepdf.open(path))
            if whole is None:
                whole = part
            else:
                whole.pages.extend(part.pages)
        footer = _printed(html[:body.end()] + _FOOTER_PAGES
                          + '<div class="jixiao-page"></div>' * len(whole.pages) + closing,
                          browser, _fresh(folder / "footer"), tagged=False)
        joined = _footed(whole, footer, folder / "report.pdf")
        with open(joined, "rb") as handle:
            while piece := handle.read(1 << 20):
                yield piece


def _fresh(folder: Path) -> Path:
    folder.mkdir()
    return folder


def _printed_parts(parts: list[tuple[str, int]], browser: str | None, folder: Path,
                   projects: int, progress, browsers: int) -> Iterator[Path]:
    """The parts printed, ``browsers`` at a time (threads, each waiting on its browser), given
    back in order as each is done. A part that fails stops the parts not yet begun."""
    from concurrent.futures import ThreadPoolExecutor

    def one(number: int) -> Path:
        return _printed(parts[number][0], browser, _fresh(folder / f"part{number}"),
                        tagged=False)

    pool = ThreadPoolExecutor(max_workers=max(1, browsers), thread_name_prefix="jixiao-print")
    try:
        futures = [pool.submit(one, number) for number in range(len(parts))]

        def printed() -> Iterator[tuple[Path, int]]:
            done = 0
            for future, (_part, count) in zip(futures, parts):
                done += count
                yield future.result(), done

        steps = printed()
        yield from (progress(steps, projects) if progress else (path for path, _ in steps))
    except BaseException:  # a part failed, Ctrl-C: the browsers still printing are not waited for
        pool.shutdown(wait=False, cancel_futures=True)
        _kill_browsers()
        raise
    finally:
        pool.shutdown(cancel_futures=True)


def _footed(whole, footer: Path, out: Path) -> Path:
    """The parts' pages (``whole``, a pikepdf.Pdf), each with its footer laid over it; written
    deterministically (qpdf's /ID from the content). The parts are printed untagged, and what
    structure a browser wrote anyway is left out: pikepdf joins pages, not structure trees, and
    a tree for the first part only would describe a fifth of the document."""
    import pikepdf

    with pikepdf.open(footer) as feet:
        if len(feet.pages) != len(whole.pages):
            raise PrintProblem("错误：浏览器打印的页脚页数与报告不符，未能生成 PDF")
        name = pikepdf.Name("/JixiaoFooter")  # pikepdf's add_overlay names it at random
        for page, foot in zip(whole.pages, feet.pages):
            page.add_resource(whole.copy_foreign(foot.as_form_xobject()),
                              pikepdf.Name.XObject, name)
            page.contents_add(pikepdf.Stream(whole, b"q\n"), prepend=True)
            page.contents_add(pikepdf.Stream(whole, b"\nQ q /JixiaoFooter Do Q\n"))
        for key in ("/StructTreeRoot", "/MarkInfo"):  # a browser that tagged a part anyway
            if key in whole.Root:
                del whole.Root[key]
        for page in whole.pages:
            if "/StructParents" in page.obj:
                del page.obj["/StructParents"]
        # the pages' streams copied as the browser compressed them (qpdf's default
        # decodes and compresses each again: 25 s against 16 s for 1 056 pages, loaded)
        whole.save(out, deterministic_id=True,
                   stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return out
