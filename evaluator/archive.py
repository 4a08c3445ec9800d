"""The results archive: a SQLite file (``--archive FILE``) that keeps each unit's year, so that
next year's summary shows each unit's and project's change (DESIGN §12). Schema: docs/archive.md.

One table per record kind: ``units`` (a unit's year), ``projects`` (its scored projects) and
``exceptions`` (its exceptions list). A unit is known by its 实施单位 and a project, within its
unit, by its 项目编码 or else its name. Re-running a unit's year replaces that year's rows, in one
transaction. Amounts, scores and rates are exact decimals written as text.

The schema is versioned by ``PRAGMA user_version``: ``MIGRATIONS[n]`` takes a file at version n
to n + 1, in the transaction that opens it, so an archive written by an older Jixiao is brought
up to date on first use (a newer one is refused). Two runs writing one archive at once wait
for each other (WAL, a busy timeout, each unit's rows in one ``BEGIN IMMEDIATE`` transaction).
"""

from __future__ import annotations

import sqlite3
import stat
from decimal import Decimal
from pathlib import Path
from typing import Iterator

from .diagnostics import Diagnostic, error
from .saved_code import dataclass
from .summary import UnitSummary

SQLITE_MAGIC = b"SQLite format 3\x00"
WAIT_SECONDS = 60  # for another run's transaction to end

MIGRATIONS: tuple[str, ...] = (
    # 0 → 1: units and their projects
    """
    CREATE TABLE units (
        unit TEXT NOT NULL,               -- 实施单位
        year INTEGER NOT NULL,
        department TEXT NOT NULL,         -- 主管部门
        folder TEXT NOT NULL,             -- the folder it was read from
        rules TEXT NOT NULL,              -- the rule set's name
        funds_unit TEXT NOT NULL,         -- 元 or 万元, as the unit wrote; amounts here are 元
        projects INTEGER NOT NULL,        -- projects scored
        unscored INTEGER NOT NULL,        -- projects not scored because of errors
        adjusted TEXT NOT NULL,           -- Σ 全年预算数, 元
        executed TEXT NOT NULL,           -- Σ 全年执行数, 元
        average TEXT,                     -- plain average 总分 (NULL: no project scored)
        weighted_average TEXT,            -- average 总分 weighted by 全年预算数
        errors INTEGER NOT NULL,
        warnings INTEGER NOT NULL,
        recorded TEXT NOT NULL,           -- when, UTC, ISO 8601
        PRIMARY KEY (unit, year)
    );
    CREATE TABLE projects (
        unit TEXT NOT NULL,
        year INTEGER NOT NULL,
        number INTEGER NOT NULL,          -- its place in the unit's 申报表, from 1
        name TEXT NOT NULL,               -- 项目名称
        adjusted TEXT NOT NULL,           -- 全年预算数, 元
        executed TEXT NOT NULL,           -- 全年执行数, 元
        total TEXT NOT NULL,              -- 总分, adopted
        grade TEXT NOT NULL,              -- 自评等级
        PRIMARY KEY (unit, year, number)
    );
    """,
    # 1 → 2: project codes (a project keeps its code when renamed), the rule total and the
    # indicator achievement (NULL for the years kept before: not known), and the exceptions
    """
    ALTER TABLE projects ADD COLUMN code TEXT NOT NULL DEFAULT '';   -- 项目编码, or ''
    ALTER TABLE projects ADD COLUMN rule_total TEXT;                 -- 总分 by the rules
    ALTER TABLE projects ADD COLUMN achievement TEXT;                -- 指标得分率 (0–1)
    CREATE TABLE exceptions (
        unit TEXT NOT NULL,
        year INTEGER NOT NULL,
        number INTEGER NOT NULL,          -- its place in the unit's exceptions, from 1
        kind TEXT NOT NULL,               -- 自评得分比规则宽松 …
        project TEXT NOT NULL,            -- 项目名称, '' for the unit as a whole
        figure TEXT NOT NULL,             -- the amount concerned, in words
        position TEXT NOT NULL,           -- FILE:LINE:COL
        code TEXT NOT NULL,               -- the diagnostic's code
        message TEXT NOT NULL,
        PRIMARY KEY (unit, year, number)
    );
    """,
)
VERSION = len(MIGRATIONS)


class ArchiveProblem(Exception):
    """An archive that cannot be used (not SQLite, read-only, newer): exit 2."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("archive unusable")
        self.diagnostics = diagnostics


def _refused(code: str, message: str, hint: str | None = None) -> ArchiveProblem:
    return ArchiveProblem([error(code, message, hint=hint)])


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _rate(executed: str, adjusted: str) -> Decimal | None:
    """执行率, exact, from the amounts kept (as the summary computes it)."""
    budget = Decimal(adjusted)
    return Decimal(executed) / budget if budget else None


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class YearRow:
    """A unit's year as ``evaluate history`` shows it."""

    unit: str
    year: int
    projects: int
    unscored: int
    adjusted: Decimal
    executed: Decimal
    average: Decimal | None
    weighted_average: Decimal | None
    grades: tuple[tuple[str, int], ...]  # (等级, 项目数), as recorded
    exceptions: int
    rules: str


class Archive:
    def __init__(self, connection: sqlite3.Connection, path: Path):
        self.connection, self.path = connection, path

    @classmethod
    def open(cls, path: Path, *, writing: bool = True) -> "Archive":
        """Open (or create) an archive, brought to the current schema. Refused with a
        diagnostic (ArchiveProblem): a file that is not SQLite, one that cannot be written
        (its permissions say read-only, or SQLite finds it so), one a newer Jixiao wrote."""
        shown = str(path)
        if path.exists():
            if not path.is_file():
                raise _refused("archive.not_sqlite", f"归档“{shown}”不是文件")
            with open(path, "rb") as handle:
                head = handle.read(len(SQLITE_MAGIC))
            if head and head != SQLITE_MAGIC:
                raise _refused("archive.not_sqlite", f"归档文件“{shown}”不是 SQLite 数据库",
                               hint="请给出 evaluate summary --archive 写过的文件，或一个新文件名")
            # read-only by its permissions is refused even where they would not stop us (root)
            if writing and not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
                raise _refused("archive.read_only", f"归档文件“{shown}”是只读的，无法写入",
                               hint="请改用可写的副本，或去掉 --archive")
        try:
            if writing:
                connection = sqlite3.connect(path, timeout=WAIT_SECONDS, isolation_level=None)
            else:
                connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                                             timeout=WAIT_SECONDS, isolation_level=None)
            archive = cls(connection, path)
            archive._prepare(writing)
        except sqlite3.DatabaseError as problem:
            raise cls._problem(shown, problem) from None
        return archive

    @staticmethod
    def _problem(shown: str, problem: sqlite3.DatabaseError) -> ArchiveProblem:
        text = str(problem)
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            return _refused("archive.read_only", f"归档文件“{shown}”无法写入（{text}）",
                            hint="请改用可写的位置，或去掉 --archive")
        return _refused("archive.not_sqlite", f"归档文件“{shown}”不是可用的 SQLite 数据库（{text}）")

    def _prepare(self, writing: bool) -> None:
        db = self.connection
        db.execute("PRAGMA busy_timeout = %d" % (WAIT_SECONDS * 1000))
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > VERSION:
            raise _refused("archive.newer_version",
                           f"归档文件“{self.path}”由更新版本的 Jixiao 写入（版本 {version}，本程序认识到 "
                           f"{VERSION}）", hint="请升级 Jixiao")
        if not writing:
            if version < VERSION:
                raise _refused("archive.read_only",
                               f"归档文件“{self.path}”是旧版本（{version}），须先升级才能读取",
                               hint="用 evaluate summary --archive 写入一次即可升级")
            return
        if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.execute("PRAGMA journal_mode = WAL")  # readers do not wait for a writer
        db.execute("BEGIN IMMEDIATE")
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]  # another run's, meanwhile
            for number in range(version, VERSION):
                for statement in _statements(MIGRATIONS[number]):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number + 1}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.connection.close()

    # ---- writing --------------------------------------------------------------------------

    def record(self, unit: UnitSummary) -> None:
        """Keep a unit's year, replacing what an earlier run of the same year kept."""
        from datetime import datetime, timezone

        from .department import Tally

        assert unit.year is not None
        tally = Tally()
        for row in unit.projects:
            tally.add(row)
        key = (unit.unit, unit.year)
        db = self.connection
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                for table in ("units", "projects", "exceptions"):
                    db.execute(f"DELETE FROM {table} WHERE unit = ? AND year = ?", key)
                db.execute(
                    "INSERT INTO units VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*key, unit.department, unit.folder, unit.rules, unit.funds_unit,
                     tally.projects, len(unit.unscored), str(tally.adjusted),
                     str(tally.executed), _text(tally.average), _text(tally.weighted_average),
                     unit.errors, unit.warnings,
                     datetime.now(timezone.utc).isoformat(timespec="seconds")))
                db.executemany(
                    "INSERT INTO projects (unit, year, number, name, adjusted, executed, total,"
                    " grade, code, rule_total, achievement)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(*key, number, row.name, str(row.adjusted), str(row.executed),
                      str(row.total), row.grade, row.code, str(row.rule_total),
                      _text(row.achievement))
                     for number, row in enumerate(unit.projects, 1)])
                db.executemany(
                    "INSERT INTO exceptions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(*key, number, a.label, a.project, a.figure, a.position, a.code,
                      a.message) for number, a in enumerate(unit.anomalies, 1)])
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        except sqlite3.DatabaseError as problem:
            raise self._problem(str(self.path), problem) from None

    # ---- reading --------------------------------------------------------------------------

    def previous(self, unit: UnitSummary):
        """The unit's latest year before this one, for the summary's changes (or None)."""
        from .department import Previous

        db = self.connection
        found = db.execute(
            "SELECT year, average, weighted_average, adjusted, executed FROM units"
            " WHERE unit = ? AND year < ? ORDER BY year DESC LIMIT 1",
            (unit.unit, unit.year)).fetchone()
        if found is None:
            return None
        year, average, weighted, adjusted, executed = found
        projects = {}
        for name, code, total, grade, spent, budget in db.execute(
                "SELECT name, code, total, grade, executed, adjusted FROM projects"
                " WHERE unit = ? AND year = ? ORDER BY number", (unit.unit, year)):
            projects[code or name] = (Decimal(total), grade, _rate(spent, budget))
        return Previous(year, _decimal(average), _decimal(weighted), _rate(executed, adjusted),
                        projects)

    def units(self) -> list[str]:
        return [name for (name,) in self.connection.execute(
            "SELECT DISTINCT unit FROM units ORDER BY unit")]

    def years(self, unit: str) -> Iterator[YearRow]:
        db = self.connection
        for (year, projects, unscored, adjusted, executed, average, weighted,
             rules) in db.execute(
                "SELECT year, projects, unscored, adjusted, executed, average, weighted_average,"
                " rules FROM units WHERE unit = ? ORDER BY year", (unit,)).fetchall():
            grades = tuple(db.execute(
                "SELECT grade, COUNT(*) FROM projects WHERE unit = ? AND year = ?"
                " GROUP BY grade ORDER BY MIN(number)", (unit, year)).fetchall())
            exceptions = db.execute("SELECT COUNT(*) FROM exceptions WHERE unit = ? AND year = ?",
                                    (unit, year)).fetchone()[0]
            yield YearRow(unit, year, projects, unscored, Decimal(adjusted), Decimal(executed),
                          _decimal(average), _decimal(weighted), grades, exceptions, rules)

    def project_years(self, unit: str) -> list[tuple[str, dict[int, tuple[Decimal, str]]]]:
        """Each project of the unit (by code or name, as first written) with its 总分 and
        等级 by year."""
        table: dict[str, tuple[str, dict[int, tuple[Decimal, str]]]] = {}
        for year, name, code, total, grade in self.connection.execute(
                "SELECT year, name, code, total, grade FROM projects WHERE unit = ?"
                " ORDER BY year, number", (unit,)):
            entry = table.setdefault(code or name, (name, {}))
            entry[1][year] = (Decimal(total), grade)
        return list(table.values())


def _statements(script: str) -> list[str]:
    """A migration's statements (sqlite3's executescript would commit the transaction)."""
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line.split("--", 1)[0] + ("\n" if "--" in line else "")
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    return [s for s in statements if s.rstrip(";").strip()]

