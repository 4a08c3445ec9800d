"""The diagnostics catalogue (evaluator/catalogue.py) against the source and the tests.

Every code the source can give must be declared there, with the severity it is given with;
every declared code must be given by some test; docs/diagnostics.md must be what the catalogue
writes. A failure says what to add where.

Codes the source gives are found by reading it (string constants shaped like ``prefix.name``;
codes built at run time must be listed in BUILT_CODES below), and, while the whole suite runs,
by watching every Diagnostic made (tests/conftest.py). Codes the tests give are read from what
they expect: the bad-input goldens, the example's golden JSON, the scoring and weight case
tables, the grammar cases, and codes named in the tests' assertions.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import yaml

from evaluator import catalogue
from evaluator.goals import GoalsSpec
from evaluator.models import _message

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "evaluator"
CODE = re.compile(r"[a-z]+(?:\.[a-z0-9_]+)+")
FILE_SUFFIXES = {"yaml", "yml", "json", "md", "html", "j2", "lark", "py", "txt", "xlsx", "xls",
                 "ods", "docx", "pdf", "csv", "sqlite", "db", "css", "svg", "png", "exe"}
# constants shaped like codes that are not codes (cgroup files)
NOT_CODES = {"cpu.max", "cpu.cfs_quota_us", "cpu.cfs_period_us"}
# functions that build a code at run time, and which declared codes they give
BUILT_CODES = {
    "_expression_diagnostic": "target.* and actual.* from expression.* (FAMILIES)",
    "_day": "target.bad_date, actual.bad_date (FAMILIES, from expression.bad_date)",
    "_as_rules_error": "rules.* from schema.* (FAMILIES)",
}
ADD = ('add Code("{code}", ERROR or WARNING, "<中文标题>", "<file>", "<an input line>", '
       '"<the message it gives>") to CODES in evaluator/catalogue.py, then run '
       '`python -m evaluator.catalogue > docs/diagnostics.md`')


def _is_code(text: str) -> bool:
    return (bool(CODE.fullmatch(text)) and text not in NOT_CODES
            and text.rsplit(".", 1)[1] not in FILE_SUFFIXES)


def _sources() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if p.name != "catalogue.py"]


class _Scan(ast.NodeVisitor):
    """Code constants, the severity they are given with where the call says it, and codes
    built at run time (f-strings and concatenations that make a dotted name)."""

    def __init__(self, path: Path):
        self.where = path.relative_to(ROOT)
        self.codes: list[tuple[str, str | None, str]] = []  # code, severity or None, where
        self.built: list[tuple[str, str, str]] = []  # function, expression, where
        self.function = "<module>"

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:  # noqa: N802
        outer, self.function = self.function, node.name
        self.generic_visit(node)
        self.function = outer

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Call(self, node: ast.Call) -> None:  # noqa: N802
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        args = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
        severity, code = None, None
        if name in ("error", "warning") and args and isinstance(args[0], str):
            severity, code = name, args[0]
        elif name == "Finding" and len(args) > 1 and isinstance(args[1], str):
            severity, code = args[0], args[1]
        elif name == "WeightIssue" and args and isinstance(args[0], str):
            keywords = {k.arg: getattr(k.value, "value", None) for k in node.keywords}
            severity, code = keywords.get("severity", "error"), args[0]
        if code is not None and _is_code(code) and severity in ("error", "warning"):
            self.codes.append((code, severity, f"{self.where}:{node.lineno}"))
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:  # noqa: N802
        if isinstance(node.value, str) and _is_code(node.value):
            self.codes.append((node.value, None, f"{self.where}:{node.lineno}"))

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:  # noqa: N802
        fixed = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        module = any(isinstance(v, ast.FormattedValue) and getattr(v.value, "id", "") in
                     ("__package__", "__name__") for v in node.values)  # a module's name
        if re.fullmatch(r"[a-z_]*\.[a-z0-9_]*", fixed) and not _is_file(fixed) and not module:
            self.built.append((self.function, ast.unparse(node), f"{self.where}:{node.lineno}"))

    def visit_BinOp(self, node: ast.BinOp) -> None:  # noqa: N802
        left = node.left
        if (isinstance(node.op, ast.Add) and isinstance(left, ast.Constant)
                and isinstance(left.value, str) and re.fullmatch(r"[a-z]+\.", left.value)):
            self.built.append((self.function, ast.unparse(node), f"{self.where}:{node.lineno}"))
        self.generic_visit(node)


def _is_file(fixed: str) -> bool:
    return fixed.rsplit(".", 1)[1] in FILE_SUFFIXES or fixed == "."


def _scans() -> list[_Scan]:
    scans = []
    for path in _sources():
        scan = _Scan(path)
        scan.visit(ast.parse(path.read_text(encoding="utf-8")))
        scans.append(scan)
    return scans


# ---- what the tests expect ------------------------------------------------------------------

_PRINTED = re.compile(r"\b(error|warning)\[([a-z]+(?:\.[a-z0-9_]+)+)\]")


def given_by_tests() -> dict[str, set[str | None]]:
    """Each code some test expects, with the severities it is expected with (None: the test
    names the code only)."""
    given: dict[str, set[str | None]] = {}

    def add(code: str, severity: str | None) -> None:
        given.setdefault(code, set()).add(severity)

    for golden in sorted((ROOT / "tests" / "bad_inputs").glob("*.expected")):
        for severity, code in _PRINTED.findall(golden.read_text(encoding="utf-8")):
            add(code, severity)
    for golden in sorted((ROOT / "tests" / "golden").glob("*")):
        text = golden.read_text(encoding="utf-8")
        for severity, code in _PRINTED.findall(text):
            add(code, severity)
        if golden.suffix == ".json":
            for item in json.loads(text).get("diagnostics", []):
                add(item["code"], item["severity"])
    for table, key in (("scoring/cases.yaml", "findings"), ("scoring/weights.yaml", "issues")):
        for case in yaml.safe_load((ROOT / "tests" / table).read_text(encoding="utf-8"))["cases"]:
            severities = case.get("severity") or {}
            for code in case.get(key) or ():
                add(code, severities.get(code))
    grammar = yaml.safe_load((ROOT / "tests" / "grammar" / "cases.yaml").read_text(encoding="utf-8"))
    for case in grammar["cases"]:
        if case.get("kind") == "error":
            add(case["code"], "error")
    for test in sorted((ROOT / "tests").rglob("*.py")):
        if test.name == "corpus.py":  # its cases' goldens count
            continue
        for line in test.read_text(encoding="utf-8").splitlines():
            if "not in" in line or "!=" in line:
                continue
            for code in re.findall(r"[\"']([a-z]+(?:\.[a-z0-9_]+)+)[\"']", line):
                if _is_code(code):
                    add(code, None)
    return given


# ---- the tests ------------------------------------------------------------------------------

def test_the_page_is_what_the_catalogue_writes():
    page = ROOT / "docs" / "diagnostics.md"
    assert page.exists() and page.read_text(encoding="utf-8") == catalogue.markdown(), (
        "docs/diagnostics.md is not what evaluator/catalogue.py writes: run "
        "`python -m evaluator.catalogue > docs/diagnostics.md` (never edit the page by hand)")


def test_every_code_is_declared_once_with_a_title_and_an_example():
    codes = [entry.code for entry in catalogue.CODES]
    assert len(codes) == len(set(codes)), "a code declared twice in evaluator/catalogue.py"
    for entry in catalogue.CODES:
        assert CODE.fullmatch(entry.code), entry.code
        assert entry.severities <= {"error", "warning"}, entry
        assert re.search(r"[\u4e00-\u9fff]", entry.title), f"{entry.code}: a Chinese title"
        assert entry.file and entry.message, f"{entry.code}: an example (file, input, message)"
        assert len(entry.severities) == 1 or entry.note, f"{entry.code}: say when which severity"


def test_every_code_the_source_gives_is_declared():
    declared = catalogue.declared()
    missing, severities, built = [], [], []
    for scan in _scans():
        for code, severity, where in scan.codes:
            if code not in declared:
                missing.append(f"{where} gives {code!r}, which is not declared: "
                               + ADD.format(code=code))
            elif severity is not None and severity not in declared[code]:
                severities.append(f"{where} gives {code!r} as {severity}, declared "
                                  f"{'/'.join(sorted(declared[code]))}: correct its severity in "
                                  "evaluator/catalogue.py (\"error/warning\" with a note when "
                                  "it can be either)")
        for function, expression, where in scan.built:
            if function not in BUILT_CODES:
                built.append(f"{where} builds a code at run time ({expression}) in {function}(): "
                             "declare every code it can give in evaluator/catalogue.py (a Family "
                             "when it renames another code's prefix), then list "
                             f"{function!r} in BUILT_CODES in tests/test_catalogue.py")
    assert not missing + severities + built, "\n".join(missing + severities + built)


def test_every_declared_code_is_given_by_some_test():
    given = given_by_tests()
    declared = catalogue.declared()
    families = catalogue.derived()
    wrong = [f"{code} is expected as {severity} by a test, declared "
             f"{'/'.join(sorted(declared[code]))}: correct evaluator/catalogue.py"
             for code, severities in given.items() if code in declared
             for severity in severities if severity is not None and severity not in declared[code]]
    assert not wrong, "\n".join(wrong)
    # a family's code is told from its source by one function: a test of either, and a test of
    # the family, show it
    exercised = {f.prefix for code, (f, _) in families.items() if code in given}
    assert exercised == {f.prefix for f in catalogue.FAMILIES}, exercised

    def tested(code: str) -> bool:
        if code in given:
            return True
        if code in families and families[code][1].code in given:
            return True
        return any(source.code == code and told in given for told, (_, source) in families.items())

    untested = [code for code in declared if not tested(code)]
    assert not untested, (
        "declared in evaluator/catalogue.py but given by no test: " + ", ".join(untested)
        + ". Add a bad input that gives it (tests/bad_inputs/corpus.py, a folder beside it, then "
        "`python -m tests.bad_inputs.regenerate CASE`), or a case of tests/scoring/cases.yaml, "
        "or an assertion naming the code in a test")


def test_an_unforeseen_schema_error_has_a_stable_code():
    """pydantic may one day report a kind of error no branch of schema._message knows: it is
    told with one declared code, not with pydantic's name for it."""
    code, message, hint = _message(GoalsSpec, {"type": "url_parsing", "loc": ("year",),
                                               "msg": "Input should be a valid URL"})
    assert (code, message, hint) == ("schema.invalid", "“year（年度）”的值不符合要求", None)


@pytest.mark.parametrize("code", ["target.incomplete", "actual.unexpected", "rules.number"])
def test_a_family_code_takes_its_severity_from_its_source(code):
    family, source = catalogue.derived()[code]
    assert catalogue.declared()[code] == source.severities == {"error"}
    assert code.startswith(family.prefix + ".")
