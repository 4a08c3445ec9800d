"""Shared fixtures: the repository root, the shipped example, the default rule set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "shanghai-wcd-2024"
GOLDEN = ROOT / "tests" / "golden"


@pytest.fixture(scope="session")
def default_rules():
    from evaluator.run import load_rule_set

    return load_rule_set()


@pytest.fixture
def in_root(monkeypatch):
    """Run with the repository as the working directory (paths in messages are relative)."""
    monkeypatch.chdir(ROOT)
    return ROOT


def evaluate_in(folder: Path, goals: str | bytes, actuals: str | bytes | None = None):
    """Write goals.yaml (and actuals.yaml) into ``folder`` and evaluate them from there, so
    that messages name the files as a user in that folder would see them."""
    import os

    from evaluator.run import evaluate_files, load_rule_set

    for name, content in (("goals.yaml", goals), ("actuals.yaml", actuals)):
        if content is not None:
            data = content if isinstance(content, bytes) else content.encode("utf-8")
            (folder / name).write_bytes(data)
    here = os.getcwd()
    os.chdir(folder)
    try:
        return evaluate_files("goals.yaml", "actuals.yaml" if actuals is not None else None,
                              *load_rule_set())
    finally:
        os.chdir(here)


def example_told(tmp_path: Path, options: list[str], before: str, told: str) -> str:
    """The example evaluated with ``options`` by the command in a fresh process (output in
    ``tmp_path``), the code ``before`` run first; what the expression ``told`` is then."""
    import subprocess
    import sys

    code = (f"import sys\nfrom evaluator import command_line\n{before}"
            "try:\n    command_line(teardown=True)\nexcept SystemExit:\n    pass\n"
            f"print({told}, file=sys.__stdout__)\n")
    done = subprocess.run([sys.executable, "-c", code, str(EXAMPLE / "goals.yaml"),
                           str(EXAMPLE / "actuals.yaml"), *options, "-o",
                           str(tmp_path / "report")], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.strip(), done.stderr
    return done.stdout.strip().splitlines()[-1]


def ctrl_c_as_in_a_terminal() -> None:
    """preexec_fn: the child starts with Ctrl-C's default disposition, as a command run in a
    terminal's foreground does, whatever this process inherited (a shell ignores SIGINT in
    what it starts in the background, ``pytest &`` or ``nohup``, and so would the child)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie, killed but not yet reaped, does not)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is dead
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


# ---- every diagnostic made while the suite runs is declared (see tests/test_catalogue.py) ----

_MADE: dict[tuple[str, str], None] = {}  # (code, severity) of every Diagnostic made here


def pytest_configure(config):
    from evaluator.diagnostics import Diagnostic

    made = Diagnostic.__init__

    def watched(self, severity, code, *rest, **named):
        made(self, severity, code, *rest, **named)
        if "." in code:  # not a stand-in a test of the printer makes ("a")
            _MADE[(code, getattr(severity, "value", severity))] = None

    Diagnostic.__init__ = watched


def pytest_sessionfinish(session, exitstatus):
    from evaluator.catalogue import declared

    codes = declared()
    session.config.undeclared = [f"{code} ({severity})" for code, severity in sorted(_MADE)
                                 if severity not in codes.get(code, ())]
    if session.config.undeclared:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    undeclared = getattr(config, "undeclared", None)
    if undeclared:
        terminalreporter.write_line(
            "diagnostics made by the tests but not declared with that severity in "
            "evaluator/catalogue.py: " + ", ".join(undeclared) + ". Add each to CODES there "
            "(see tests/test_catalogue.py), then run "
            "`python -m evaluator.catalogue > docs/diagnostics.md`", red=True)


# The command with stderr on a terminal, a clock that moves 0.6 s each time it is read (the
# progress is shown every half second): a small unit shows its progress at once. ``before``:
# Python run first (a setting made small enough for a small unit to show it).
ON_A_TERMINAL = """
import itertools, sys, types
from evaluator import cli
{before}
ticks = itertools.count(0, 0.6)
cli.time = types.SimpleNamespace(monotonic=lambda: next(ticks))
cli.entry(sys.argv[1:])
"""


def run_on_a_terminal(command: list[str], cwd: Path, env: dict) -> tuple[int, bytes]:
    """``command`` run with stderr a pseudo-terminal: its exit code and what it showed there."""
    import os
    import pty
    import subprocess

    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=follower, cwd=cwd, env=env)
        os.close(follower)  # the child's copy alone: read to its end as it writes (diagnostics too)
        shown = b""
        while True:
            try:
                piece = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not piece:
                break
            shown += piece
        return process.wait(timeout=300), shown
    finally:
        os.close(leader)
