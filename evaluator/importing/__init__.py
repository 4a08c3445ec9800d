"""``evaluate import``: the 申报表 and the filled 自评表 as units have them → goals.yaml and
actuals.yaml (DESIGN §9).

    source file ─> reader (by kind) ─> tables of cells ─> layout ─> projects ─> writer ─> YAML
                   text · xlsx · xls/ods · docx · pdf      (labels, catalogue)    (comments)

One reader per kind of file, all behind one interface: ``read(raw, path) -> (SourceDocument,
diagnostics)``, raising ``Unreadable`` for a file that cannot be read at all. The reader is
chosen by the file's suffix, or by its first bytes when the suffix says nothing. A new format
is one function in ``READERS``. The YAML written is checked with the engine's own loaders.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..diagnostics import Diagnostic, Position, error, warning
from ..saved_code import dataclass
from .cells import SourceDocument, Unreadable
from .layout import Catalogue, Project, read_tables
from .writer import actuals_text, goals_text

Reader = Callable[[bytes, str], tuple[SourceDocument, list[Diagnostic]]]


def _text(raw: bytes, path: str) -> tuple[SourceDocument, list[Diagnostic]]:
    from .text import read_text

    document, encoding = read_text(raw, path, Path(path).suffix.lower())
    told = [warning("import.encoding", f"文件不是 UTF-8，按 {encoding} 读取", Position(path, 1, 1))] \
        if encoding else []
    return document, told


def _xlsx(raw: bytes, path: str) -> tuple[SourceDocument, list[Diagnostic]]:
    from .workbook import read_xlsx

    return read_xlsx(raw, path)


def _calamine(raw: bytes, path: str) -> tuple[SourceDocument, list[Diagnostic]]:
    from .workbook import read_calamine

    return read_calamine(raw, path)


def _docx(raw: bytes, path: str) -> tuple[SourceDocument, list[Diagnostic]]:
    from .word import read_docx

    return read_docx(raw, path)


def _pdf(raw: bytes, path: str) -> tuple[SourceDocument, list[Diagnostic]]:
    from .pdf import read_pdf

    return read_pdf(raw, path)


READERS: dict[str, Reader] = {
    ".xlsx": _xlsx, ".xlsm": _xlsx, ".xls": _calamine, ".ods": _calamine,
    ".docx": _docx, ".pdf": _pdf,
}


def reader_for(path: str, raw: bytes) -> Reader:
    suffix = Path(path).suffix.lower()
    if suffix in READERS:
        return READERS[suffix]
    if raw.startswith(b"%PDF"):
        return _pdf
    if raw.startswith(b"PK\x03\x04"):
        head = raw[:4096]
        return _docx if b"word/" in head else _xlsx
    if raw.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE file: Excel 97–2003
        return _calamine
    return _text


@dataclass(frozen=True)
class Imported:
    goals: str | None        # goals.yaml, None when nothing could be read
    actuals: str | None      # actuals.yaml, for sources that are filled 自评表
    projects: tuple[Project, ...]
    diagnostics: tuple[Diagnostic, ...]
    sources: dict[str, SourceDocument]
    unreadable: bool          # a source could not be read at all (exit 2)

    @property
    def inferred(self) -> int:
        return sum(len(i.notes) for p in self.projects for i in p.indicators) + \
            sum(len(p.notes) for p in self.projects)


def _combined(found: list[Project], diagnostics: list[Diagnostic]) -> list[Project]:
    """Several sources' projects as one unit's: a 申报表 and a 自评表 of the same project give
    its goals and its actuals; the same project twice otherwise is an error."""
    projects: list[Project] = []
    by_name: dict[str, Project] = {}
    for project in found:
        earlier = by_name.get(project.name)
        if earlier is None:
            by_name[project.name] = project
            projects.append(project)
        elif earlier.self_evaluation != project.self_evaluation:
            goals, actuals = (project, earlier) if earlier.self_evaluation else (earlier, project)
            goals.self_evaluation = True
            goals.budget, goals.summary, goals.total = actuals.budget, actuals.summary, actuals.total
            by_key = {(i.level2, i.name): i for i in actuals.indicators}
            for indicator in goals.indicators:
                done = by_key.get((indicator.level2, indicator.name))
                if done is not None:
                    for field in ("actual", "weight", "score", "reason", "measures"):
                        setattr(indicator, field, getattr(done, field))
            if goals is project:
                projects[projects.index(earlier)] = project
                by_name[project.name] = project
        else:
            diagnostics.append(error(
                "import.duplicate_project", f"项目“{project.name}”已在前面读到，这一份未导入",
                project.position, hint=f"先读到的在 {earlier.position}"))
    return projects


def import_sources(paths: list[str], level1_of: dict[str, tuple[str, ...]]) -> Imported:
    """Read every source, place their rows, and write the YAML texts (not the files)."""
    catalogue = Catalogue.of(level1_of)
    diagnostics: list[Diagnostic] = []
    documents: dict[str, SourceDocument] = {}
    found: list[Project] = []
    years: list[int] = []
    unreadable = False
    for path in paths:
        try:
            raw = Path(path).read_bytes()
        except OSError as problem:
            diagnostics.append(error("import.unreadable", f"无法读取 {path}：{problem.strerror}"))
            unreadable = True
            continue
        try:
            document, problems = reader_for(path, raw)(raw, path)
        except Unreadable as problem:
            diagnostics.append(error("import.unreadable", str(problem)))
            unreadable = True
            continue
        documents[path] = document
        diagnostics += problems
        projects, problems, year = read_tables(list(document.tables), catalogue, path)
        diagnostics += problems
        if not projects and not problems:
            diagnostics.append(warning(
                "import.no_project", f"{path} 中没有找到项目（没有“项目名称”一行）",
                hint="申报表和自评表都以“项目名称”开头；请确认这是申报表或自评表"))
        found += projects
        years += [year] if year else []
    if unreadable:
        return Imported(None, None, (), tuple(diagnostics), documents, True)
    projects = _combined(found, diagnostics)
    if not projects:
        return Imported(None, None, (), tuple(diagnostics), documents, False)
    year = _year(projects, years, diagnostics)
    units = {p.funds_unit for p in projects if p.funds_unit}
    funds_unit = sorted(units)[0] if units else "元"
    if len(units) > 1:
        diagnostics.append(error(
            "import.funds_unit", "各项目的金额单位不同（" + "、".join(sorted(units)) + "）",
            hint="goals.yaml 只有一个金额单位；请分别导入元和万元的表"))
    for project in projects:
        if "total" not in project.funds:
            diagnostics.append(error(
                "import.no_funds", f"项目“{project.name}”没有找到年度资金总额",
                project.position, hint="申报表写在“年度资金申请总额”旁，自评表写在“年度资金总额”一行"))
        if not project.indicators:
            diagnostics.append(error(
                "import.no_indicators", f"项目“{project.name}”没有找到指标表",
                project.position, hint="指标表的表头应有 三级指标、年度指标值"))
    sources = [str(p) for p in paths]
    goals = goals_text(projects, year, sources, funds_unit)
    evaluated = [p for p in projects if p.self_evaluation]
    actuals = actuals_text(evaluated, year, sources) if evaluated else None
    return Imported(goals, actuals, tuple(projects), tuple(diagnostics), documents, False)


def written_errors(paths: list[str], rules, lexicon) -> tuple[list[Diagnostic], dict]:
    """The engine's own errors over the files written (goals, then actuals if any): what it
    cannot read is said here, at the written YAML's lines, not at the first ``evaluate``."""
    from ..run import evaluate_files

    evaluation = evaluate_files(paths[0], paths[1] if len(paths) > 1 else None, rules, lexicon)
    return [d for d in evaluation.diagnostics if d.is_error], evaluation.sources


def _year(projects: list[Project], years: list[int], diagnostics: list[Diagnostic]) -> int | None:
    found = sorted({p.year for p in projects if p.year} | set(years))
    if len(found) > 1:
        diagnostics.append(warning(
            "import.years", "来源中有不止一个年度（" + "、".join(map(str, found)) + f"），按 {found[0]} 年写入"))
    if found:
        return found[0]
    starts = sorted({p.fields["start"][:4] for p in projects if p.fields.get("start")})
    if starts:
        for project in projects:
            project.notes.append(f"原表没有写年度，按计划开始日期取 {starts[0]} 年")
            break
        return int(starts[0])
    diagnostics.append(error("import.no_year", "来源中没有找到年度（如“（2024年度）”）",
                             hint="请在生成的 goals.yaml 中填写 year"))
    return None


__all__ = ["import_sources", "written_errors", "Imported", "READERS", "reader_for", "Unreadable"]
