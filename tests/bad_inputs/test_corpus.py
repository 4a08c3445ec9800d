"""Every bad input gives a golden output, positioned Chinese diagnostics, the right exit code and
no traceback; and leaves its files as they were. See README.md and corpus.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluator.diagnostics import visible
from tests.bad_inputs.corpus import (CASES, HANG_GUARD, MB, Case, Outcome, diagnostics_of,
                                     file_lines, generate_all, golden_path, root_of, run_case,
                                     unreadable)
from tests.bad_inputs.regenerate import readme

_outcomes: dict[str, Outcome] = {}


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad_inputs")
    generate_all(root)
    return root


@pytest.fixture
def outcome(request, generated) -> Outcome:
    case: Case = request.param
    if case.name not in _outcomes:  # each case runs once for all the checks below
        _outcomes[case.name] = run_case(case, generated)
    return _outcomes[case.name]


def cases_for(check: str, only=lambda case: True):
    """Parameters over the cases, each with a strict xfail where a known engine problem makes
    this check fail."""
    params = []
    for case in CASES:
        if not only(case):
            continue
        marks = []
        if check in case.known:
            marks.append(pytest.mark.xfail(strict=True, reason=case.known[check]))
        params.append(pytest.param(case, id=case.name, marks=marks))
    return params


def _with(check: str, only=lambda case: True):
    return pytest.mark.parametrize("case, outcome", [
        pytest.param(p.values[0], p.values[0], id=p.id, marks=p.marks)
        for p in cases_for(check, only)], indirect=["outcome"])


@_with("golden")
def test_output_matches_golden(case, outcome):
    golden = golden_path(case)
    assert golden.exists(), f"no golden for {case.name}: python -m tests.bad_inputs.regenerate"
    assert outcome.text(case) == golden.read_text(encoding="utf-8"), (
        "output differs from the golden; after a deliberate change run "
        "python -m tests.bad_inputs.regenerate and review the diff")


@_with("traceback")
def test_no_traceback(case, outcome):
    assert "Traceback" not in outcome.stderr + outcome.stdout
    assert outcome.exit >= 0, f"killed by signal {-outcome.exit}"


@_with("format")
def test_diagnostics_are_positioned(case, outcome, generated):
    """FILE:LINE:COL: severity[code] message, inside the file, the excerpt being that line."""
    printed, malformed, summary = diagnostics_of(outcome.stderr)
    assert not malformed, f"diagnostic lines without FILE:LINE:COL: {malformed}"
    root = root_of(case, generated)
    for item in printed:
        assert item.file in case.inputs, f"{item.file} is not a file on the command line"
        lines = file_lines(root / item.file)
        assert item.line >= 1 and item.column >= 1, item
        if lines is None:  # binary: line 1; not UTF-8: its first byte that is not
            assert (item.line, item.column) == _first_undecodable(root / item.file), item
            continue
        assert item.line <= len(lines), f"line {item.line} of a {len(lines)}-line file: {item}"
        text = lines[item.line - 1]
        assert item.column <= len(text) + 1, f"column {item.column} of {text!r}: {item}"
        if item.excerpt is not None:  # as a terminal is shown it: controls made visible
            assert item.excerpt == (item.line, visible(text.replace("\t", " "))), item
    if printed and outcome.exit != 2:  # a rule-set error (exit 2) is printed without a count
        errors = sum(1 for p in printed if p.severity == "error")
        assert summary == (errors, len(printed) - errors), "the closing count is wrong"
    if case.is_check:
        assert outcome.stdout == "", "check prints nothing on stdout"


@_with("exit")
def test_exit_code(case, outcome):
    printed, _malformed, _summary = diagnostics_of(outcome.stderr)
    if case.exit == 2:
        assert outcome.exit == 2
        return
    errors = sum(1 for p in printed if p.severity == "error")
    warnings = len(printed) - errors
    consistent = 1 if errors or (case.strict and warnings) else 0
    assert outcome.exit == consistent, (
        f"exit {outcome.exit} with {errors} errors and {warnings} warnings")
    assert outcome.exit == case.exit


@_with("readable")
def test_messages_are_readable(case, outcome):
    """Messages and hints in Chinese: no English prose outside quotes, no empty “”."""
    printed, _malformed, _summary = diagnostics_of(outcome.stderr)
    texts = [p.message for p in printed] + [p.hint for p in printed if p.hint]
    texts += [line[len("Error: "):] for line in outcome.stderr.split("\n")
              if line.startswith("Error: ")]
    problems = [(text, why) for text in texts if (why := unreadable(text))]
    assert not problems, problems


@_with("unchanged")
def test_inputs_are_byte_identical_afterwards(case, outcome):
    assert outcome.changed == []


@_with("expected", only=lambda case: bool(case.expect))
def test_expected_diagnostics(case, outcome):
    printed, _malformed, _summary = diagnostics_of(outcome.stderr)
    found = [(p.code, p.file, p.line) for p in printed]
    missing = [str(e) for e in case.expect if not any(e.matches(*f) for f in found)]
    assert not missing, f"missing {missing}; printed {found}"


@_with("forbid", only=lambda case: bool(case.forbid))
def test_no_consequential_diagnostics(case, outcome):
    printed, _malformed, _summary = diagnostics_of(outcome.stderr)
    assert not [p for p in printed if p.code in case.forbid]


@_with("no_report", only=lambda case: case.no_report)
def test_no_report_from_unreadable_input(case, outcome):
    assert outcome.stdout == ""


@_with("resources", only=lambda case: case.isolated)
def test_memory_and_time_are_bounded(case, outcome, generated):
    """A hang guard and a memory bound, not a speed target: peak RSS under 10× the input for a
    big file, under 400 MB for a small one (an alias bomb must not expand)."""
    size = sum((root_of(case, generated) / f).stat().st_size for f in case.inputs)
    limit_kb = max(10 * size, 400 * MB) // 1024
    assert outcome.seconds < HANG_GUARD
    assert outcome.peak_kb is not None and outcome.peak_kb < limit_kb, (
        f"peak {outcome.peak_kb} kB for {size} bytes of input")


def test_every_case_has_a_golden_and_no_golden_is_stale():
    from tests.bad_inputs.corpus import HERE

    names = {case.name for case in CASES}
    goldens = {p.stem for p in HERE.glob("*.expected")}
    assert goldens == names


def test_readme_lists_every_case():
    from tests.bad_inputs.corpus import HERE

    assert (HERE / "README.md").read_text(encoding="utf-8") == readme(), (
        "README.md is written by python -m tests.bad_inputs.regenerate")


def test_committed_cases_have_their_files():
    from tests.bad_inputs.corpus import HERE

    for case in CASES:
        if case.generate is None and case.exit != 2:
            for file in case.inputs:
                assert (HERE / file).is_file(), f"{case.name}: {file}"


def test_a_huge_wrong_value_is_not_echoed_whole(tmp_path):
    """Not a golden case: its output is the problem. 5 MB of text where money is expected should
    give a diagnostic of a few lines, not megabytes."""
    from tests.bad_inputs.corpus import GOOD, Case, run_case

    text = (GOOD / "goals.yaml").read_text(encoding="utf-8")
    folder = tmp_path / "huge_wrong_value"
    folder.mkdir()
    (folder / "goals.yaml").write_text(
        text.replace("total: 100000.00", "total: " + "十万元" * (5 * MB // 9), 1), encoding="utf-8")
    case = Case("huge_wrong_value", ("check", "huge_wrong_value/goals.yaml"), about="", exit=1,
                generate=lambda root: None, isolated=True)
    outcome = run_case(case, tmp_path)
    assert outcome.exit == 1 and "Traceback" not in outcome.stderr
    assert len(outcome.stderr.encode("utf-8")) < 64 * 1024, (
        f"{len(outcome.stderr.encode('utf-8'))} bytes on stderr for one diagnostic")


def _first_undecodable(path: Path) -> tuple[int, int]:
    """(line, column) of a file's first byte that is not UTF-8; (1, 1) for a binary file."""
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        return 1, 1
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = data.rfind(b"\n", 0, exc.start) + 1
        return data.count(b"\n", 0, exc.start) + 1, len(data[start:exc.start].decode("utf-8")) + 1
    return 1, 1
