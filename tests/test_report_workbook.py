"""The report workbook of a unit of a few hundred projects (written a sheet at a time, by one
process or by workers): every project's sheet reads back with the scores the JSON report
gives, the summary sheet with every project's total, and progress is told on a terminal only."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from benchmarks.generate import generate
from tests.conftest import example_told

PROJECTS = 200


@pytest.fixture(scope="module")
def unit(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("unit")
    goals, actuals = generate(PROJECTS, mess=0.3)
    (folder / "goals.yaml").write_text(goals, encoding="utf-8")
    (folder / "actuals.yaml").write_text(actuals, encoding="utf-8")
    return folder


def _evaluate(unit: Path, *options: str, stderr=subprocess.PIPE) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "evaluator", str(unit / "goals.yaml"),
                           str(unit / "actuals.yaml"), *options], stderr=stderr,
                          stdout=subprocess.PIPE, timeout=600)


def test_every_projects_scores_read_back_from_the_workbook(unit, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    made = {}
    for jobs in ("1", "2"):
        made[jobs] = _evaluate(unit, "--format", "xlsx", "-o", str(tmp_path / f"{jobs}.xlsx"),
                               "--jobs", jobs)
        assert made[jobs].returncode in (0, 1), made[jobs].stderr.decode()[-2000:]
    # the workers' workbook is the one process's, byte for byte, with the same diagnostics
    assert (tmp_path / "1.xlsx").read_bytes() == (tmp_path / "2.xlsx").read_bytes()
    assert made["1"].stderr == made["2"].stderr
    report = json.loads(_evaluate(unit, "--format", "json", "--jobs", "1").stdout)
    with zipfile.ZipFile(tmp_path / "1.xlsx") as package:
        assert package.testzip() is None
    book = openpyxl.load_workbook(tmp_path / "1.xlsx", read_only=True, data_only=True)
    names = book.sheetnames
    assert names[0] == "单位汇总" and len(names) == PROJECTS + 1 == len(report["projects"]) + 1
    for title, project in zip(names[1:], report["projects"]):
        rows = list(book[title].iter_rows(values_only=True))
        assert rows[2][2] == project["name"]
        by_name = {row[3]: row for row in rows if row[3] is not None}
        for indicator in project["indicators"]:
            cells = by_name[indicator["path"][-1]]
            assert Decimal(str(cells[6])) == Decimal(indicator["weight"]), (title, indicator)
            assert Decimal(str(cells[7])) == Decimal(indicator["score"]), (title, indicator)
        total = next(row for row in rows if row[1] == "总分")
        assert Decimal(str(total[7])) == Decimal(project["total"]), title  # the formula's value
    summary = list(book["单位汇总"].iter_rows(values_only=True))
    totals = [(row[0], Decimal(str(row[4]))) for row in summary[3:3 + PROJECTS]]
    assert totals == [(p["name"], Decimal(p["total"])) for p in report["projects"]]
    book.close()


def test_progress_is_told_on_a_terminal_only(tmp_path):
    """A clock that moves 0.6 s a reading (the line is redrawn every half second or more):
    on a terminal the line says how many projects are done; into a file, nothing."""
    clocked = ("import itertools, sys, time\n"
               "ticks = itertools.count(0, 0.6)\n"
               "time.monotonic = lambda: next(ticks)\n"
               "from evaluator.cli import main\n"
               "sys.argv[0] = 'evaluate'\n"
               "main()\n")
    goals, actuals = generate(12)
    (tmp_path / "goals.yaml").write_text(goals, encoding="utf-8")
    (tmp_path / "actuals.yaml").write_text(actuals, encoding="utf-8")
    args = [sys.executable, "-c", clocked, str(tmp_path / "goals.yaml"),
            str(tmp_path / "actuals.yaml"), "--format", "xlsx", "--jobs", "1"]
    primary, secondary = pty.openpty()
    with subprocess.Popen([*args, "-o", str(tmp_path / "tty.xlsx")], stderr=secondary,
                          stdout=subprocess.DEVNULL) as process:
        os.close(secondary)
        told = b""
        while True:
            try:
                piece = os.read(primary, 65536)
            except OSError:  # the terminal's other end closed: the run is over
                break
            if not piece:
                break
            told += piece
    os.close(primary)
    assert process.returncode in (0, 1)
    terminal = told.decode("utf-8", "replace")
    assert "已完成 1/12 个项目" in terminal and "已完成 11/12 个项目" in terminal
    with open(tmp_path / "err.txt", "wb") as err:
        piped = subprocess.run([*args, "-o", str(tmp_path / "file.xlsx")], stderr=err,
                               stdout=subprocess.DEVNULL, timeout=600)
    assert piped.returncode in (0, 1)
    assert "已完成" not in (tmp_path / "err.txt").read_text(encoding="utf-8")
    # the same workbook either way
    assert (tmp_path / "tty.xlsx").read_bytes() == (tmp_path / "file.xlsx").read_bytes()


def test_a_package_of_more_than_65_535_parts_is_read_whole(tmp_path):
    """ZIP's end record counts entries in 16 bits: past that, ZIP64's records count them (a
    province of 70 000 projects is a workbook of as many sheets)."""
    from evaluator.spreadsheet import Package, Styles

    package = Package(Styles())
    chunks = []
    for number in range(1, 70_001):
        package.write_sheet(number, f"<x>{number}</x>".encode())
        if number % 10_000 == 0:
            chunks.append(package.taken())
    chunks.append(package.finish([]))
    (tmp_path / "many.zip").write_bytes(b"".join(chunks))
    with zipfile.ZipFile(tmp_path / "many.zip") as many:
        names = many.namelist()
        assert len(names) == 70_000 + 7  # the sheets, the workbook's parts
        assert many.read("xl/worksheets/sheet65536.xml") == b"<x>65536</x>"
        assert many.read("xl/worksheets/sheet70000.xml") == b"<x>70000</x>"


@pytest.mark.parametrize("options, traces", [(["--format", "xlsx"], 0),
                                             (["--format", "md", "--explain"], 197)])
def test_the_workbook_writes_no_rows_trace(tmp_path, options, traces):
    """How a row's score was computed, in words, is written out when it is read (scoring.Outcome):
    the workbook shows none and writes none, where Markdown writes the 197 of the example that
    scoring left to be written."""
    counting = ("from evaluator import scoring\n"
                "written, trace = [], scoring.Outcome.trace.fget\n"
                "def counted(outcome):\n"
                "    if type(outcome._trace) is not str:  # not written yet\n"
                "        written.append(outcome)\n"
                "    return trace(outcome)\n"
                "scoring.Outcome.trace = property(counted)\n")
    assert example_told(tmp_path, options, counting, "len(written)") == str(traces)
