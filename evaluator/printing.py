"""The printed 自评表 as PDF: the HTML report, printed to A4 by the Chromium, Chrome or Edge
already on the user's machine (headless, with its own throw-away profile).

Why a browser: the PDF is then exactly what printing the HTML report gives, page breaks,
repeated header rows and fonts included, and every Windows machine has Edge. WeasyPrint would
need Pango (GTK on Windows) and lays tables out by rules of its own; a bundled browser
(Playwright) is a download of some 150 MB.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

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


def _confined(html: str) -> str:
    """The policy first, after the doctype only (before it, the page would lay out in quirks
    mode)."""
    doctype = _DOCTYPE.match(html)
    end = doctype.end() if doctype else 0
    return html[:end] + _POLICY + html[end:]


def print_pdf(html: str, browser: str | None = None, timeout: float = 300) -> bytes:
    """The PDF of ``html`` as the browser prints it (A4, as the page's @page rule says)."""
    browser = browser or find_browser()
    if browser is None:
        raise PrintProblem(NO_BROWSER)
    with tempfile.TemporaryDirectory(prefix="jixiao-print-") as folder:
        page, pdf = Path(folder) / "report.html", Path(folder) / "report.pdf"
        page.write_text(_confined(html), encoding="utf-8")
        command = [browser, "--headless", "--disable-gpu", "--no-first-run",
                   "--no-default-browser-check", "--disable-extensions", "--disable-sync",
                   "--disable-background-networking", "--disable-component-update",
                   f"--user-data-dir={Path(folder) / 'profile'}",
                   "--no-pdf-header-footer", "--print-to-pdf-no-header",  # new and old name
                   f"--print-to-pdf={pdf}", page.as_uri()]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.insert(1, "--no-sandbox")  # Chromium refuses to run as root with it
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise PrintProblem(f"错误：浏览器 {browser} 在 {timeout:.0f} 秒内未能生成 PDF") from None
        except OSError as problem:
            raise PrintProblem(f"错误：无法运行浏览器 {browser}：{problem.strerror or problem}"
                               ) from None
        if not pdf.is_file() or pdf.stat().st_size == 0:
            said = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise PrintProblem(f"错误：浏览器 {browser} 未能生成 PDF（退出码 {done.returncode}）"
                               + ("\n" + "\n".join(said) if said else ""))
        return deterministic(pdf.read_bytes())


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
