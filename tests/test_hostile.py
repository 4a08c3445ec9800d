"""Hostile and accidental inputs (issue 20): what a folder sent from elsewhere may hold, and
where a run's outputs may be pointed. Every output here goes into ``tmp_path``; a device is
only ever read (and refused before that), a FIFO made here stands for one as an output."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from click.testing import CliRunner

from evaluator.cli import main
from evaluator.rules import load_rules
from tests.conftest import EXAMPLE, ROOT, ctrl_c_as_in_a_terminal

TIMEOUT = 120


def evaluate(*args, cwd=ROOT, **options) -> subprocess.CompletedProcess:
    """The installed command as a user runs it, in a child with a timeout."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}  # this tree's evaluator, from any cwd
    return subprocess.run([sys.executable, "-m", "evaluator", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, encoding="utf-8", errors="replace",
                          timeout=TIMEOUT, env=environment, **options)


@pytest.fixture
def example(tmp_path):
    for name in ("goals.yaml", "actuals.yaml"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    return tmp_path


# ---- rule files stay where they belong ---------------------------------------------------

SECRET = "password: hunter2-line-one\n"


@pytest.mark.parametrize("reference", ["{secret}", "../secret.txt", "link.yaml",
                                       "sub/../../secret.txt"])
def test_extends_cannot_reach_outside_its_folder(tmp_path, reference):
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    folder = tmp_path / "unit"
    folder.mkdir()
    (folder / "sub").mkdir()
    (folder / "link.yaml").symlink_to(tmp_path / "secret.txt")
    rules = folder / "rules.yaml"
    rules.write_text(f"extends: {reference.format(secret=tmp_path / 'secret.txt')}\n",
                     encoding="utf-8")
    loaded, problems = load_rules(str(rules))
    assert loaded.rules is None
    assert [(p.code, p.position.line, p.position.column) for p in problems] == [
        ("rules.extends_outside", 1, 10)]
    assert [d.path for d in loaded.documents] == [str(rules)]  # the target was never read
    result = evaluate("rules", rules)
    assert result.returncode == 2
    assert "hunter2" not in result.stderr + result.stdout


def test_extends_may_name_a_file_below_its_own(tmp_path):
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "common.yaml").write_text(
        "extends: mof-2020\nname: common\ntitle: 共同\n", encoding="utf-8")
    rules = tmp_path / "rules.yaml"
    rules.write_text("extends: base/common.yaml\nname: mine\ntitle: 我的\n", encoding="utf-8")
    loaded, problems = load_rules(str(rules))
    assert problems == [] and loaded.rules.name == "mine"
    assert loaded.rules.budget.weight == 10  # through common.yaml to the shipped mof-2020


# ---- output paths -----------------------------------------------------------------------

def test_a_write_failure_names_the_output_in_chinese(example):
    folder = example / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):  # root writes anywhere: make the folder a file's child
            out = example / "goals.yaml" / "report.md"
        else:
            out = folder / "report.md"
        result = evaluate(example / "goals.yaml", example / "actuals.yaml", "-o", out)
    finally:
        folder.chmod(0o700)
    assert result.returncode == 2
    assert ".tmp" not in result.stderr and "Errno" not in result.stderr
    assert "错误：" in result.stderr and str(out.parent) in result.stderr


def test_a_full_disk_names_the_output_not_the_temporary_file(example, monkeypatch):
    import errno

    from evaluator import cli

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(example / ".report.md.1.tmp"))

    monkeypatch.setattr(cli, "_written_and_renamed", full)
    out = example / "report.md"
    result = CliRunner().invoke(main, [str(example / "goals.yaml"), str(example / "actuals.yaml"),
                                       "-o", str(out)])
    assert result.exit_code == 2
    assert f"错误：无法写入 {out}：磁盘空间不足" in result.stderr
    assert ".tmp" not in result.stderr


def test_a_reader_that_goes_away_is_told_exit_1(example):
    """`evaluate … | head -c 1`: the JSON (100 kB) fills the pipe, the reader leaves."""
    with subprocess.Popen([sys.executable, "-m", "evaluator", str(example / "goals.yaml"),
                           str(example / "actuals.yaml"), "--format", "json"], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0) as child:
        assert child.stdout.read(1) == b"{"
        child.stdout.close()
        stderr = child.stderr.read().decode("utf-8")
        assert child.wait(timeout=TIMEOUT) == 1
    assert "标准输出 的读取方已关闭（管道或 FIFO），输出没有写完" in stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr


def test_a_fifo_reader_that_goes_away_is_told_exit_1(example):
    fifo = example / "report.fifo"
    os.mkfifo(fifo)
    with subprocess.Popen([sys.executable, "-m", "evaluator", str(example / "goals.yaml"),
                           str(example / "actuals.yaml"), "--format", "json", "-o", str(fifo)],
                          cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as child:
        with open(fifo, "rb") as reader:
            assert reader.read(1) == b"{"
        stderr = child.stderr.read().decode("utf-8")
        assert child.wait(timeout=TIMEOUT) == 1
    assert f"{fifo} 的读取方已关闭（管道或 FIFO），输出没有写完" in stderr


def test_a_temporary_file_left_by_a_killed_run_is_removed_by_the_next(example):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(timeout=TIMEOUT)  # a process that is no more: its pid names a killed run
    left = example / f".report.md.{gone.pid}.k1ll3d.tmp"
    left.write_text("half a report", encoding="utf-8")
    ours = example / f".report.md.{os.getpid()}.w0rk1n.tmp"  # a run still writing
    ours.write_text("being written", encoding="utf-8")
    result = evaluate(example / "goals.yaml", example / "actuals.yaml", "-o", "report.md",
                      cwd=example)
    assert result.returncode == 0, result.stderr
    assert not left.exists() and ours.exists()
    assert sorted(p.name for p in example.iterdir()) == sorted(
        ["actuals.yaml", "goals.yaml", "report.md", ours.name])


# ---- reads are bounded and interruptible ------------------------------------------------

def _limited(megabytes: int = 1024):
    """preexec_fn: the child's address space capped, so that a read that does not stop fails
    there instead of taking the machine's memory; Ctrl-C as in a terminal (conftest)."""
    import resource

    def limit() -> None:
        size = megabytes << 20
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
        ctrl_c_as_in_a_terminal()

    return limit


def test_a_fifo_beside_a_rule_file_is_refused_as_no_file(example):
    os.mkfifo(example / "base.yaml")
    rules = example / "rules.yaml"
    rules.write_text("extends: base.yaml\n", encoding="utf-8")
    loaded, problems = load_rules(str(rules))
    assert loaded.rules is None and [p.code for p in problems] == ["file.not_regular"]


def test_a_fifo_in_a_template_folder_is_not_opened(example):
    templates = example / "templates"
    templates.mkdir()
    os.mkfifo(templates / "report.md.j2")
    result = evaluate(example / "goals.yaml", example / "actuals.yaml", "--templates", templates,
                      preexec_fn=_limited())
    assert result.returncode == 2  # refused as no template, not waited on
    assert "模板错误：找不到模板“report.md.j2”" in result.stderr


def test_a_file_above_the_size_limit_is_refused_with_its_size(example):
    big = example / "big.yaml"
    with open(big, "wb") as out:
        out.truncate((256 << 20) + 1)  # sparse: no disk taken, never read
    result = evaluate("check", big, preexec_fn=_limited())
    assert result.returncode == 2
    assert (f"文件“{big}”有 256.0 MB，超过输入文件的大小上限 256.0 MB；如确需读取，请加 "
            "--max-input-size 257") in result.stderr
    small = evaluate("check", "--max-input-size", "1", example / "goals.yaml")
    assert small.returncode == 0, small.stderr  # the example is 40 kB
    goals = example / "goals.yaml"
    goals.write_bytes(goals.read_bytes() + b"#" * (1 << 20) + b"\n")
    refused = evaluate("check", goals, "--max-input-size", "1")  # the option after the file
    assert refused.returncode == 2 and "超过输入文件的大小上限 1.0 MB" in refused.stderr
    scaffolded = evaluate("scaffold", goals, "--max-input-size", "2")
    assert scaffolded.returncode == 0, scaffolded.stderr


_CTRL_C_WHILE_PARSING = """
import os, re, signal, sys
from evaluator import command_line, source

parse = source._parse

def parse_deaf_to_signals(raw, split=None):
    # Ctrl-C lands while C code that never looks at signals runs (rapidyaml on a big file);
    # here a regular expression that backtracks for a long while stands for it
    os.kill(os.getpid(), signal.SIGINT)
    re.match(r"(a+)+$", "a" * 28 + "b")
    return parse(raw, split)

source._parse = parse_deaf_to_signals
sys.argv = ["evaluate", *sys.argv[1:]]
command_line()
"""


def test_ctrl_c_while_a_file_is_parsed_ends_the_run_at_once(example):
    """Not after the parse: the default disposition is in place while C code runs."""
    import signal

    done = subprocess.run([sys.executable, "-c", _CTRL_C_WHILE_PARSING, "check",
                           str(example / "goals.yaml")], cwd=ROOT, capture_output=True,
                          text=True, timeout=TIMEOUT, preexec_fn=_limited())
    assert done.returncode == -signal.SIGINT, done.stderr
    assert "Traceback" not in done.stderr


# ---- line breaks and other silent acceptances -----------------------------------------------

GOOD = ROOT / "tests" / "bad_inputs" / "good"


def _loaded(tmp_path, data: bytes):
    from evaluator.source import load_document

    path = tmp_path / "goals.yaml"
    path.write_bytes(data)
    return load_document(path, display="goals.yaml")


def test_a_lone_cr_in_an_lf_file_is_a_line_break_and_positions_stay_right(tmp_path):
    text = (GOOD / "goals.yaml").read_text(encoding="utf-8")
    text = text.replace("unit: 上海世界城市日事务协调中心\n", "unit: 上海世界城市日事务协调中心\r# 备注\n", 1)
    text = text.replace("活动参与满意度: ≥80.00(%)", "活动参与满意度: ≥80.00(%", 1)  # an error further down
    document, problems = _loaded(tmp_path, text.encode("utf-8"))
    assert document.data["unit"] == "上海世界城市日事务协调中心"
    assert [(p.code, p.position.line, p.position.column) for p in problems] == [
        ("file.mixed_line_breaks", 3, 20)]
    assert document.line(3) == "unit: 上海世界城市日事务协调中心" and document.line(4) == "# 备注"
    # the line the CR made counts: an error below it is one line further down than in LF
    from evaluator.diagnostics import format_all
    from evaluator.run import evaluate_files, load_rule_set

    (tmp_path / "goals.yaml").write_bytes(text.encode("utf-8"))
    rules, lexicon = load_rule_set()
    evaluation = evaluate_files(str(tmp_path / "goals.yaml"), None, rules, lexicon)
    lf_line = text.replace("\r", "\n").split("\n").index("          活动参与满意度: ≥80.00(%") + 1
    found = [(d.code, d.position.line) for d in evaluation.diagnostics]
    assert ("target.incomplete", lf_line) in found, found
    printed = format_all(evaluation.diagnostics, evaluation.sources)
    assert f"{lf_line} |           活动参与满意度: ≥80.00(%" in printed


def test_a_crlf_file_with_one_lf_line_is_warned_at_that_line(tmp_path):
    lines = (GOOD / "goals.yaml").read_text(encoding="utf-8").split("\n")
    data = ("\r\n".join(lines[:5]) + "\n" + "\r\n".join(lines[5:])).encode("utf-8")
    document, problems = _loaded(tmp_path, data)
    assert document.data is not None and document.data["year"] == "2024"
    assert [(p.code, p.position.line) for p in problems] == [("file.mixed_line_breaks", 5)]
    assert "LF（\\n）换行，文件的其他行多以 CRLF" in problems[0].message


@pytest.mark.parametrize("data, code, line, words", [
    ("unit: !!binary 5LiK5rW3\n", "yaml.tag", 1, "不支持 YAML 标签（!!binary）"),
    ("unit: x\nyear: !local 2024\n", "yaml.tag", 2, "不支持 YAML 标签（!local）"),
])
def test_a_yaml_tag_is_told(tmp_path, data, code, line, words):
    document, problems = _loaded(tmp_path, data.encode("utf-8"))
    assert document.data is None
    assert [(p.code, p.position.line, p.message) for p in problems] == [(code, line, words)]


def test_trailing_nuls_are_binary_at_the_first_nul_and_utf32_is_named(tmp_path):
    good = (GOOD / "goals.yaml").read_bytes()
    _document, problems = _loaded(tmp_path, good + bytes(20000))
    first = good.count(b"\n") + 1  # the line the NULs start on
    assert [(p.code, p.message) for p in problems] == [
        ("file.binary", f"这不是文本文件（第 {first} 行起含有二进制内容，如 NUL 字节）")]
    for encoding in ("utf-32", "utf-32-le", "utf-32-be"):
        _document, problems = _loaded(tmp_path, good.decode("utf-8").encode(encoding))
        assert [p.message for p in problems] == ["文件是 UTF-32 编码，不是 UTF-8"], encoding
    _document, problems = _loaded(tmp_path, good.decode("utf-8").encode("utf-16"))
    assert [p.message for p in problems] == ["文件是 UTF-16 编码，不是 UTF-8"]


# ---- what reaches a terminal or a document is inert -------------------------------------------

OSC_TITLE = "\x1b]0;pwned\x07"  # an escape sequence that sets a terminal's title


def test_control_characters_reach_the_terminal_visible_not_obeyed():
    from evaluator.diagnostics import Position, error, format_diagnostic

    line = f"      活动参与满意度{OSC_TITLE}: 好\x9b2J"
    diagnostic = error("actuals.unknown_indicator", f"没有指标“活动参与满意度{OSC_TITLE}”",
                       Position("actuals.yaml", 3, 7), length=14,
                       hint="是否为“活动参与满意度”？\n\x1b[31m")
    printed = format_diagnostic(diagnostic, {"actuals.yaml": f"a\nb\n{line}\n"})
    assert not any(ord(c) < 0x20 and c != "\n" or 0x7F <= ord(c) <= 0x9F for c in printed)
    assert "没有指标“活动参与满意度␛]0;pwned␇”" in printed
    assert "3 |       活动参与满意度␛]0;pwned␇: 好\ufffd2J" in printed
    # one visible character for one control: the caret stays under the name, 14 characters
    excerpt, carets = printed.splitlines()[2:4]
    assert carets.index("^") == excerpt.index("活")
    assert "= 提示：是否为“活动参与满意度”？␊␛[31m" in printed


def test_markdown_escapes_link_and_image_syntax_in_user_text():
    from evaluator.report import markdown_cell

    assert markdown_cell("[点我](javascript:alert(1))") == "\\[点我\\](javascript:alert(1))"
    assert markdown_cell("![x](https://evil.example/t.png)") == "!\\[x\\](https://evil.example/t.png)"
    assert markdown_cell(f"名称{OSC_TITLE}\x9b") == "名称\ufffd\\]0;pwned\ufffd\ufffd"


def test_markdown_report_shows_no_link_nor_image_from_user_text(example):
    actuals = example / "actuals.yaml"
    text = actuals.read_text(encoding="utf-8").replace(
        "reason: 微博平台流量分配规则调整，新增关注主要来自视频号，未纳入原统计口径",
        "reason: '![x](https://evil.example/t.png)[点我](javascript:alert(1))流量规则调整'", 1)
    actuals.write_text(text, encoding="utf-8")
    result = evaluate(example / "goals.yaml", actuals)
    assert result.returncode == 0, result.stderr
    assert "!\\[x\\](https://evil.example/t.png)\\[点我\\](javascript:alert(1))" in result.stdout
    assert "](javascript:" not in result.stdout.replace("\\](javascript:", "")


def test_xlsx_formula_starts_are_quoted_and_over_long_text_is_cut(example):
    from openpyxl import load_workbook

    actuals = example / "actuals.yaml"
    long_reason = "原因" * 20000  # 40 000 characters: more than a cell holds
    text = actuals.read_text(encoding="utf-8").replace(
        "reason: 微博平台流量分配规则调整，新增关注主要来自视频号，未纳入原统计口径",
        f"reason: {long_reason}", 1)
    text = text.replace("summary: 全年运营微信公众号", "summary: '=HYPERLINK(\"http://evil\")'\n    x_summary: 全年运营微信公众号", 1)
    text = text.replace("\n    x_summary:", "\n    # x_summary:", 1)
    actuals.write_text(text, encoding="utf-8")
    out = example / "report.xlsx"
    result = evaluate(example / "goals.yaml", actuals, "--format", "xlsx", "-o", out)
    assert result.returncode == 0, result.stderr
    assert "xlsx.text_cut" in result.stderr
    assert "warning[xlsx.text_cut] 1 个单元格的文字超过 Excel 单元格的上限 32 767 字" in result.stderr
    workbook = load_workbook(out)
    cells = [c for ws in workbook.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str)]
    # text that looks like a formula (the engine's own totals are formulas, data_type "f")
    formulas = [c for c in cells if c.value[:1] in "=+-@" and c.data_type != "f"]
    assert formulas and all(c.quotePrefix and c.data_type == "s" for c in formulas)
    assert any(c.value == '=HYPERLINK("http://evil")' for c in formulas)
    cut = [c for c in cells if c.value.startswith("原因原因")]
    assert [len(c.value) for c in cut] == [32767] and cut[0].value.endswith("…")


# ---- size limits on what a run produces ---------------------------------------------------

def test_a_huge_quoted_value_is_cut_in_the_message():
    from evaluator.diagnostics import Position, error, format_diagnostic

    value = "十万元" * 1_000_000
    printed = format_diagnostic(error("schema.number", f"“{value}”不是数字",
                                      Position("goals.yaml", 1, 8), length=len(value)),
                                {"goals.yaml": f"total: {value}\n"})
    assert len(printed) < 1000
    assert f"“{value[:80]}…”不是数字" in printed


def test_diagnostics_of_one_kind_beyond_the_count_are_summarised():
    from evaluator.diagnostics import PER_CODE, Position, error, format_all, warning

    many = [error("actual.unit_mismatch", "单位不一致", Position("a.yaml", n, 1))
            for n in range(1, 300_001)]
    few = [warning("review.missing_reason", "缺少原因", Position("a.yaml", 1, 1))]
    printed = format_all(many + few, per_code=PER_CODE).splitlines()
    assert PER_CODE == 100
    assert sum("actual.unit_mismatch" in line for line in printed) == 101  # 100 and the count
    assert printed[-1] == "… 还有 299 900 个同类问题（actual.unit_mismatch）"
    assert "warning[review.missing_reason]" in printed[-2]


@pytest.mark.parametrize("body, words", [
    ("{{ 'a' * 10**9 }}", "一个值将超过模板输出的上限 104,857,600 字"),
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
     "模板渲染超过 2 秒的上限"),
    ("{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
     "模板输出超过上限 1,048,576 字"),
    ("{{ '%999999999d' % 1 }}{{ '{:999999999}'.format(1) }}", "格式中的宽度将超过模板输出的上限"),
    ("{{ 2 ** 99999999 }}", "乘方 2 ** 99999999 过大"),
])
def test_a_user_template_is_stopped_by_its_limits(example, body, words):
    templates = example / "templates"
    templates.mkdir()
    (templates / "report.md.j2").write_text(body, encoding="utf-8")
    limit = ("--template-max-output", "1") if "x{%" in body else ()
    result = evaluate(example / "goals.yaml", example / "actuals.yaml", "--templates", templates,
                      "--template-timeout", "2", *limit, preexec_fn=_limited(1536))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("模板错误：") and words in result.stderr
    assert result.stdout == ""


# ---- the probe list: every reproduction of issue 20, run as a user runs it ------------------

@dataclass(frozen=True)
class Probe:
    """A command over a folder laid out by ``setup`` (the good goals and actuals beside), and
    what it should do. Every probe also: no traceback, inputs unchanged, at most 1 MB printed,
    in a child whose address space is capped at 1 GB."""

    name: str
    argv: tuple[str, ...]
    exit: int
    says: str = ""  # in stderr
    never: str = ""  # in neither stdout nor stderr
    setup: Callable[[Path], None] = lambda folder: None


def _replaced(file: str, old: str, new: str | bytes) -> Callable[[Path], None]:
    def setup(folder: Path) -> None:
        path = folder / file
        text = path.read_bytes()
        assert old.encode() in text, old
        path.write_bytes(text.replace(old.encode(), new if isinstance(new, bytes) else new.encode(), 1))
    return setup


def _written(file: str, data: str | bytes, *more: tuple[str, str | bytes]) -> Callable[[Path], None]:
    def setup(folder: Path) -> None:
        for name, content in ((file, data), *more):
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    return setup


def _many_unknown_indicators(folder: Path) -> None:
    rows = "".join(f"      不存在的指标{n}: 3次\n" for n in range(1000))
    _replaced("actuals.yaml", "    indicators:\n", "    indicators:\n" + rows)(folder)


def _device_input(folder: Path) -> None:
    (folder / "z.yaml").symlink_to("/dev/zero")  # read, never written; refused before that


def _sparse(folder: Path) -> None:
    with open(folder / "big.yaml", "wb") as out:
        out.truncate((256 << 20) + 1)


SECRET_LINE = "password: hunter2"
PROBES = (
    Probe("device_input", ("z.yaml", "actuals.yaml", "--jobs", "1"), 2, "不是普通文件", setup=_device_input),
    Probe("fifo_input", ("check", "g.fifo"), 2, "不是普通文件",
          setup=lambda folder: os.mkfifo(folder / "g.fifo")),
    Probe("oversize_input", ("check", "big.yaml"), 2, "超过输入文件的大小上限 256.0 MB", setup=_sparse),
    Probe("lone_cr", ("check", "goals.yaml", "actuals.yaml"), 0, "warning[file.mixed_line_breaks]",
          setup=_replaced("goals.yaml", "协调中心\n", "协调中心\r# 备注\n")),
    Probe("yaml_tag", ("check", "goals.yaml"), 1, "error[yaml.tag] 不支持 YAML 标签（!!binary）",
          setup=_replaced("goals.yaml", "unit: 上海", "unit: !!binary 上海")),
    Probe("trailing_nuls", ("check", "goals.yaml"), 1, "error[file.binary]", never="\x00",
          setup=lambda folder: (folder / "goals.yaml").write_bytes(
              (folder / "goals.yaml").read_bytes() + bytes(20000))),
    Probe("utf32", ("check", "goals.yaml"), 1, "文件是 UTF-32 编码",
          setup=lambda folder: (folder / "goals.yaml").write_bytes(
              (folder / "goals.yaml").read_text(encoding="utf-8").encode("utf-32"))),
    Probe("extends_absolute", ("check", "--rules", "unit/rules.yaml", "goals.yaml"), 2,
          "rules.extends_outside", never="hunter2", setup=lambda folder: _written(
              "secret.txt", SECRET_LINE, ("unit/rules.yaml", f"extends: {folder}/secret.txt\n"))(folder)),
    Probe("extends_up", ("check", "--rules", "unit/rules.yaml", "goals.yaml"), 2,
          "rules.extends_outside", never="hunter2",
          setup=_written("secret.txt", SECRET_LINE, ("unit/rules.yaml", "extends: ../secret.txt\n"))),
    Probe("osc_in_a_name", ("check", "goals.yaml", "actuals.yaml"), 1, "␛]0;pwned␇", never="\x1b",
          setup=_replaced("actuals.yaml", "公益活动举办次数", f"公益活动举办次数{OSC_TITLE}")),
    Probe("markdown_link", ("goals.yaml", "actuals.yaml"), 0, never="[点我](",
          setup=_replaced("actuals.yaml", "公益活动举办次数: 3次",
                          "公益活动举办次数:\n        actual: 3次\n        reason: '[点我](javascript:alert(1))'")),
    Probe("huge_value", ("check", "goals.yaml"), 1, "error[schema.number]",
          setup=_replaced("goals.yaml", "total: 100000.00", "total: " + "十万元" * 700_000)),
    Probe("many_of_one_kind", ("check", "goals.yaml", "actuals.yaml"), 1,
          "… 还有 900 个同类问题（actuals.unknown_indicator）", setup=_many_unknown_indicators),
    Probe("template_huge_value", ("goals.yaml", "actuals.yaml", "--templates", "t"), 2,
          "一个值将超过模板输出的上限", setup=_written("t/report.md.j2", "{{ 'a' * 10**9 }}")),
    Probe("template_nested_loops", ("goals.yaml", "actuals.yaml", "--templates", "t",
                                    "--template-timeout", "1"), 2, "模板渲染超过 1 秒的上限",
          setup=_written("t/report.md.j2", "{% for i in range(100000) %}{% for j in range(100000) %}"
                                          "{% endfor %}{% endfor %}")),
    Probe("output_hard_link", ("goals.yaml", "actuals.yaml", "-o", "report.md"), 2, "是输入文件，拒绝覆盖",
          setup=lambda folder: os.link(folder / "goals.yaml", folder / "report.md")),
    Probe("output_folder_slash", ("goals.yaml", "actuals.yaml", "-o", "out/"), 2,
          "输出路径 out/ 是一个目录"),
)


@pytest.mark.parametrize("probe", PROBES, ids=[p.name for p in PROBES])
def test_the_probe_list_holds(tmp_path, probe):
    for name in ("goals.yaml", "actuals.yaml"):
        shutil.copy(GOOD / name, tmp_path / name)
    probe.setup(tmp_path)
    before = _hashes(tmp_path)
    result = subprocess.run([sys.executable, "-m", "evaluator", *probe.argv], cwd=tmp_path,
                            capture_output=True, timeout=TIMEOUT, preexec_fn=_limited(),
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    stdout = result.stdout.decode("utf-8", "replace")
    stderr = result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr[-2000:]
    assert result.returncode == probe.exit, stderr[-2000:]
    assert probe.says in stderr, stderr[-2000:]
    assert not probe.never or probe.never not in stdout + stderr
    assert len(result.stdout) + len(result.stderr) < 1 << 20
    after = _hashes(tmp_path)
    assert {k: v for k, v in after.items() if k in before} == before  # no input modified
    assert not (tmp_path / "out").exists()


def _hashes(folder: Path) -> dict[str, str]:
    import hashlib

    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*") if p.is_file() and not p.is_symlink()
            and p.stat().st_size < 1 << 28 and p.name != "big.yaml"}
