"""evaluate summary --archive and evaluate history: the SQLite archive (evaluator/archive.py,
docs/archive.md). Changes from the previous year are worked out by hand below."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest
from click.testing import CliRunner

from evaluator.archive import MIGRATIONS, VERSION
from evaluator.cli import main
from tests.conftest import ROOT
from tests.test_summary import JIA_ACTUALS, JIA_GOALS, YI_ACTUALS, YI_GOALS, write_unit

# 甲 in 2023: 宣传推广 spends 90 000 of 100 000 (9.00), all else full: 99.00 优; 课题研究 spends
# all (10.00) and does 8 of 10 次 with a reason (50 × 8/10 = 40.00): 90.00 优.
JIA_2023_GOALS = JIA_GOALS.replace("year: 2024", "year: 2023")
JIA_2023_ACTUALS = JIA_ACTUALS.replace("year: 2024", "year: 2023").replace(
    "{adjusted: 100000.00, executed: 100000.00}", "{adjusted: 100000.00, executed: 90000.00}"
).replace("{adjusted: 200000.00, executed: 150000.00}",
          "{adjusted: 200000.00, executed: 200000.00}").replace(
    "      活动场次: 5次", "      活动场次: {actual: 8次, reason: 场地改造}")


@pytest.fixture
def years(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_unit(tmp_path / "2023" / "jia", JIA_2023_GOALS, JIA_2023_ACTUALS)
    write_unit(tmp_path / "2024" / "jia", JIA_GOALS, JIA_ACTUALS)
    write_unit(tmp_path / "2024" / "yi", YI_GOALS, YI_ACTUALS)
    return tmp_path


def summary(*args: str):
    return CliRunner().invoke(main, ["summary", *args])


def rows(path, query: str) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute(query).fetchall()


def test_rerunning_a_year_replaces_its_rows(years):
    for _attempt in range(3):
        assert summary("2024/jia", "2024/yi", "--archive", "a.db").exit_code == 1
    assert rows("a.db", "SELECT unit, year, projects, average, weighted_average FROM units"
                " ORDER BY unit") == [("乙单位", 2024, 2, "99.00", "98.67"),
                                      ("甲单位", 2024, 2, "86.25", "81.67")]
    assert rows("a.db", "SELECT COUNT(*) FROM projects") == [(4,)]
    assert rows("a.db", "SELECT COUNT(*) FROM exceptions") == [(6,)]
    assert rows("a.db", "PRAGMA user_version") == [(VERSION,)]
    assert rows("a.db", "SELECT name, code, adjusted, total, rule_total FROM projects"
                " WHERE unit = '乙单位' ORDER BY number") == [
        ("宣传推广", "", "500000.00", "100.00", "94.00"),  # 50 万元 kept in 元
        ("平台运维", "31000024T000002", "1000000.00", "98.00", "96.89")]


def test_the_summary_shows_the_change_from_the_previous_year(years):
    assert summary("2023/jia", "--archive", "a.db").exit_code == 0
    result = summary("2024/jia", "2024/yi", "--archive", "a.db", "--format", "json")
    data = json.loads(result.stdout)
    jia, yi = data["units"]
    # 2023: (99 + 90) / 2 = 94.50; (99 × 100 000 + 90 × 200 000) / 300 000 = 93.00; 290 000 of
    # 300 000. 2024: 86.25, 81.67, 250 000 of 300 000 (83.33…% − 96.66…% = −13.33…)
    assert (jia["previous_year"], jia["average_change"], jia["weighted_change"],
            jia["rate_change"]) == ("2023", "-8.25", "-11.33", "-13.33 个百分点")
    assert (yi["previous_year"], yi["average_change"]) == ("", "")  # none kept before
    changes = [(p["name"], p["total_change"], p["grade_change"], p["rate_change"])
               for p in data["projects"]]
    assert changes == [
        ("宣传推广", "+1.00", "持平", "+10.00 个百分点"),  # 99.00 → 100.00, 90% → 100%
        ("课题研究", "-17.50", "优→中", "-25.00 个百分点"),  # 90.00 → 72.50, 100% → 75%
        ("宣传推广", "", "", ""), ("平台运维", "", "", "")]
    assert data["has_history"] is True
    markdown = summary("2024/jia", "--archive", "a.db").stdout
    assert "| 甲单位 | 宣传推广 |  | 100,000.00 | 100.00% | 100.00% | 100.00 | 100.00 | 优 | +1.00 | 持平 |" \
        in markdown


def test_history_prints_a_units_years(years):
    summary("2023/jia", "--archive", "a.db")
    summary("2024/jia", "2024/yi", "--archive", "a.db")
    result = CliRunner().invoke(main, ["history", "a.db", "--unit", "甲单位"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "## 甲单位" and "乙单位" not in result.stdout
    # 2023's one exception: 宣传推广's indicators 100% against 90% executed
    assert lines[4] == ("| 2023 | mof-2020 | 2 | 0 | 300,000.00 | 290,000.00 | 96.67% | 94.50 "
                        "| 93.00 | 优 2 | 1 |")
    assert lines[5] == ("| 2024 | mof-2020 | 2 | 0 | 300,000.00 | 250,000.00 | 83.33% | 86.25 "
                        "| 81.67 | 优 1，中 1 | 1 |")
    assert "| 课题研究 | 90.00 优 | 72.50 中 |" in lines
    (years / "a.db").chmod(0o444)  # read-only: still read
    assert CliRunner().invoke(main, ["history", "a.db"]).stdout == \
        CliRunner().invoke(main, ["history", "a.db", "--unit", "乙单位", "--unit", "甲单位"]).stdout
    unknown = CliRunner().invoke(main, ["history", "a.db", "--unit", "甲单"])
    assert unknown.exit_code == 2 and "归档中没有单位“甲单”；是否为“甲单位”？" in unknown.stderr


def test_an_archive_of_the_first_version_is_migrated(years):
    with sqlite3.connect("old.db") as db:  # as a Jixiao of schema 1 left it
        db.executescript(MIGRATIONS[0])
        db.execute("INSERT INTO units VALUES ('甲单位', 2023, '', '2023/jia', 'mof-2020', '元', 2,"
                   " 0, '300000.00', '290000.00', '94.50', '93.00', 0, 0, '2024-01-10T00:00:00')")
        db.execute("INSERT INTO projects VALUES ('甲单位', 2023, 1, '宣传推广', '100000.00',"
                   " '90000.00', '99.00', '优')")
        db.execute("PRAGMA user_version = 1")
    data = json.loads(summary("2024/jia", "--archive", "old.db", "--format", "json").stdout)
    assert rows("old.db", "PRAGMA user_version") == [(2,)]
    assert data["units"][0]["average_change"] == "-8.25"
    assert [(p["total_change"], p["rate_change"]) for p in data["projects"]] == [
        ("+1.00", "+10.00 个百分点"), ("新项目", "")]
    # what schema 1 did not keep stays unknown, not made up
    assert rows("old.db", "SELECT year, code, rule_total FROM projects ORDER BY year, number")[0] \
        == (2023, "", None)
    assert rows("old.db", "SELECT COUNT(*) FROM exceptions") == [(1,)]


def test_two_processes_writing_one_archive_at_once(years):
    folders = ["2024/jia", "2024/yi"] * 4  # each writes every unit's year four times
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [subprocess.Popen([sys.executable, "-m", "evaluator", "summary", *folders, "--jobs",
                              "1", "--archive", "shared.db", "-o", f"{number}.md"],
                             cwd=years, env=environment, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE) for number in (1, 2)]
    for run in runs:
        _out, err = run.communicate(timeout=300)
        assert run.returncode == 1, err.decode()  # 乙's stated total: an error, nothing else
        assert b"Traceback" not in err and b"archive." not in err
    assert rows("shared.db", "PRAGMA integrity_check") == [("ok",)]
    assert rows("shared.db", "SELECT unit, year FROM units ORDER BY unit") == [
        ("乙单位", 2024), ("甲单位", 2024)]
    assert rows("shared.db", "SELECT COUNT(*) FROM projects") == [(4,)]
    assert rows("shared.db", "SELECT COUNT(*) FROM exceptions") == [(6,)]


@pytest.mark.parametrize("make, code", [
    (lambda path: path.write_text("这不是数据库\n", encoding="utf-8"), "archive.not_sqlite"),
    (lambda path: path.write_bytes(b"PK\x03\x04" + bytes(200)), "archive.not_sqlite"),
    (lambda path: (sqlite3.connect(path).execute("PRAGMA user_version = 99"), path.chmod(0o644)),
     "archive.newer_version"),
    (lambda path: (sqlite3.connect(path).execute("CREATE TABLE t (x)"), path.chmod(0o444)),
     "archive.read_only"),
])
def test_an_archive_that_cannot_be_used_is_refused_untouched(years, make, code):
    path = years / "bad.db"
    make(path)
    before = path.read_bytes()
    result = summary("2024/jia", "--archive", "bad.db", "-o", "out.md")
    assert result.exit_code == 2
    assert f"error[{code}]" in result.stderr and "“bad.db”" in result.stderr
    assert "Traceback" not in result.stderr and not (years / "out.md").exists()
    assert path.read_bytes() == before
    if code != "archive.read_only":  # history reads a read-only archive; the others it refuses
        history = CliRunner().invoke(main, ["history", "bad.db"])
        assert history.exit_code == 2 and f"error[{code}]" in history.stderr
