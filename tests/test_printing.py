"""The 自评表 printed to A4 in headless Chromium: pages, repeated headers, rows kept whole, and
column widths measured in the browser's own layout (DESIGN §11)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from evaluator import printing
from evaluator.cli import main
from evaluator.run import evaluate_files
from evaluator.report import build_context, render
from tests.conftest import EXAMPLE, ROOT, alive, ctrl_c_as_in_a_terminal, evaluate_in

BROWSER = printing.find_browser()
POPPLER = shutil.which("pdftotext") and shutil.which("pdfinfo")
needs_browser = pytest.mark.skipif(BROWSER is None, reason="no Chromium, Chrome or Edge "
                                   "(.ci/run installs Debian's chromium)")
needs_poppler = pytest.mark.skipif(not POPPLER, reason="pdftotext and pdfinfo (poppler-utils, "
                                   "installed by .ci/run) read the printed pages")


def pages_of(pdf: bytes, folder: Path) -> list[str]:
    """The text of each printed page (pdftotext separates pages with a form feed)."""
    path = folder / "printed.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    count = int(next(line.split()[-1] for line in info.stdout.splitlines()
                     if line.startswith("Pages:")))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    pages = text.split("\f")[:count]
    assert len(pages) == count
    return pages


def forty_rows() -> tuple[str, str]:
    """One project of 40 indicators (every fifth missed, with a reason and measures), as a
    large project of a real unit has them."""
    plan = [("产出指标", "数量指标", 12), ("产出指标", "质量指标", 10), ("产出指标", "时效指标", 6),
            ("效益指标", "社会效益指标", 8), ("满意度指标", "服务对象满意度指标", 4)]
    goals = ["year: 2024", "unit: 测试单位", "projects:", "  - name: 四十行项目",
             "    funds: {total: 1000000.00, fiscal: 800000.00, carryover: 200000.00}",
             "    goal: 完成年度工作任务。", "    indicators:"]
    actuals = ["year: 2024", "projects:", "  四十行项目:",
               "    budget: {adjusted: 1000000.00, executed: 950000.00}",
               "    summary: 基本完成。", "    indicators:"]
    number, level1 = 0, None
    for first, second, rows in plan:
        if first != level1:
            goals.append(f"      {first}:")
            level1 = first
        goals.append(f"        {second}:")
        for _ in range(rows):
            number += 1
            goals.append(f"          第{number}项活动举办场次: ≥10(场)")
            actuals.append(
                f"      第{number}项活动举办场次: {{actual: 8场, reason: 受场地改造影响部分活动延期"
                f"举办（第{number}项）, measures: 提前锁定备用场地}}" if number % 5 == 0 else
                f"      第{number}项活动举办场次: 10场")
    return "\n".join(goals) + "\n", "\n".join(actuals) + "\n"


@pytest.fixture(scope="module")
def example_html(default_rules) -> str:
    evaluation = evaluate_files(str(EXAMPLE / "goals.yaml"), str(EXAMPLE / "actuals.yaml"),
                                *default_rules)
    return render(build_context(evaluation), "html")


@pytest.fixture(scope="module")
def example_pdf(example_html) -> bytes:
    return printing.print_pdf(example_html)


@needs_browser
@needs_poppler
def test_the_example_prints_each_project_from_a_new_page(example_pdf, tmp_path):
    """The shipped example printed to 48 mostly blank pages: a merged 一级 cell over 20 rows
    could not break, and the vertical 绩效指标 cell spanned the whole table."""
    pages = pages_of(example_pdf, tmp_path)
    starts = [n for n, page in enumerate(pages, 1) if "主管部门" in page]
    names = ["城市日宣传推广", "城市日管理研究", "2024年“上海奖”工作", "课题研究", "世界城市日海外专题推介",
             "人居署项目支持", "城市日主场活动", "2024年“上海指数”工作", "涉外资料翻译", "信息化建设项目"]
    assert [next(name for name in names if name in pages[n - 1]) for n in starts] == names
    # each project's pages, from its first to the next one's (the summary last), looked at:
    # the 27- and 28-row projects with their long goals take two pages, the 49-row one three
    summary = next(n for n, page in enumerate(pages, 1) if "单位汇总：" in page)
    lengths = [b - a for a, b in zip(starts, starts[1:] + [summary])]
    assert lengths == [2, 2, 2, 2, 2, 2, 3, 2, 1, 2]
    assert len(pages) == 22  # and the summary with its charts and the diagnostics on two
    for start, length in zip(starts, lengths):
        for page in pages[start:start + length - 1]:  # a project's later pages
            assert "一级指标" in page and "偏差原因分析" in page  # the header repeats


@needs_browser
@needs_poppler
def test_forty_rows_print_on_two_pages_rows_whole(tmp_path):
    goals, actuals = forty_rows()
    context = build_context(evaluate_in(tmp_path, goals, actuals))
    pages = pages_of(printing.print_pdf(render(context, "html")), tmp_path)
    project = [page for page in pages if "单位汇总：" not in page]
    assert len(project) == 2 and "单位汇总：" in pages[2] and len(pages) == 3
    assert "其中：当年财政拨款" in project[0] and "800,000.00" in project[0]
    assert "偏差原因分析及改进措施" in project[1] and "一级指标" in project[1]
    seen = []
    for number, page in ((n, p) for p in project for n in range(1, 41)
                         if f"第{n}项活动举办场次" in p.replace(" ", "")):
        seen.append(number)
        if number % 5 == 0:  # the row's reason is on the page of its name: not split
            assert f"（第{number}项）" in page.replace(" ", "").replace("\n", ""), number
    assert sorted(seen) == list(range(1, 41))  # each row once: none split over two pages


# Run in the page before the DOM is dumped: the print rules applied to the screen, the body as
# wide as A4 leaves between the margins, then every header word, every value and every column
# measured, and written into the page as JSON.
MEASURE = """
<script>
for (const sheet of document.styleSheets)
  for (const rule of sheet.cssRules)
    if (rule instanceof CSSMediaRule && rule.media.mediaText === "print") rule.media.mediaText = "all";
document.body.style.width = "190mm";
const lines = (node, start, end) => {  // the distinct lines a piece of text is laid out on
  const range = document.createRange();
  range.setStart(node, start);
  range.setEnd(node, end);
  return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
};
const words = [], overflow = [], columns = [];
const wordsOf = (element, pattern) => {  // each word of each text node in it, and its lines
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest(".trace, .flag")) continue;
    for (const match of node.data.matchAll(pattern))
      words.push([match[0], lines(node, match.index, match.index + match[0].length)]);
  }
};
for (const table of document.querySelectorAll("table.form")) {
  for (const cell of table.querySelectorAll("th, td")) {
    if (cell.scrollWidth > cell.clientWidth + 1) overflow.push(cell.innerText);
    if (cell.matches("th")) {  // a header's words: its .w parts, or all of it
      for (const part of cell.querySelector(".w") ? cell.querySelectorAll(".w") : [cell])
        wordsOf(part, /.+/g);
    } else if (cell.matches(".num, .label")) {
      wordsOf(cell, /.+/g);
    } else if (cell.matches(".value")) {  // a quantity with its unit; a run of Latin script
      for (const part of cell.querySelectorAll(".nb")) wordsOf(part, /.+/g);
      wordsOf(cell, /[^\\s\\u3000-\\u303f\\u4e00-\\u9fff\\uff00-\\uffef]+/g);
    }
  }
  if (table.matches(".indicators"))
    columns.push([...table.querySelectorAll("thead th")].map(th => [th.innerText.replace("\\n", ""),
                  th.getBoundingClientRect().width]));
}
const measured = {words, overflow, columns, body: document.body.getBoundingClientRect().width,
  widest: Math.max(...[...document.querySelectorAll("table.form")].map(t => t.getBoundingClientRect().width)),
  em: parseFloat(getComputedStyle(document.querySelector("table.form td")).fontSize)};
const out = document.createElement("pre");
out.id = "measured";
out.textContent = JSON.stringify(measured);
document.body.appendChild(out);
</script>
"""


def measured(html: str, folder: Path) -> dict:
    page = folder / "measured.html"
    page.write_text(html.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    command = [BROWSER, "--headless", "--disable-gpu", "--no-first-run", "--disable-extensions",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={folder / 'profile'}", "--run-all-compositor-stages-before-draw",
               "--dump-dom", page.as_uri()]
    import os

    if os.geteuid() == 0:
        command.insert(1, "--no-sandbox")
    dom = subprocess.run(command, capture_output=True, text=True, timeout=120).stdout
    start = dom.index('<pre id="measured">') + len('<pre id="measured">')
    return json.loads(dom[start:dom.index("</pre>", start)].replace("&amp;", "&")
                      .replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"'))


@needs_browser
def test_no_column_is_narrower_than_its_longest_word(example_html, tmp_path):
    """The 偏差原因分析及改进措施 column was squeezed to two characters and clipped at the
    right edge; now each header keeps its words, no value breaks inside, nothing overflows."""
    seen = measured(example_html, tmp_path)
    assert seen["widest"] <= seen["body"] + 0.5  # within the page: nothing clipped at the edge
    assert seen["overflow"] == []  # no cell's content wider than the cell
    broken = [text for text, lines in seen["words"] if lines > 1]
    assert broken == []  # 1,102,000.00, ≥2000.00(人), 1850人, 一级指标, 偏差原因分析 … whole
    texts = {text for text, _lines in seen["words"]}
    assert {"偏差原因分析", "及改进措施", "一级指标", "1,102,000.00", "≥2000.00(人)", "1850人",
            "其中：当年财政拨款"} <= texts
    em = seen["em"]  # the table's font size, 9pt
    for columns in seen["columns"]:
        widths = dict(columns)
        assert widths["偏差原因分析及改进措施"] >= 12 * em  # a dozen characters a line at least
        assert widths["三级指标"] >= 8 * em
        assert widths["一级指标"] >= 4 * em and widths["年度指标值"] >= 5 * em


# ---- --format pdf ---------------------------------------------------------------------------

def test_what_changes_from_run_to_run_is_fixed_in_place():
    data = (b"<< /Creator (Mozilla) /Producer (Skia/PDF m156) "
            b"/CreationDate (D:20261207175733+08'00') /ModDate (D:20261207175734Z) >>"
            b"<< /S /TH /ID (node00000021) >> << /S /TD /ID (node00000035) >>"
            b"<< /IDTree << /Names [(node00000021) 5 0 R (node00000035) 6 0 R] >> >>")
    fixed = printing.deterministic(data)
    assert len(fixed) == len(data)  # the cross-reference offsets stay right
    assert fixed == (b"<< /Creator (Mozilla) /Producer (Skia/PDF m156) "
                     b"/CreationDate (D:20000101000000+00'00') /ModDate (D:20000101000000Z) >>"
                     b"<< /S /TH /ID (node00000000) >> << /S /TD /ID (node00000001) >>"
                     b"<< /IDTree << /Names [(node00000000) 5 0 R (node00000001) 6 0 R] >> >>")


@needs_browser
def test_a_report_printed_at_once_is_tagged_and_its_blank_screen_changes_nothing(
        example_html, example_pdf, monkeypatch):
    """One print keeps the PDF's structure (a screen reader reads the form as a table, header
    cells and all); the page laid out for no screen (what saves a third of the browser's time)
    prints the same bytes as the page shown."""
    assert b"/StructTreeRoot" in example_pdf and b"/S /TH" in example_pdf
    monkeypatch.setattr(printing, "_SCREEN_BLANK", "")
    assert printing.print_pdf(example_html) == example_pdf


def test_a_page_printed_loads_nothing_beside_itself():
    """A template from someone else (--templates) could show a local file in an <iframe>,
    which the PDF would carry away; the policy comes after the doctype, not before it (quirks
    mode would lay the tables out otherwise)."""
    page = printing._confined("<!DOCTYPE html>\n<html><body><iframe src='file:///etc/hostname'>")
    assert page.startswith('<!DOCTYPE html><meta http-equiv="Content-Security-Policy" '
                           "content=\"default-src 'none'; ")
    assert printing._confined("<p>x").startswith("<meta http-equiv")


def test_without_a_browser_pdf_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(printing, "find_browser", lambda: None)
    out = tmp_path / "自评表.pdf"
    result = CliRunner().invoke(main, [str(EXAMPLE / "goals.yaml"), str(EXAMPLE / "actuals.yaml"),
                                       "--format", "pdf", "-o", str(out)])
    assert result.exit_code == 2 and not out.exists()
    assert result.stderr.startswith("错误：生成 PDF 需要 Chromium、Google Chrome 或 Microsoft Edge")
    assert "apt install chromium" in result.stderr and "JIXIAO_BROWSER" in result.stderr
    assert "Traceback" not in result.stderr
    needs = CliRunner().invoke(main, [str(EXAMPLE / "goals.yaml"), str(EXAMPLE / "actuals.yaml"),
                                      "--format", "pdf"])
    assert needs.exit_code == 2 and "-o 自评表.pdf" in needs.stderr


def test_the_browser_is_found_where_it_is_installed(monkeypatch, tmp_path):
    program = tmp_path / "chrome"
    program.write_text("#!/bin/sh\n", encoding="utf-8")
    program.chmod(0o755)
    monkeypatch.setenv("JIXIAO_BROWSER", str(program))
    assert printing.find_browser() == str(program)
    monkeypatch.delenv("JIXIAO_BROWSER")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(printing, "_usual_locations", lambda: [])
    assert printing.find_browser() == str(program)  # `chrome` on PATH
    program.rename(tmp_path / "elsewhere")
    assert printing.find_browser() is None
    monkeypatch.setattr(printing, "_usual_locations", lambda: [str(tmp_path / "elsewhere")])
    assert printing.find_browser() == str(tmp_path / "elsewhere")  # Edge where Windows puts it


def test_a_browser_that_fails_a_part_leaves_no_file_and_says_why(monkeypatch, tmp_path):
    """Two browsers at a time, three parts: the first part's browser fails (says why and ends
    with 3); the run ends with exit 2, its last lines said, no PDF and no traceback."""
    program = tmp_path / "chrome"
    program.write_text("#!/bin/sh\necho 'no display' >&2\nexit 3\n", encoding="utf-8")
    program.chmod(0o755)
    monkeypatch.setenv("JIXIAO_BROWSER", str(program))
    monkeypatch.setattr(printing, "PROJECTS_A_PRINT", 4)
    out = tmp_path / "自评表.pdf"
    result = CliRunner().invoke(main, [str(EXAMPLE / "goals.yaml"), str(EXAMPLE / "actuals.yaml"),
                                       "--format", "pdf", "-o", str(out), "--jobs", "2"])
    assert result.exit_code == 2 and not out.exists(), result.output
    assert f"错误：浏览器 {program} 未能生成 PDF（退出码 3）\nno display" in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.glob("*.pdf*"))


# A browser that waits up to 5 s for a second to start beside it, then fails saying whether one
# did: what a run told to print two parts at once must show.
_WAITING_BROWSER = """#!/bin/sh
touch "$JIXIAO_TEST_DIR/started.$$"
for i in $(seq 50); do
  if [ "$(ls "$JIXIAO_TEST_DIR" | grep -c '^started[.]')" -ge 2 ]; then echo together >&2; exit 3; fi
  sleep 0.1
done
echo alone >&2
exit 3
"""


@pytest.mark.parametrize("jobs, said", [
    (None, "together"),  # auto: a browser a usable CPU, small as the unit is
    ("1", "alone"),  # as asked
])
def test_auto_prints_the_parts_of_a_small_unit_a_browser_a_cpu(monkeypatch, tmp_path, jobs,
                                                                said):
    from evaluator import parallel

    program, started = tmp_path / "chrome", tmp_path / "started"
    program.write_text(_WAITING_BROWSER, encoding="utf-8")
    program.chmod(0o755)
    started.mkdir()
    monkeypatch.setenv("JIXIAO_BROWSER", str(program))
    monkeypatch.setenv("JIXIAO_TEST_DIR", str(started))
    monkeypatch.setattr(parallel, "usable_cpus", lambda: 2)
    monkeypatch.setattr(printing, "PROJECTS_A_PRINT", 4)  # the example's 10 projects: 3 parts
    result = CliRunner().invoke(main, [str(EXAMPLE / "goals.yaml"), str(EXAMPLE / "actuals.yaml"),
                                       "--format", "pdf", "-o", str(tmp_path / "自评表.pdf")]
                                + (["--jobs", jobs] if jobs else []))
    assert result.exit_code == 2, result.output
    assert f"（退出码 3）\n{said}" in result.stderr


@needs_browser
@needs_poppler
def test_pdf_is_the_printed_report_the_same_bytes_each_run(tmp_path):
    inputs = [str(EXAMPLE / "goals.yaml"), str(EXAMPLE / "actuals.yaml"), "--format", "pdf"]
    runs = []
    for attempt in (1, 2):
        out = tmp_path / f"{attempt}.pdf"
        result = CliRunner().invoke(main, [*inputs, "-o", str(out)])
        assert result.exit_code == 0, result.output  # the example's one warning: still 0
        runs.append(out.read_bytes())
    assert runs[0] == runs[1] and runs[0].startswith(b"%PDF-")
    pages = pages_of(runs[0], tmp_path)
    assert len(pages) == 22 and "第 1 页，共 22 页" in pages[0]
    assert "检查发现的问题" in pages[-1]  # the reviewer's version by default


@needs_browser
@needs_poppler
def test_a_long_report_is_printed_in_parts_and_joined_as_one_print(example_html, tmp_path):
    """Printed four projects a browser (three parts, then the footer's pages), the example is
    the whole print page for page: the same 22 pages and text, 第 N 页，共 22 页 on each; the
    same bytes from run to run, one browser at a time or two; progress of the printing on a
    terminal, not on a pipe."""
    import os
    import sys

    from tests.conftest import ON_A_TERMINAL, ROOT, run_on_a_terminal

    whole = pages_of(printing.print_pdf(example_html), tmp_path)
    command = [sys.executable, "-c", ON_A_TERMINAL.format(
        before="from evaluator import printing; printing.PROJECTS_A_PRINT = 4"),
        str(EXAMPLE / "goals.yaml"), str(EXAMPLE / "actuals.yaml"), "--format", "pdf", "-o"]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    returncode, shown = run_on_a_terminal([*command, "on-a-terminal.pdf"], tmp_path, environment)
    assert returncode == 0, shown[-300:]
    said = shown.decode("utf-8", "replace")
    assert "已完成 4/10 个项目" in said and "已完成 8/10 个项目" in said, said[-300:]
    piped = subprocess.run([sys.executable, "-c", ON_A_TERMINAL.format(
        before="from evaluator import printing; printing.PROJECTS_A_PRINT = 4"),
        *command[3:], "piped.pdf", "--jobs", "2"], capture_output=True, cwd=tmp_path,
        env=environment, timeout=300)  # and two browsers at a time: the same bytes
    assert piped.returncode == 0 and "已完成".encode() not in piped.stderr
    printed = (tmp_path / "piped.pdf").read_bytes()
    assert printed == (tmp_path / "on-a-terminal.pdf").read_bytes()
    assert b"/StructTreeRoot" not in printed  # no half structure: each part's tree is left out
    pages = pages_of(printed, tmp_path)
    assert pages == whole and len(pages) == 22
    assert all(f"第 {n} 页，共 22 页" in page for n, page in enumerate(pages, 1))


# ---- the hand-in version ------------------------------------------------------------------

OWN_GOALS = ("year: 2024\nunit: 测试单位\nprojects:\n  - name: 甲\n    funds: {total: 100}\n"
             "    indicators:\n      产出指标:\n        数量指标:\n          a: ≥10次\n          b: ≥10次\n")


def own_scores(score_b: str) -> str:
    return ("year: 2024\nprojects:\n  甲:\n    budget: {adjusted: 100, executed: 100}\n"
            "    indicators:\n      a: {actual: 12次, score: 45}\n"
            f"      b: {{actual: 10次, score: {score_b}}}\n")


def test_the_hand_in_version_leaves_out_what_only_a_reviewer_wants(tmp_path):
    (tmp_path / "goals.yaml").write_text(OWN_GOALS, encoding="utf-8")
    inputs = [str(tmp_path / "goals.yaml"), str(tmp_path / "actuals.yaml")]
    runner = CliRunner()
    # the unit's scores are the rules' (45 each): the 规则得分 column says nothing
    (tmp_path / "actuals.yaml").write_text(own_scores("45"), encoding="utf-8")
    review = runner.invoke(main, [*inputs, "--format", "html"]).stdout
    assert "规则</span><span class=\"w\">得分" in review and "<svg" in review
    hand_in = runner.invoke(main, [*inputs, "--format", "html", "--for-submission"]).stdout
    assert "规则" not in hand_in and "<svg" not in hand_in and "单位汇总" not in hand_in
    assert "评分规则" not in hand_in and "得分采用单位自评得分" not in hand_in
    assert "自评等级：优" in hand_in and '<td class="num">45.00</td>' in hand_in
    # b scored 40 by the unit, 45 by the rules: the column stays, on that row only; no flag,
    # no note, no diagnostics in the document (stderr still tells, and the exit code)
    (tmp_path / "actuals.yaml").write_text(own_scores("40"), encoding="utf-8")
    result = runner.invoke(main, [*inputs, "--format", "html", "--for-submission"])
    hand_in = result.stdout
    assert "规则</span><span class=\"w\">得分" in hand_in
    # the two 分值, a's score and b's rule score; a's rule score, the same as its score, blank
    assert hand_in.count('<td class="num">45.00</td>') == 4
    assert hand_in.count('<td class="num"></td>') == 1 and '<td class="num lost">40.00</td>' in hand_in
    assert "未填写偏差原因" not in hand_in and "检查发现的问题" not in hand_in
    assert "review.missing_reason" not in hand_in and "review.score_differs" in result.stderr
    out = tmp_path / "r.xlsx"
    runner.invoke(main, [*inputs, "--format", "xlsx", "--for-submission", "-o", str(out)])
    import openpyxl

    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["甲"]  # the forms only
    cells = [c.value for row in book["甲"].iter_rows() for c in row]
    assert "规则得分" in cells and "得分采用单位自评得分" not in str(cells)


_PRINTING_WHEN_STOPPED = """
import sys
from evaluator import command_line, printing

printing.PROJECTS_A_PRINT = int(sys.argv[1])
sys.argv[1:2] = []
command_line()
"""

# A browser that prints nothing, slowly: it names itself and the helper process it started,
# then waits for the helper (as Chromium's renderer and GPU processes are its own).
_SLOW_BROWSER = '#!/bin/sh\nsleep 60 &\necho $$ $! >> "$JIXIAO_TEST_PIDS"\nwait\n'


@pytest.mark.parametrize("projects_a_print, browsers, stop, code", [
    (100, 1, "SIGTERM", -15),  # the example printed at once
    (4, 2, "SIGTERM", -15),  # in parts, two browsers at a time
    (4, 2, "SIGINT", 1),  # Ctrl-C: 已中止
])
def test_a_run_stopped_while_printing_leaves_no_browser_nor_folder(
        tmp_path, projects_a_print, browsers, stop, code):
    """A scheduler's SIGTERM or a Ctrl-C while the browsers print: every browser and the
    processes it started end with the run, and no folder of pages, nor any part of the PDF, is
    left behind."""
    program, pids, temporary = tmp_path / "chrome", tmp_path / "pids.txt", tmp_path / "tmp"
    program.write_text(_SLOW_BROWSER, encoding="utf-8")
    program.chmod(0o755)
    temporary.mkdir()
    environment = {**os.environ, "JIXIAO_BROWSER": str(program),
                   "JIXIAO_TEST_PIDS": str(pids), "TMPDIR": str(temporary)}
    run = subprocess.Popen(
        [sys.executable, "-c", _PRINTING_WHEN_STOPPED, str(projects_a_print),
         str(EXAMPLE / "goals.yaml"), str(EXAMPLE / "actuals.yaml"), "--format", "pdf",
         "-o", str(tmp_path / "自评表.pdf"), "--jobs", str(browsers)],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True, encoding="utf-8", preexec_fn=ctrl_c_as_in_a_terminal)
    try:
        for _ in range(600):  # every browser started
            if pids.exists() and len(pids.read_text().splitlines()) == browsers:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the browsers did not start")
        run.send_signal(getattr(signal, stop))
        _, said = run.communicate(timeout=30)
    finally:
        run.kill()
    assert run.returncode == code, said
    assert "Traceback" not in said
    started = [int(pid) for pid in pids.read_text().split()]
    assert len(started) == 2 * browsers
    for _ in range(100):  # killed, and perhaps not yet reaped by whoever adopted them
        if not any(map(alive, started)):
            break
        time.sleep(0.1)
    else:
        raise AssertionError("a browser outlived the run")
    assert list(temporary.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chrome", "pids.txt", "tmp"]
