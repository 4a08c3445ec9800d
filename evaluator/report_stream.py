"""The shipped Markdown and HTML reports, written as the projects are scored (issue 19).

``StreamedReport`` is the template's ``report``: the same fields as ``ReportContext``, but its
``projects`` are read, scored and viewed one at a time as the template's loop asks for them,
and let go once the loop moves on. What the unit summary needs of a project (its summary row,
its total, what the charts draw: ``report.Tally``) is kept; the summary's fields are
worked out when the template first asks for one. The shipped templates ask after their loop
over the projects, so a province's report never holds more than one project's 自评表; a
template asking before (or in the loop) has the remaining projects scored and kept first, and
reads the same values. The charts and the diagnostics are made only when read (the Markdown
report shows neither).

With ``--jobs N`` each project's part of the report (the template's ``project`` block: the
自评表) is rendered in the worker that scores it, and sent back encoded with what the summary
takes of it (``project_part``); this process renders the rest of the same template around
those bytes (``_given``), in the 申报表's order: the same bytes as one process.

A user's templates (``--templates``) get a ``ReportContext`` built whole, as before: they may
read ``report.projects`` as often and in what order they like (formats.py).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import replace
from functools import cached_property, partial
from itertools import islice
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from .diagnostics import Diagnostic, format_diagnostic
from .report import (TEMPLATES, ProjectView, ReportContext, Tally, TallyEntry, environment,
                     project_view, project_views, unbroken_quantities)

if TYPE_CHECKING:
    import jinja2

    from .charts import Chart
    from .evaluation import Evaluation, ProjectResult
    from .run import Run

# a batch of projects' parts rendered by a worker (project_part), and the projects done so far
Parts = Iterable[tuple[list[tuple[bytes, TallyEntry]], int]]

# ReportContext's fields known before any project is scored: read at the top of a template
_HEADER = ("year", "department", "unit", "funds_unit", "rules_name", "rules_title",
           "has_budget_row", "explain", "submission")


class StreamedReport:
    """``ReportContext``'s fields for a template, the projects read as they are scored."""

    def __init__(self, run: Run, *, explain: bool = False, submission: bool = False,
                 parts: Callable[[Evaluation, SimpleNamespace], Parts] | None = None,
                 charted: bool = True):
        """``parts``: of the report's header and the run before any project, each project's
        part rendered already (``project_part``), which ``projects`` then gives in place of
        its view; by default the views, each made as the loop asks for it. ``charted``:
        whether the template draws the summary's charts (what each project gives them is
        made only then)."""
        self._run = run
        self._tally = Tally(run.memo.views)  # under the run memo's bound
        start = run.evaluation(())  # the headers', before any project
        head = replace(Tally().context(start, explain=explain and not submission),
                       submission=submission)
        for name in _HEADER:
            setattr(self, name, getattr(head, name))
        self._views: Iterator[Any]
        if parts is None:
            self._views = self._counted(project_views(start, run.results(), self._tally,
                                                      submission, charted))
        else:
            header = SimpleNamespace(**{name: getattr(head, name) for name in _HEADER})
            self._views = self._added(parts(start, header))
        self._ahead: deque[ProjectView] = deque()  # scored before the template asked for them
        self._read = False
        self._finished: ReportContext | None = None
        self.done = 0  # projects scored so far (the progress on a terminal)

    def _counted(self, views: Iterator[ProjectView]) -> Iterator[ProjectView]:
        for view in views:
            self.done += 1
            yield view

    def _added(self, batches: Parts) -> Iterator[bytes]:
        add = self._tally.add
        for batch, done in batches:
            self.done = done
            for part, entry in batch:
                add(entry)
                yield part

    @property
    def projects(self) -> Iterator[ProjectView]:
        """Each project's view, once: a template loops over them one time."""
        if self._read:
            raise RuntimeError("a streamed report's projects are read once")  # ours to keep
        self._read = True
        return self._projects()

    def _projects(self) -> Iterator[ProjectView]:
        ahead, views = self._ahead, self._views
        while True:
            if ahead:
                yield ahead.popleft()
                continue
            view = next(views, None)
            if view is None:
                return
            yield view

    def _summed(self) -> ReportContext:
        """The summary's fields, every project scored first (kept for the loop if it has not
        read them yet); its diagnostics and charts are made when read (below)."""
        if self._finished is None:
            self._ahead.extend(self._views)
            self._evaluation = self._run.evaluation((), self._tally.scored)
            self._finished = self._tally.context(replace(self._evaluation, diagnostics=()),
                                                 explain=self.explain)
        return self._finished

    def __getattr__(self, name: str) -> Any:  # a field of the summary (or none: Jinja says so)
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._summed(), name)

    @property
    def _graded(self) -> Evaluation:
        """Of the projects scored (none held), with every diagnostic of the run."""
        self._summed()
        return self._evaluation

    @cached_property
    def diagnostics(self) -> Sequence[str]:
        if self.submission:  # the hand-in version: they go to stderr only
            return ()
        return _Formatted(self._graded.diagnostics, self._graded.sources)

    @property
    def errors(self) -> int:
        return self._graded.errors

    @property
    def warnings(self) -> int:
        return self._graded.warnings

    @cached_property
    def charts(self) -> tuple[Chart, ...]:
        return () if self.submission else self._tally.charts(self._graded)


class _Formatted(Sequence[str]):
    """The run's diagnostics as the report prints them, each formatted as it is read: a messy
    province has some 80 000, whose text held at once took 90 MB."""

    def __init__(self, diagnostics: tuple[Diagnostic, ...], sources: dict[str, Any]):
        self._diagnostics, self._sources = diagnostics, sources

    def __len__(self) -> int:
        return len(self._diagnostics)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return tuple(self)[index]
        return format_diagnostic(self._diagnostics[index], self._sources)

    def __iter__(self) -> Iterator[str]:
        sources = self._sources
        return (format_diagnostic(d, sources) for d in self._diagnostics)


def _unbroken(value: Any, known: dict[str, Any]) -> Any:
    """``report.unbroken_quantities`` of a text, remembered: a unit's 指标值 and 实际完成值
    repeat (a generated unit's 1 000 projects have 2 300–3 000 distinct among 50 000), and
    escaping each and finding its quantities again was a third of rendering a 自评表."""
    if type(value) is not str:  # markup, or not text: as it comes
        return unbroken_quantities(value)
    markup = known.get(value)
    if markup is None:
        markup = known[value] = unbroken_quantities(value)
    return markup


def _given(context: jinja2.runtime.Context) -> Iterator[bytes]:
    """The ``project`` block of a template whose projects were rendered by the workers: the
    project's part as its worker encoded it (the loop's ``p``), written as it is."""
    yield context["p"]


def project_part(result: ProjectResult, *, template: jinja2.Template, header: SimpleNamespace,
                 evaluation: Evaluation, submission: bool, scored_parts: dict,
                 charted: bool = True) -> tuple[bytes, TallyEntry]:
    """A scored project's part of the report (the template's ``project`` block, rendered as its
    loop would: ``header`` is the report's fields known before any project), encoded, and what
    the summary takes of it: what a ``--jobs`` worker sends back."""
    view, entry = project_view(result, evaluation, submission, scored_parts, charted)
    block = template.blocks["project"]
    text = "".join(block(template.new_context({"report": header, "p": view})))
    return text.encode("utf-8"), entry


def streamed_chunks(run: Run, output_format: str, *, explain: bool = False,
                    submission: bool = False, jobs: int = 1
                    ) -> Iterator[tuple[str | bytes, int]]:
    """The shipped template rendered as the projects are scored: (about a megabyte of text,
    or of UTF-8 where workers rendered projects, projects done so far); by ``jobs`` processes
    when more than one (parallel.py)."""
    env = environment(html=output_format == "html")
    env.filters["unbroken"] = partial(_unbroken, known=run.memo.markup)
    template = env.get_template(TEMPLATES[output_format])
    charted = output_format == "html" and not submission  # the shipped templates' charts
    if jobs > 1:
        from .parallel import rendered_in_parallel

        def parts(start: Evaluation, header: SimpleNamespace) -> Parts:
            render = partial(project_part, template=template, header=header, evaluation=start,
                             submission=submission, scored_parts=run.memo.views,
                             charted=charted)
            return rendered_in_parallel(run, render, jobs, join=list)

        report = StreamedReport(run, explain=explain, submission=submission, parts=parts,
                                charted=charted)
        # the same template, its project block the workers' bytes (a block of the extending
        # template comes before the one it overrides)
        template = env.from_string('{%% extends "%s" %%}' % TEMPLATES[output_format])
        template.blocks["project"] = _given
    else:
        report = StreamedReport(run, explain=explain, submission=submission, charted=charted)
    pieces = template.generate(report=report)
    while True:  # taken and joined in C: a loop here over each piece cost a tenth of the run
        batch = list(islice(pieces, _PIECES))
        if not batch:
            return
        try:
            chunk: str | bytes = "".join(batch)
        except TypeError:  # projects the workers rendered among them
            chunk = b"".join(p if type(p) is bytes else p.encode("utf-8") for p in batch)
        yield chunk, report.done


_PIECES = 1 << 12  # of a template's output: some 25 a row of a 自评表 (a diagnostic is 3)

