"""The report formats: one table from a format's name to how it is rendered (DESIGN §5, §7).

``FORMATS`` drives ``evaluate GOALS ACTUALS --format NAME``: click takes its choices and their
help from it, the CLI asks it whether the format can only go to a file (``-o``), and renders
through it. Adding a format is one entry here and one module that writes it::

    def _pdf(job: Rendering) -> list[bytes]:
        from .pdf import render_pdf  # imported in the run that needs it, not at start-up

        return [render_pdf(job.context())]

    FORMATS["pdf"] = Format("pdf", "PDF", "可打印的自评表", "pdf", _pdf, needs_file=True)

A renderer takes a ``Rendering`` (the run, ready to be scored, and the options of the command)
and returns the report as chunks, ``str`` (written as UTF-8) or ``bytes``. It does its work when
called: a problem it raises (``TemplateProblem``) comes before anything is written. What it
returns may be lazy (JSON scores projects as it is written). Most formats start from
``job.context()``: every project scored, then the views of report.py (display strings, and
their exact values beside them as ``*_value``), built once. A new option of a format is a field
of ``Rendering`` and an option of ``cli.run``.

Nothing heavy is imported here: cli.py reads this table as ``evaluate --help`` starts.
"""

from __future__ import annotations

import itertools
from dataclasses import field, replace
from functools import partial
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from .saved_code import dataclass

if TYPE_CHECKING:
    from .run import Run
    from .report import ReportContext

Chunks = Iterable["str | bytes"]
# (a line of JSON or an encoded slice of lines, projects done so far) → what is written
Progress = Callable[[Iterable[tuple["str | bytes", int]], int], Iterable["str | bytes"]]


def _unannounced(lines: Iterable[tuple[str | bytes, int]], _total: int) -> Iterator[str | bytes]:
    return (line for line, _done in lines)


class OutputProblem(Exception):
    """A format this machine cannot write (a PDF without a browser to print it): the message
    says what to install, in Chinese. The run ends with exit 2 and nothing written."""


class TemplateProblem(Exception):
    """A template that cannot be rendered (a user's, from ``--templates``): its place and what
    is wrong, in Chinese. The run ends with exit 2 and nothing written."""


@dataclass
class Rendering:
    """What a renderer is given: the run and the options of the command."""

    run: Run
    explain: bool = False  # --explain: the trace of every score
    templates: str | None = None  # --templates: a folder overriding the shipped templates
    submission: bool = False  # --for-submission: the hand-in version (report.for_submission)
    jobs: int = 1  # processes sharing the projects
    browsers: int | None = None  # a PDF's browsers printing at once (None: as many as jobs)
    progress: Progress = _unannounced  # told of the projects done (a terminal's stderr)
    template_seconds: float = 10.0  # --template-timeout: a user's template, stopped after
    template_characters: int = 100 << 20  # --template-max-output: and past so much text
    _context: ReportContext | None = field(default=None, repr=False)

    def context(self) -> ReportContext:
        """Every project scored, then the one context object templates and writers read."""
        if self._context is None:
            from .report import build_context, for_submission

            self._context = build_context(self.run.evaluation(tuple(self.run.results())),
                                          explain=self.explain)
            if self.submission:
                self._context = for_submission(self._context)
        return self._context


@dataclass(frozen=True)
class Format:
    """An output format: its name on the command line, its words in messages and help, its
    writer (a docstring of its own: dataclasses would write one from its signature)."""

    name: str  # --format NAME
    label: str  # its short name in messages: "Excel 格式须用 -o …"
    description: str  # what it is, in the help of --format
    extension: str  # of its files, without the dot
    render: Callable[[Rendering], Chunks]
    needs_file: bool = False  # binary: written with -o only, never to a terminal

    def help(self) -> str:
        return f"{self.name}（{self.description}{'，须配合 -o' if self.needs_file else ''}）"


def _numbered(lines: Iterable[str]) -> Iterator[tuple[str, int]]:
    for done, line in enumerate(lines, 1):
        yield line, done


def _json(job: Rendering) -> Chunks:
    """Streamed as projects are scored (a province need not fit in memory twice), by
    ``job.jobs`` processes when more than one (parallel.py; the same bytes)."""
    from .json_report import diagnostic_texts, json_chunks, project_line

    run, rules = job.run, job.run.rules
    total = len(run.indexes())
    if job.jobs > 1:
        from .parallel import rendered_in_parallel

        lines = rendered_in_parallel(run, partial(project_line, rules=rules, memo=run.memo),
                                     job.jobs)
    else:
        lines = _numbered(project_line(r, rules, run.memo) for r in run.results())
    return json_chunks(rules, run.goals, job.progress(lines, total),
                       partial(diagnostic_texts, run))


def _templated(job: Rendering, name: str) -> Chunks:
    """A Jinja template of reports/, written as the projects are scored (report_stream.py); or
    of ``--templates``, rendered whole from ``job.context()`` before anything is written, within
    the limits of a user's template."""
    if job.templates is None:
        from .report_stream import streamed_chunks

        return job.progress(streamed_chunks(job.run, name, explain=job.explain,
                                            submission=job.submission, jobs=job.jobs),
                            len(job.run.indexes()))
    from .report import TemplateLimits, render

    context = job.context()
    limits = TemplateLimits(job.template_seconds, job.template_characters)
    try:
        return [render(context, name, job.templates, limits).encode("utf-8")]
    except UnicodeDecodeError:
        raise TemplateProblem("模板文件不是 UTF-8 编码") from None
    except Exception as problem:  # a user's template (1/0, a loop without end) too
        raise TemplateProblem(_template_problem(problem)) from None


def _template_problem(problem: Exception) -> str:
    """Where in which template, and what (Jinja's own words, which are English)."""
    import traceback
    from pathlib import Path

    from jinja2 import TemplateNotFound, TemplateSyntaxError

    where = ""
    if isinstance(problem, TemplateSyntaxError) and problem.lineno:
        where = f"{Path(problem.filename or problem.name or '?').name} 第 {problem.lineno} 行："
    else:  # Jinja rewrites a template's frames to the template's file and line
        frames = [f for f in traceback.extract_tb(problem.__traceback__)
                  if f.filename.endswith(".j2")]
        if frames:
            where = f"{Path(frames[-1].filename).name} 第 {frames[-1].lineno} 行："
    kind = {ZeroDivisionError: "除以零", RecursionError: "模板互相包含或递归过深",
            OverflowError: "范围过大"}.get(type(problem), "")
    detail = str(problem) or type(problem).__name__
    if isinstance(problem, TemplateNotFound):
        detail = (f"找不到模板“{problem.name}”（只读取模板目录与内置模板里的文件，"
                  "不跟随指向目录外的链接）")
    return where + (f"{kind}（{detail}）" if kind else detail)


def _xlsx(job: Rendering) -> Iterator[bytes]:
    """Written as the projects are scored, a sheet at a time (xlsx.py), by ``job.jobs``
    processes when more than one, as JSON is: a province's workbook is never held whole,
    nor its projects."""
    from .report import Tally
    from .xlsx import sheet_part, workbook_chunks

    run, cut = job.run, []
    start = run.evaluation(())
    head = replace(Tally().context(start), submission=job.submission)
    memo = run.memo
    lay_out = partial(sheet_part, head=head, evaluation=start, scored_parts=memo.views,
                      cells=memo.cells)
    if job.jobs > 1:
        from .parallel import rendered_in_parallel

        parts = rendered_in_parallel(run, lay_out, job.jobs, join=list)
    else:
        parts = (([lay_out(result)], done) for done, result in enumerate(run.results(), 1))
    yield from job.progress(workbook_chunks(
        head, parts, lambda tally: tally.context(run.evaluation((), tally.scored)), cut),
        len(run.indexes()))
    if cut:
        from .diagnostics import warning

        run.diagnostics.append(warning(
            "xlsx.text_cut", f"{len(cut)} 个单元格的文字超过 Excel 单元格的上限 32 767 字，已截断（以 … 结尾）："
            + "、".join(cut[:5]) + ("等" if len(cut) > 5 else ""),
            hint="完整的文字见 Markdown、HTML 或 JSON 格式的报告"))


def _pdf(job: Rendering) -> Chunks:
    """The HTML report printed to A4 by the user's Chromium, Chrome or Edge (printing.py): the
    shipped report of many projects in parts, ``job.browsers`` browsers at a time, told on a
    terminal as they are printed; a user's template whole (what it puts between projects is its
    own)."""
    from .printing import NO_BROWSER, PROJECTS_A_PRINT, PrintProblem, find_browser, print_report

    browser = find_browser()
    if browser is None:  # said before the projects are scored
        raise OutputProblem(NO_BROWSER)
    quiet = replace(job, progress=_unannounced)  # the printing is what takes the time
    html = "".join(c if isinstance(c, str) else c.decode("utf-8")
                   for c in _templated(quiet, "html"))
    projects_a_print = PROJECTS_A_PRINT if job.templates is None else len(job.run.indexes()) + 1
    pieces = print_report(html, browser, projects_a_print, job.progress,
                          job.jobs if job.browsers is None else job.browsers)
    try:  # printed whole before its first piece: a browser that fails leaves no half file
        first = next(pieces)
    except PrintProblem as problem:
        raise OutputProblem(str(problem)) from None
    return itertools.chain([first], pieces)  # the rest read from the printed file


def _docx(job: Rendering) -> Chunks:
    """The 自评报告 in Word, written as its chapters are rendered (word_report.py,
    word_stream.py: docxtpl, python-docx and lxml, imported there). What goes wrong in a
    user's template (1/0, a tag Jinja cannot read, its limits) is a TemplateProblem, before
    the first chunk or as the chunks are made (the CLI then removes what it began to write)."""
    from .word_report import docx_chunks

    def guarded(chunks: Iterable[tuple[bytes, int]]) -> Iterator[tuple[bytes, int]]:
        try:
            yield from chunks
        except Exception as problem:
            raise _word_problem(job, problem) from None

    try:
        chunks = docx_chunks(job)
        first = next(chunks)
    except Exception as problem:
        raise _word_problem(job, problem) from None
    return job.progress(guarded(itertools.chain([first], chunks)), len(job.run.indexes()))


def _word_problem(job: Rendering, problem: Exception) -> Exception:
    from jinja2 import TemplateError

    if job.templates is None and not isinstance(problem, TemplateError):
        return problem  # the shipped template's own fault: not the user's input
    return TemplateProblem("report.docx：" + _template_problem(problem))


FORMATS: dict[str, Format] = {f.name: f for f in [
    Format("md", "Markdown", "Markdown 自评表与单位汇总", "md", partial(_templated, name="md")),
    Format("html", "HTML", "网页，可打印", "html", partial(_templated, name="html")),
    Format("json", "JSON", "数据，供其他程序读取", "json", _json),
    Format("xlsx", "Excel", "Excel 工作簿", "xlsx", _xlsx, needs_file=True),
    Format("docx", "Word", "自评报告（Word），按公开的提纲逐个项目成章，附自评表", "docx", _docx,
           needs_file=True),
    Format("pdf", "PDF", "打印好的 A4 自评表，用本机的 Chromium、Chrome 或 Edge 生成", "pdf", _pdf,
           needs_file=True),
]}
