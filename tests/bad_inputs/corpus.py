"""The bad-input corpus: every case, how it is run, what it printed, and what it should do.

A case is a command line (``evaluate check GOALS [ACTUALS]`` or ``evaluate GOALS ACTUALS``) over
small files in ``tests/bad_inputs/<case>/``, run with ``tests/bad_inputs`` as the working
directory so that the paths in messages are stable. Cases that would be unpleasant to commit (a
50 MB file, binary and GBK bytes, an alias bomb, 5 000 levels of nesting, a byte-order mark an
editor might drop) are written by ``generate`` into a temporary directory laid out the same way.

Each case's golden ``<case>.expected`` holds what the command printed, as it is now; it is written
by ``python -m tests.bad_inputs.regenerate`` and never edited by hand. What the command *should*
do is declared here beside the case (``exit``, ``expect``, ``forbid``, ``no_report``); where the
engine does not do it yet, ``known`` names the check that fails and why, and the test marks that
check a strict xfail, so that a fix shows up as an unexpected pass.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
GOOD = HERE / "good"
EXAMPLE_GOALS = ROOT / "examples" / "shanghai-wcd-2024" / "goals.yaml"

HANG_GUARD = 60.0  # seconds a single case may take before it counts as a hang
MB = 1 << 20


@dataclass(frozen=True)
class Expect:
    """A diagnostic that should be printed: its code (or a code prefix ending in "."), the file
    as named on the command line, and the line (None: any line)."""

    code: str
    file: str
    line: int | None = None

    def matches(self, code: str, file: str, line: int) -> bool:
        code_ok = code.startswith(self.code) if self.code.endswith(".") else code == self.code
        return code_ok and file == self.file and (self.line is None or line == self.line)

    def __str__(self) -> str:
        return f"{self.code} at {self.file}:{self.line if self.line is not None else '*'}"


@dataclass(frozen=True)
class Case:
    name: str
    argv: tuple[str, ...]
    about: str
    exit: int  # the exit code the command should end with
    expect: tuple[Expect, ...] = ()
    forbid: tuple[str, ...] = ()  # codes that should not be printed (consequential noise)
    no_report: bool = False  # `evaluate GOALS ACTUALS` should print no report at all
    generate: Callable[[Path], None] | None = None  # writes root/<name>/… at test time
    isolated: bool = False  # run as a child process: peak memory and wall time measured
    known: Mapping[str, str] = field(default_factory=dict)  # check → engine problem

    @property
    def inputs(self) -> list[str]:
        """The files named on the command line, as written."""
        files, skip = [], False
        for index, arg in enumerate(self.argv):
            if skip:
                skip = False
                files.append(arg)  # the value of --rules
                continue
            if arg == "--rules":
                skip = True
            elif arg.startswith("-") or (index == 0 and arg == "check"):
                continue
            else:
                files.append(arg)
        return files

    @property
    def is_check(self) -> bool:
        return bool(self.argv) and self.argv[0] == "check"

    @property
    def strict(self) -> bool:
        return "--strict" in self.argv

    @property
    def command(self) -> str:
        return "evaluate " + shlex.join(self.argv)


def check(name: str, *files: str, options: tuple[str, ...] = (), directory: str | None = None,
          **rest) -> Case:
    """``evaluate check [options] DIR/goals.yaml [DIR/actuals.yaml]``."""
    folder = directory or name
    names = files or ("goals.yaml",)
    return Case(name, ("check", *options, *(f"{folder}/{f}" for f in names)), **rest)


def both(name: str, **rest) -> Case:
    return check(name, "goals.yaml", "actuals.yaml", **rest)


def run(name: str, **rest) -> Case:
    """``evaluate DIR/goals.yaml DIR/actuals.yaml``: the report on stdout."""
    return Case(name, (f"{name}/goals.yaml", f"{name}/actuals.yaml"), **rest)


def G(name: str, line: int | None = None, code: str = "") -> Expect:  # noqa: N802
    return Expect(code, f"{name}/goals.yaml", line)


def A(name: str, line: int | None = None, code: str = "") -> Expect:  # noqa: N802
    return Expect(code, f"{name}/actuals.yaml", line)


# ---- generated cases ----------------------------------------------------------------------

def _write(root: Path, name: str, files: Mapping[str, bytes]) -> None:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    for file, data in files.items():
        (folder / file).write_bytes(data)


def _good(file: str) -> str:
    return (GOOD / file).read_text(encoding="utf-8")


def gen_bom(root: Path) -> None:
    _write(root, "file_bom", {f: b"\xef\xbb\xbf" + _good(f).encode("utf-8")
                              for f in ("goals.yaml", "actuals.yaml")})


def gen_old_mac_line_ends(root: Path) -> None:
    """Both files with a lone CR for each line end (classic Mac OS), an actual's unit wrong."""
    actuals = _good("actuals.yaml").replace("公益活动举办次数: 3次", "公益活动举办次数: 3人", 1)
    _write(root, "file_cr_line_ends", {"goals.yaml": _good("goals.yaml").replace("\n", "\r")
                                       .encode("utf-8"),
                                       "actuals.yaml": actuals.replace("\n", "\r").encode("utf-8")})


def gen_lone_cr(root: Path) -> None:
    """A CR pasted into an LF file, before a comment: a line break, so the unit is read
    without the comment (it once read 上海世界城市日事务协调中心# 备注, exit 0)."""
    _write(root, "file_lone_cr_in_lf", {
        "goals.yaml": _good("goals.yaml").replace(
            "unit: 上海世界城市日事务协调中心\n", "unit: 上海世界城市日事务协调中心\r# 备注\n", 1).encode(),
        "actuals.yaml": _good("actuals.yaml").encode()})


def gen_tag(root: Path) -> None:
    """`unit: !!binary …`: a YAML tag, once dropped without a word (the base64 read as text)."""
    _write(root, "yaml_tag_binary", {"goals.yaml": _good("goals.yaml").replace(
        "unit: 上海世界城市日事务协调中心", "unit: !!binary 5LiK5rW3", 1).encode()})


def gen_trailing_nuls(root: Path) -> None:
    """The good goals followed by 20 000 NUL bytes (an editor that crashed while saving): once
    a missing colon with the NULs echoed, now a binary file at the first NUL."""
    _write(root, "file_trailing_nuls", {"goals.yaml": _good("goals.yaml").encode() + bytes(20000)})


def gen_utf32(root: Path) -> None:
    """goals.yaml saved as UTF-32 (with its byte-order mark): once named UTF-16."""
    _write(root, "file_utf32", {"goals.yaml": _good("goals.yaml").encode("utf-32")})


def gen_extends_outside(root: Path) -> None:
    """A unit's rule file whose `extends:` climbs out of its folder to another file: refused,
    the target neither read nor quoted (it once echoed that file's first line)."""
    _write(root, "rules_extends_outside", {"goals.yaml": _good("goals.yaml").encode(),
                                           "secret.yaml": "口令: 不应出现在输出中\n".encode()})
    _write(root, "rules_extends_outside/unit", {"rules.yaml": b"extends: ../secret.yaml\n"})


def gen_control_characters(root: Path) -> None:
    """An indicator name in actuals holding an OSC sequence (it set the terminal's title) and a
    CSI: shown as visible signs in the message and the excerpt, not obeyed."""
    actuals = _good("actuals.yaml").replace(
        "公益活动举办次数: 3次", "公益活动举办次数\x1b]0;标题\x07\x9b2J: 3次", 1)
    _write(root, "actual_control_characters", {"goals.yaml": _good("goals.yaml").encode(),
                                               "actuals.yaml": actuals.encode()})


def gen_utf16(root: Path) -> None:
    """goals.yaml saved by Notepad as "Unicode": UTF-16 with its byte-order mark."""
    _write(root, "file_utf16", {"goals.yaml": _good("goals.yaml").encode("utf-16")})


def gen_misindented_after_block_text(root: Path) -> None:
    """The shipped example's goals, the first project's `indicators:` one space short, after a
    `goal: >-` text holding a Chinese colon (目标：1) …), which is no mistake."""
    text = EXAMPLE_GOALS.read_text(encoding="utf-8")
    assert "目标：1)" in text
    _write(root, "yaml_indent_after_block_text",
           {"goals.yaml": text.replace("\n    indicators:\n", "\n   indicators:\n", 1).encode()})


def gen_misindented_block_header(root: Path) -> None:
    """The shipped example's goals, the first project's `goal: >-` one space too far in: `>-`
    is a block's header, not a value to quote."""
    text = EXAMPLE_GOALS.read_text(encoding="utf-8")
    _write(root, "yaml_block_header_misindented",
           {"goals.yaml": text.replace("\n    goal: >-\n", "\n     goal: >-\n", 1).encode()})


def gen_binary(root: Path) -> None:
    _write(root, "file_binary", {"goals.yaml": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
                                 + bytes(range(256)) * 4})


def gen_gbk(root: Path) -> None:
    """The shipped example's goals, saved by an editor as GBK."""
    _write(root, "file_gbk", {"goals.yaml": EXAMPLE_GOALS.read_text(encoding="utf-8").encode("gbk")})


def gen_alias_bomb(root: Path) -> None:
    """Billion laughs: nine levels of nine aliases each, 9⁹ strings if expanded."""
    lines = ["year: 2024", "unit: 上海世界城市日事务协调中心",
             "a: &a [" + ", ".join(["哈哈"] * 9) + "]"]
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
        previous = name
    lines.append("projects: [*i]")
    _write(root, "yaml_alias_bomb", {"goals.yaml": ("\n".join(lines) + "\n").encode("utf-8")})


def gen_deep_flow(root: Path) -> None:
    text = "year: 2024\nunit: 上海世界城市日事务协调中心\nprojects: " + "[" * 5000 + "]" * 5000 + "\n"
    _write(root, "yaml_deep_nesting", {"goals.yaml": text.encode("utf-8")})


def gen_deep_block(root: Path) -> None:
    text = ("year: 2024\nunit: 上海世界城市日事务协调中心\nprojects:\n"
            + "".join("  " * depth + "- \n" for depth in range(1, 200)))
    _write(root, "yaml_deep_block_nesting", {"goals.yaml": text.encode("utf-8")})


def gen_50mb_comment(root: Path) -> None:
    """The good goals with 50 MB of comment lines before the projects, and one unreadable target
    after them: positions are found 239 000 lines down."""
    line = "# " + "这是一段很长的注释，用来测试大文件。" * 4 + "\n"
    block = line * (50 * MB // len(line.encode("utf-8")))
    text = _good("goals.yaml").replace("projects:\n", "projects:\n" + block, 1)
    text = text.replace("读者满意度: ≥85.00(%)", "读者满意度: ≥85.00(%")
    _write(root, "file_50mb_comment", {"goals.yaml": text.encode("utf-8")})


def gen_50mb_value(root: Path) -> None:
    """The good goals with one 50 MB ``goal`` string, and a target with a misspelt word after it."""
    value = "完成宣传推广工作" * (50 * MB // len("完成宣传推广工作".encode("utf-8")))
    text = _good("goals.yaml").replace(
        "    funds:\n      total: 100000.00", f"    goal: {value}\n    funds:\n      total: 100000.00", 1)
    text = text.replace("知识分享效果: 显著提升", "知识分享效果: 显着提升")
    _write(root, "file_50mb_value", {"goals.yaml": text.encode("utf-8")})


# ---- the cases ----------------------------------------------------------------------------

TRACEBACK_DEPTH = ("rapidyaml's JSON emitter stops at 64 levels and raises ryml.ExceptionVisit, "
                   "which source._parse does not catch (it only catches ExceptionParse): a "
                   "traceback instead of yaml.too_deep")
CLICK_ENGLISH = ("click's own usage/IO message is printed in English (\"Error: Invalid value for "
                 "'GOALS': File … does not exist.\", \"Error: Missing argument 'GOALS'.\"); the "
                 "rest of the program speaks Chinese")
EMPTY_KEY = ("Locator.find_duplicates calls bytes(tree.key(child)) on an empty key, for which "
             "rapidyaml returns None: TypeError, a traceback instead of yaml.duplicate_key")
PARSER_ENGLISH = "the hint quotes rapidyaml's English message"
ROW_CASCADE = ("a long-form row with a bad field is also reported as actuals.missing_indicator "
               "\"没有填写实际完成值，按 0 分计\", which is untrue: the value was written")

CASES: tuple[Case, ...] = (
    both("good", about="control: the good counterpart every other case is derived from", exit=0),
    check("file_bom", "goals.yaml", "actuals.yaml", generate=gen_bom, exit=0,
          about="both files start with a UTF-8 byte-order mark: accepted, no diagnostic"),

    # ---- YAML syntax
    check("yaml_unclosed_quote", exit=1, expect=(G("yaml_unclosed_quote", 3, "yaml.unterminated"),),
          about='`unit: "上海…` without the closing quote'),
    check("yaml_unclosed_brace", exit=1,
          expect=(G("yaml_unclosed_brace", 25, "yaml.unterminated"),),
          about="`funds: {total: 50000.00` without the closing brace"),
    check("yaml_unclosed_bracket", exit=1,
          expect=(G("yaml_unclosed_bracket", 13, "yaml.unterminated"),),
          about="`公益活动举办次数: [≥3.00(次)` without the closing bracket"),
    check("yaml_bad_indentation", exit=1,
          expect=(G("yaml_bad_indentation", 13, "yaml.indentation"),),
          about="one level-3 line indented by 9 spaces instead of 10"),
    check("yaml_stray_colon", exit=1, expect=(G("yaml_stray_colon", 7, "yaml.colon"),),
          about="`goal: 目标: 完成宣传`: a colon and space inside an unquoted value"),
    check("yaml_text_after_quote", exit=1,
          expect=(G("yaml_text_after_quote", 3, "yaml.syntax"),),
          about='`unit: "上海…中心"（实施单位）`: text after the closing quote (no rule names it: told '
                'as a syntax error of its line)'),
    check("yaml_missing_colon", exit=1,
          expect=(G("yaml_missing_colon", 13, "yaml.missing_colon"),),
          about="`公益活动举办次数 ≥3.00(次)`: a space where the colon should be"),
    check("yaml_complex_key", exit=1, expect=(G("yaml_complex_key", 4, "yaml.complex_key"),),
          about="`[funds_unit]: 元`: a list where a name should be"),
    both("yaml_indented_under_a_value", exit=1,
         expect=(A("yaml_indented_under_a_value", 10, "yaml.indentation"),),
         forbid=("yaml.syntax",),
         about="a row indented two spaces under the one before, which has its value: too deep "
               "(it was a generic syntax error at its colon)"),
    both("yaml_colon_no_space", exit=1,
         expect=(A("yaml_colon_no_space", 10, "yaml.colon_space"),), forbid=("yaml.missing_colon",),
         about="`公益活动举办次数:3次`: the colon is there, its space is not (it was told "
               "缺少“:”, at the end of the line)"),
    both("yaml_plus_sign", exit=1,
         expect=(A("yaml_plus_sign", 10, "actual.unexpected"),),
         forbid=("yaml.syntax",),
         about="`+3` and `+98000.00`, `0100000.00`: numbers to YAML that JSON has no form for "
               "made the whole file one English syntax error at 1:1; now each is read as written"),
    both("yaml_bad_escape", exit=1, expect=(G("yaml_bad_escape", 3, "yaml.bad_escape"),),
         about='`unit: "…\\ud800"`: an escape naming half a surrogate pair, no character'),
    check("yaml_tab_indentation", exit=1, expect=(G("yaml_tab_indentation", 13, "yaml.tab"),),
          about="a level-3 line indented with tabs"),
    check("yaml_tab_after_colon", exit=1, expect=(G("yaml_tab_after_colon", 13, "yaml."),),
          about="`公益活动举办次数:<TAB>≥3.00(次)`: a tab after the colon"),
    check("yaml_fullwidth_colon", exit=1, expect=(G("yaml_fullwidth_colon", 13, "yaml."),),
          about="`公益活动举办次数：≥3.00(次)`: a full-width colon, as a Chinese IME types it"),
    check("yaml_fullwidth_space_indentation", exit=1,
          expect=(G("yaml_fullwidth_space_indentation", 13, "yaml."),),
          about="a level-3 line indented with five ideographic spaces (U+3000)"),
    check("yaml_unquoted_greater", exit=1,
          expect=(G("yaml_unquoted_greater", 15, "yaml.unquoted_sign"),),
          about="`社交媒体推送合格率: >=95%` unquoted: YAML reads `>` as a folded block"),
    check("yaml_unquoted_pipe", exit=1,
          expect=(G("yaml_unquoted_pipe", 31, "yaml.unquoted_sign"),),
          about="`成果发布及时性: | 按时完成` unquoted: YAML reads `|` as a literal block"),
    check("yaml_multiple_documents", exit=1,
          expect=(G("yaml_multiple_documents", None, "yaml.multiple_documents"),),
          about="a second YAML document after `---`"),
    check("yaml_duplicate_level3", exit=1,
          expect=(G("yaml_duplicate_level3", 14, "yaml.duplicate_key"),),
          about="the same level-3 name twice under one level-2"),
    check("yaml_empty_key_and_duplicate", exit=1,
          expect=(G("yaml_empty_key_and_duplicate", 16, "yaml.duplicate_key"),),
          about="an empty key `: ≥3.00(次)` in a file that also repeats a key (found by "
                "test_mutations)"),
    both("yaml_duplicate_project_actuals", exit=1,
         expect=(A("yaml_duplicate_project_actuals", 22, "yaml.duplicate_key"),),
         about="the same project key twice in actuals.yaml"),
    check("yaml_alias_bomb", generate=gen_alias_bomb, isolated=True, exit=1,
          expect=(G("yaml_alias_bomb", 4, "yaml.alias"), G("yaml_alias_bomb", 12, "yaml.alias")),
          about="billion laughs: nine levels of nine aliases (generated)"),
    check("yaml_deep_nesting", generate=gen_deep_flow, isolated=True, exit=1,
          expect=(G("yaml_deep_nesting", None, "yaml.too_deep"),),
          about="`projects:` followed by 5 000 `[` and 5 000 `]` (generated)"),
    check("yaml_deep_block_nesting", generate=gen_deep_block, isolated=True, exit=1,
          expect=(G("yaml_deep_block_nesting", None, "yaml.too_deep"),),
          about="199 levels of block sequences (`- ` indented ever deeper; generated)"),

    # ---- whole files
    check("file_empty", exit=1, expect=(G("file_empty", 1, "file.empty"),),
          about="an empty goals file"),
    check("file_only_comments", exit=1, expect=(G("file_only_comments", 1, "file.empty"),),
          about="a goals file of comments and blank lines only"),
    check("file_binary", generate=gen_binary, exit=1, expect=(G("file_binary", 1, "file.binary"),),
          about="a PNG header with NUL bytes (generated)"),
    check("file_gbk", generate=gen_gbk, exit=1, expect=(G("file_gbk", 1, "file.encoding"),),
          about="the shipped example goals.yaml saved as GBK (generated)"),
    check("yaml_indent_after_block_text", generate=gen_misindented_after_block_text, exit=1,
          expect=(G("yaml_indent_after_block_text", 21, "yaml.indentation"),),
          forbid=("yaml.fullwidth_colon",),
          about="`indicators:` one space short after a block of text holding 目标：1): told as "
                "indentation on its line, not as a Chinese colon in the text above (generated)"),
    check("yaml_block_header_misindented", generate=gen_misindented_block_header, exit=1,
          expect=(G("yaml_block_header_misindented", 19, "yaml.indentation"),),
          forbid=("yaml.unquoted_sign",),
          about="`goal: >-` one space too far in: indentation, not advice to quote `>-`, which "
                "would make the goal the text “>-” (generated)"),
    check("file_utf16", generate=gen_utf16, exit=1, expect=(G("file_utf16", 1, "file.encoding"),),
          about="goals.yaml saved as UTF-16 (Notepad's \"Unicode\"), named as such, not as binary "
                "(generated)"),
    check("file_cr_line_ends", "goals.yaml", "actuals.yaml", generate=gen_old_mac_line_ends,
          exit=1, expect=(A("file_cr_line_ends", 10, "actual.unit_mismatch"),),
          about="lone CRs for line ends (classic Mac OS): YAML line breaks, read line by line; it "
                "was one line and a yaml.colon at 1:24 (generated)"),
    check("file_lone_cr_in_lf", "goals.yaml", "actuals.yaml", generate=gen_lone_cr, exit=0,
          expect=(G("file_lone_cr_in_lf", 3, "file.mixed_line_breaks"),),
          about="a lone CR before `# 备注` in an LF file: a line break (YAML 1.2 §5.4) and a "
                "warning at its line; the unit once read 上海世界城市日事务协调中心# 备注 (generated)"),
    check("yaml_tag_binary", generate=gen_tag, exit=1, expect=(G("yaml_tag_binary", 3, "yaml.tag"),),
          about="`unit: !!binary 5LiK5rW3`: a YAML tag, once dropped without a word (generated)"),
    check("file_trailing_nuls", generate=gen_trailing_nuls, exit=1,
          expect=(G("file_trailing_nuls", None, "file.binary"),), forbid=("yaml.missing_colon",),
          about="20 000 NUL bytes after the text: binary, not a missing colon (generated)"),
    check("file_utf32", generate=gen_utf32, exit=1, expect=(G("file_utf32", 1, "file.encoding"),),
          about="goals.yaml saved as UTF-32: named as such, not as UTF-16 (generated)"),
    check("rules_extends_outside", "goals.yaml", generate=gen_extends_outside, exit=2,
          options=("--rules", "rules_extends_outside/unit/rules.yaml"),
          expect=(Expect("rules.extends_outside", "rules_extends_outside/unit/rules.yaml", 1),),
          about="`extends: ../secret.yaml` in a unit's rule file: refused without reading or "
                "quoting the target (generated)"),
    both("actual_control_characters", generate=gen_control_characters, exit=1,
         expect=(A("actual_control_characters", 10, "actuals.unknown_indicator"),),
         about="an indicator name holding an OSC title sequence and a CSI: shown as ␛ ␇ �, not "
               "obeyed by the terminal (generated)"),
    check("file_50mb_comment", generate=gen_50mb_comment, isolated=True, exit=1,
          expect=(G("file_50mb_comment", None, "target.incomplete"),),
          about="a valid goals file with a 50 MB comment block and an unreadable target after it "
                "(generated; memory and time measured)"),
    check("file_50mb_value", generate=gen_50mb_value, isolated=True, exit=0,
          expect=(G("file_50mb_value", 35, "target.unknown_word"),),
          about="a valid goals file whose `goal` is one 50 MB string, and a misspelt target word "
                "(generated; memory and time measured)"),

    # ---- wrong types
    check("type_list_root", exit=1, expect=(G("type_list_root", 1, "schema.root"),),
          about="a list at the top of the file instead of a mapping"),
    check("type_list_for_mapping", exit=1, expect=(G("type_list_for_mapping", 7, "schema.type"),),
          about="`funds:` given as a list (`- 100000.00`)"),
    check("type_mapping_for_target", exit=1, expect=(G("type_mapping_for_target", 12, "schema."),),
          about="a level-3 entry given as a mapping `{指标值: …, 单位: …}` instead of a target string"),
    check("type_year_chinese", exit=1, expect=(G("type_year_chinese", 1, "schema.year"),),
          about="`year: 二〇二四`"),
    check("type_text_money", exit=1, expect=(G("type_text_money", 8, "schema.number"),),
          about="`total: 十万元`: text where money is expected"),
    check("type_money_exponent", exit=1, expect=(G("type_money_exponent", 8, "schema.number"),),
          about="`total: 1e5`: an exponent where money is expected"),
    both("type_weight_exponent", exit=1,
         expect=(A("type_weight_exponent", 10, "schema.number"),),
         forbid=("actuals.missing_indicator",),
         about="`weight: 1e1` in a long-form actual"),
    both("type_list_for_actual", exit=1,
         expect=(A("type_list_for_actual", 10, "schema.type"),),
         forbid=("actuals.missing_indicator",),
         about="an actual given as a list `[3次, 4次]`"),

    # ---- keys
    check("schema_unknown_keys", exit=1,
          expect=(G("schema_unknown_keys", 5, "schema.unknown_key"),
                  G("schema_unknown_keys", 10, "schema.unknown_key")),
          about="an unknown header key `remark` and an unknown `funds.subsidy` in a project"),
    check("schema_misspelt_keys", exit=1,
          expect=(G("schema_misspelt_keys", 9, "schema.unknown_key"),
                  G("schema_misspelt_keys", 25, "schema.unknown_key")),
          about="`indicatros` and `fund` in goals.yaml"),
    both("schema_actuals_misspelt_keys", exit=1,
         expect=(A("schema_actuals_misspelt_keys", 5, "schema.unknown_key"),
                 A("schema_actuals_misspelt_keys", 21, "schema.unknown_key")),
         forbid=("actuals.missing_indicator",),
         about="`adjustd` in a budget and `wieght` in a long-form actual"),

    check("schema_bad_choice", exit=1, expect=(G("schema_bad_choice", 4, "schema.choice"),),
          about="`funds_unit: 千元` (only 元 and 万元 are allowed)"),
    both("schema_places", exit=1, expect=(A("schema_places", 10, "schema.places"),),
         about="`weight: 5.555`: a 分值 with three decimals"),

    # ---- money
    both("goals_flow_thousands", exit=1,
         expect=(G("goals_flow_thousands", 25, "schema.unknown_key"),),
         about="`funds: {total: 350,000.00}`: inside { } the comma parts two entries (advice: "
               "drop the separator or write block style)"),
    both("actuals_flow_thousands", exit=1,
         expect=(A("actuals_flow_thousands", 16, "yaml.duplicate_key"),),
         about="`budget: {adjusted: 50,000.00, executed: 50,000.00}`: the two 000.00 become one key "
               "twice (advice: drop the separator or write block style)"),
    both("money_negative", exit=1,
         expect=(G("money_negative", 8, "schema.range"), A("money_negative", 6, "schema.range")),
         about="negative `funds.total` in goals and negative `executed` in actuals"),
    both("budget_adjusted_missing", exit=1,
         expect=(A("budget_adjusted_missing", 4, "schema.missing"),),
         about="`budget.adjusted` (全年预算数) absent"),
    both("budget_negative", exit=1, expect=(A("budget_negative", 5, "schema.range"),),
         about="`budget.adjusted: -100000.00`"),
    both("budget_negative_rows_astray", exit=1,
         expect=(A("budget_negative_rows_astray", 5, "schema.range"),
                 A("budget_negative_rows_astray", 11, "actuals.unknown_indicator"),
                 A("budget_negative_rows_astray", 3, "actuals.missing_indicator")),
         about="a project that cannot be scored (its budget in error) still has its rows "
               "joined: a misspelt and a missing indicator are told in the same run"),
    both("goals_header_rows_astray", exit=1,
         expect=(G("goals_header_rows_astray", 8, "schema.number"),
                 G("goals_header_rows_astray", 13, "target.incomplete"),
                 G("goals_header_rows_astray", 20, "goals.unknown_level1"),
                 A("goals_header_rows_astray", 11, "actuals.unknown_indicator"),
                 A("goals_header_rows_astray", 3, "actuals.missing_indicator")),
         about="a project whose 申报表 header is in error (`funds.total: 十万`) still has its "
               "targets read, its 一级 names checked and its actuals joined, in the same run"),
    both("headers_in_error", exit=1,
         expect=(G("headers_in_error", 4, "schema.choice"),
                 G("headers_in_error", 13, "target.incomplete"),
                 A("headers_in_error", 1, "schema.year"),
                 A("headers_in_error", 9, "actual.unexpected"),
                 A("headers_in_error", 11, "actuals.unknown_indicator"),
                 A("headers_in_error", 3, "actuals.missing_indicator")),
         about="`funds_unit: 千元` in goals and `year: 2024年` in actuals: each file's header in "
               "error hid every other problem; now the projects are still checked, none scored"),
    both("budget_zero", exit=0, expect=(A("budget_zero", 16, "budget.zero"),),
         about="`{adjusted: 0, executed: 0}`: a warning, no division by zero"),

    # ---- weights
    both("weights_total_mismatch", exit=1,
         expect=(A("weights_total_mismatch", 3, "weights.total"),),
         about="every row of a project has an explicit weight and they add up to 100, not 90"),
    both("weights_category_overallocated", exit=1,
         expect=(A("weights_category_overallocated", None, "weights.category_overflow"),),
         about="explicit weights of 40 + 20 in 产出指标 (50), a third row left with nothing"),
    both("weights_category_full", exit=0,
         expect=(A("weights_category_full", 11, "weights.category_full"),),
         about="explicit weights of 30 + 20 fill 产出指标 (50): the third row gets 0, with a warning"),

    # ---- goals
    check("goals_duplicate_project", exit=1,
          expect=(G("goals_duplicate_project", 24, "goals.duplicate_project"),),
          about="two projects with the same name in goals.yaml"),
    check("goals_empty_project_list", exit=1,
          expect=(G("goals_empty_project_list", 3, "schema."),),
          about="`projects: []`"),
    check("goals_null_project", exit=1, expect=(G("goals_null_project", 6, "goals.empty_project"),),
          about="an empty list item `-` before the first project"),
    check("goals_unknown_level1", exit=1, expect=(G("goals_unknown_level1", 16, "goals.unknown_level1"),),
          about="a level-1 name `社会效果指标` that is no category of the rule set (check GOALS only)"),
    both("goals_unknown_level1_with_actuals", exit=1,
         expect=(G("goals_unknown_level1_with_actuals", 16, "goals.unknown_level1"),),
         about="the same unknown level-1 name, checked with actuals"),
    check("goals_empty_level3_name", exit=1, expect=(G("goals_empty_level3_name", 13, "goals.empty_name"),),
          about="`: ≥3.00(次)`: a level-3 entry whose name was deleted"),
    both("goals_no_indicators", exit=1,
         expect=(G("goals_no_indicators", None, "goals.no_indicators"),),
         about="`产出指标: {}`: a project whose only level-1 holds no indicator"),
    check("target_unreadable", exit=1, expect=(G("target_unreadable", 13, "target.incomplete"),),
          about="`≥3.00(次`: an unreadable target"),
    check("target_implied_operator", exit=0,
          expect=(G("target_implied_operator", 13, "target.implied_operator"),),
          about="`公益活动举办次数: 3次`: a target with no sign, read as ≥ with a warning"),
    check("target_empty", exit=1, expect=(G("target_empty", 13, "target.empty"),),
          about="a level-3 name with no target"),

    # ---- joining the files
    both("actuals_unknown_project", exit=1,
         expect=(A("actuals_unknown_project", 15, "actuals.unknown_project"),
                 G("actuals_unknown_project", 24, "actuals.missing_project")),
         about="`城市日管里研究` in actuals: a near name of a project in goals (suggested)"),
    both("actuals_null_project", exit=1, expect=(A("actuals_null_project", 15, "actuals.empty_project"),),
         about="a project key with nothing under it, followed by a project unknown to goals"),
    both("actuals_missing_indicator", exit=1,
         expect=(A("actuals_missing_indicator", 3, "actuals.missing_indicator"),),
         about="an indicator of goals with no actual"),
    both("actuals_unknown_indicator", exit=1,
         expect=(A("actuals_unknown_indicator", 22, "actuals.unknown_indicator"),),
         about="an actual `专家满意度` for an indicator goals does not have"),
    both("actuals_duplicate_indicator", exit=1,
         expect=(A("actuals_duplicate_indicator", 11, "actuals.duplicate_indicator"),),
         about="`公益活动举办次数` and `数量指标/公益活动举办次数`: one indicator given twice"),
    both("actuals_ambiguous_name", exit=1,
         expect=(A("actuals_ambiguous_name", 10, "actuals.ambiguous_indicator"),),
         about="a level-3 name that exists under two level-2s, given by name alone"),
    both("actuals_ambiguous_name_fixed", exit=0,
         about="the same, fixed with `数量指标/…` and `质量指标/…` keys"),
    both("year_mismatch", exit=1, expect=(A("year_mismatch", 1, "actuals.year_mismatch"),),
         about="`year: 2023` in actuals against 2024 in goals"),

    # ---- actual values
    both("actual_unit_mismatch", exit=1,
         expect=(A("actual_unit_mismatch", 13, "actual.unit_mismatch"),),
         about="`22人次` against `≥5.00(篇)`"),
    both("actual_unknown_word", exit=1,
         expect=(A("actual_unknown_word", 12, "actual.unknown_word"),),
         about="`显着提升` (a common misspelling of 显著) against `逐渐提升`"),
    both("actual_tier_for_quantity", exit=0,
         expect=(A("actual_tier_for_quantity", 10, "actual.tier_for_quantity"),),
         about="`达成` for the quantitative `≥3.00(次)`: a warning, exit 0"),
    both("actual_warnings", exit=1,
         expect=(A("actual_warnings", 11, "actual.has_operator"),
                 A("actual_warnings", 14, "actual.percent_unit")),
         forbid=("review.missing_reason",),
         about="`≥98%` as an actual (read as 98%, a warning) and a bare `0.9` against "
               "`≥80.00(%)` (Excel's 90%: an error saying so), exit 1"),
    check("actual_tier_for_quantity_strict", "goals.yaml", "actuals.yaml",
          directory="actual_tier_for_quantity", options=("--strict",), exit=1,
          expect=(A("actual_tier_for_quantity", 10, "actual.tier_for_quantity"),),
          about="the same under `--strict`: exit 1"),
    both("actual_free_text", exit=1, expect=(A("actual_free_text", 20, "actual.cannot_judge"),),
         about="free text `宣传推广效果良好` against the free-text target `有利于宣传推广《上海手册》`"),
    both("date_not_in_year", exit=1,
         expect=(G("date_not_in_year", 9, "target.bad_date"),
                 A("date_not_in_year", 7, "actual.bad_date")),
         about="`2月29日` with no year of its own, in 2023 (once a traceback)"),

    # ---- the unit's own scores
    both("score_above_weight", exit=1,
         expect=(A("score_above_weight", 10, "review.score_above_weight"),),
         about="`score: 25` on a row of weight 20 (weights add up to 90)"),
    both("score_outside_band", exit=1,
         expect=(A("score_outside_band", 12, "review.score_outside_band"),),
         about="`持平` against `逐渐提升` (未达成, band [0, 60%)) with score 10 of 15"),
    both("score_total_mismatch", exit=1,
         expect=(A("score_total_mismatch", 8, "review.total_mismatch"),),
         about="a stated project `total: 95` where the rows add up to 99.80"),
    both("score_budget_mismatch", exit=0,
         expect=(A("score_budget_mismatch", 7, "review.budget_score_mismatch"),),
         about="`budget.score: 10` where 98% execution gives 9.80: adopted, a warning (宽松)"),
    both("score_budget_above_weight", exit=1,
         expect=(A("score_budget_above_weight", 7, "review.budget_score_above_weight"),),
         about="`budget.score: 12` where the budget row's weight is 10"),
    both("score_budget_negative", exit=1,
         expect=(A("score_budget_negative", 7, "schema.range"),),
         about="`budget.score: -9.8`: below 0, the rule's 9.80 stands"),
    both("review_unexplained", exit=0,
         expect=(A("review_unexplained", 6, "budget.over_executed"),
                 A("review_unexplained", 10, "review.missing_reason"),
                 A("review_unexplained", 13, "review.overachievement_unexplained")),
         about="executed above budget, points lost and a target overshot fourfold, no reason "
               "given: warnings, exit 0"),

    # ---- `evaluate GOALS ACTUALS` (the report on stdout)
    run("run_score_total_mismatch", exit=1,
        expect=(A("run_score_total_mismatch", 8, "review.total_mismatch"),
                A("run_score_total_mismatch", 21, "review.score_above_weight")),
        about="the report of a file with a wrong `total` and a score above its weight"),
    run("run_goals_unreadable", exit=1, no_report=True,
        expect=(G("run_goals_unreadable", 13, "yaml.tab"),),
        about="`evaluate` with an unreadable goals file: diagnostics and no report"),
    run("run_actuals_unreadable", exit=1, no_report=True,
        expect=(A("run_actuals_unreadable", 1, "file.empty"),),
        about="`evaluate` with an empty actuals file"),

    # ---- usage, IO and rule-set errors (exit 2)
    Case("io_missing_file", ("check", "io_missing_file/goals.yaml", "io_missing_file/actuals.yaml"),
         about="a goals path that does not exist", exit=2),
    Case("io_directory", ("check", "io_directory/goals.yaml"),
         about="a goals path that is a directory", exit=2),
    Case("usage_missing_argument", ("check",), about="`evaluate check` with no file", exit=2),
    Case("rules_broken", ("check", "--rules", "rules_broken/rules.yaml",
                          "rules_broken/goals.yaml", "rules_broken/actuals.yaml"),
         about="`--rules` naming a rule set with `budget.weight: 十`", exit=2,
         expect=(Expect("rules.number", "rules_broken/rules.yaml", 3),)),
    Case("rules_cycle", ("check", "--rules", "rules_cycle/rules.yaml", "rules_cycle/goals.yaml", "rules_cycle/actuals.yaml"),
         about="a rule set whose `extends:` names itself", exit=2, expect=(Expect("rules.cycle", "rules_cycle/rules.yaml", 2),)),
    Case("rules_root", ("check", "--rules", "rules_root/rules.yaml", "rules_root/goals.yaml", "rules_root/actuals.yaml"),
         about="a rule set written as a list", exit=2, expect=(Expect("rules.root", "rules_root/rules.yaml", 1),)),
    Case("rules_bad_band", ("check", "--rules", "rules_bad_band/rules.yaml", "rules_bad_band/goals.yaml", "rules_bad_band/actuals.yaml"),
         about="a rule set whose 部分达成 band runs from 90 down to 80", exit=2, expect=(Expect("rules.value", "rules_bad_band/rules.yaml", 3),)),
    Case("rules_categories_not_100", ("check", "--rules", "rules_categories_not_100/rules.yaml",
                                      "rules_categories_not_100/goals.yaml",
                                      "rules_categories_not_100/actuals.yaml"),
         about="`budget.weight: 20` beside categories 50/30/10 stated again (110 in all)", exit=2,
         expect=(Expect("rules.value", "rules_categories_not_100/rules.yaml", 6),)),
)

BY_NAME = {case.name: case for case in CASES}
assert len(BY_NAME) == len(CASES), "case names must be unique"
CHECKS = ("traceback", "format", "exit", "readable", "unchanged", "expected", "forbid",
          "no_report", "resources")
for _case in CASES:
    assert set(_case.known) <= set(CHECKS), (_case.name, _case.known)


def golden_path(case: Case) -> Path:
    return HERE / f"{case.name}.expected"


def generate_all(root: Path) -> None:
    for case in CASES:
        if case.generate is not None:
            case.generate(root)


def root_of(case: Case, generated: Path) -> Path:
    return generated if case.generate is not None else HERE


# ---- running ------------------------------------------------------------------------------

@dataclass
class Outcome:
    exit: int
    stderr: str
    stdout: str
    seconds: float
    peak_kb: int | None  # of the child process, for isolated cases
    changed: list[str]  # input files whose bytes differ afterwards

    def text(self, case: Case) -> str:
        """The golden: the command, its exit code, and what it printed."""
        return (f"$ {case.command}\nexit: {self.exit}\n--- stderr\n{_block(self.stderr)}"
                f"--- stdout\n{_block(self.stdout)}")


def _block(text: str) -> str:
    if not text or text.endswith("\n"):
        return text
    return text + "\n\\ no newline at end\n"


_FRAME = re.compile(r"^(  |    )")


def normalize(text: str) -> str:
    """Tracebacks keep their first and last lines only: frames name paths and line numbers of a
    codebase that is being edited."""
    lines = text.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        out.append(line)
        index += 1
        if line.startswith("Traceback (most recent call last):"):
            out.append("  …")
            while index < len(lines) and _FRAME.match(lines[index]):
                index += 1
    return "\n".join(out)


def _digest(paths: list[Path]) -> dict[str, str]:
    result = {}
    for path in paths:
        if path.is_file():
            with path.open("rb") as handle:
                result[str(path)] = hashlib.file_digest(handle, "sha256").hexdigest()
    return result


def _case_files(case: Case, root: Path) -> list[Path]:
    files = [root / f for f in case.inputs]
    folder = root / case.name
    if folder.is_dir():
        files += [p for p in folder.rglob("*") if p.is_file()]
    return sorted(set(files))


def _in_process(argv: tuple[str, ...], cwd: Path) -> tuple[int, str, str]:
    from click.testing import CliRunner

    from evaluator.cli import main

    with contextlib.chdir(cwd):
        result = CliRunner().invoke(main, list(argv), prog_name="evaluate")
    stderr, stdout = result.stderr, result.stdout
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))  # what a user would see
    return result.exit_code, stderr, stdout


def _child(argv: tuple[str, ...], cwd: Path) -> tuple[int, str, str, int]:
    """``python -m evaluator`` as a child; its own peak RSS from wait4, a kill after the guard."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen([sys.executable, "-m", "evaluator", *argv], cwd=cwd,
                                   stdout=out, stderr=err, env=env)
        started = time.monotonic()
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > HANG_GUARD:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.02)
        process.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (code, err.read().decode("utf-8", "replace"), out.read().decode("utf-8", "replace"),
                usage.ru_maxrss)


def run_case(case: Case, generated: Path) -> Outcome:
    root = root_of(case, generated)
    files = _case_files(case, root)
    before = _digest(files)
    started = time.monotonic()
    peak = None
    if case.isolated:
        code, stderr, stdout, peak = _child(case.argv, root)
    else:
        code, stderr, stdout = _in_process(case.argv, root)
    seconds = time.monotonic() - started
    after = _digest(files)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    return Outcome(code, normalize(stderr), normalize(stdout), seconds, peak,
                   [str(Path(c).relative_to(root)) for c in changed])


# ---- reading the output -------------------------------------------------------------------

HEAD = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+):(?P<column>\d+): "
                  r"(?P<severity>error|warning)\[(?P<code>[a-z0-9_]+(?:\.[a-z0-9_]+)+)\] "
                  r"(?P<message>\S.*)$")
MENTION = re.compile(r"\b(error|warning)\[")
EXCERPT = re.compile(r"^ *(?P<number>\d*) \|(?: (?P<text>.*))?$")
SUMMARY = re.compile(r"^共 (?P<errors>\d+) 个错误，(?P<warnings>\d+) 个警告$")


@dataclass(frozen=True)
class Printed:
    file: str
    line: int
    column: int
    severity: str
    code: str
    message: str
    hint: str | None
    excerpt: tuple[int, str] | None  # (line number shown, the line shown)


def diagnostics_of(stderr: str) -> tuple[list[Printed], list[str], tuple[int, int] | None]:
    """The diagnostics printed, the lines that mention a severity but are not well-formed heads,
    and the summary counts."""
    printed: list[Printed] = []
    malformed: list[str] = []
    summary = None
    lines = stderr.split("\n")
    for index, line in enumerate(lines):
        found = SUMMARY.match(line)
        if found:
            summary = (int(found["errors"]), int(found["warnings"]))
            continue
        if EXCERPT.match(line) or line.startswith("  = "):
            continue
        head = HEAD.match(line)
        if head is None:
            if MENTION.search(line):
                malformed.append(line)
            continue
        excerpt = hint = None
        following = lines[index + 1:index + 4]
        if len(following) >= 2 and EXCERPT.match(following[0]) and EXCERPT.match(following[1]):
            shown = EXCERPT.match(following[1])
            if shown["number"]:
                excerpt = (int(shown["number"]), shown["text"] or "")
        for later in lines[index + 1:index + 5]:
            if later.startswith("  = 提示："):
                hint = later[len("  = 提示："):]
                break
            if HEAD.match(later):
                break
        printed.append(Printed(head["file"], int(head["line"]), int(head["column"]),
                               head["severity"], head["code"], head["message"], hint, excerpt))
    return printed, malformed, summary


_QUOTED = re.compile(r"“[^”]*”|‘[^’]*’|'[^']*'|\"[^\"]*\"|`[^`]*`")
_ENGLISH_PHRASE = re.compile(r"[A-Za-z]{2,}[ ,:;]+[A-Za-z]{2,}")
_ENGLISH_WORD = re.compile(r"(?<![A-Za-z])(or|and|not|should|must|the|is|of)(?![A-Za-z])")
_FILE_NAME = re.compile(r"[\w./-]+\.ya?ml\b")


def unreadable(text: str) -> str | None:
    """Why a message or hint would lose a finance officer: English prose outside quotes, or an
    empty quotation where a name should be."""
    if "“”" in text:
        return "an empty “” where a name should be"
    bare = _FILE_NAME.sub("FILE", _QUOTED.sub("“…”", text))
    found = _ENGLISH_PHRASE.search(bare) or _ENGLISH_WORD.search(bare)
    return f"English prose: {found.group(0)!r}" if found else None


def file_lines(path: Path) -> list[str] | None:
    """The file's lines as a reader counts them (None: not UTF-8 text)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None
    return re.split(r"\r\n|\r|\n", text)  # YAML's line breaks: a lone CR is one too
