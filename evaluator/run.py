"""The run that wires the stages: load → read → join → (per project) parse, weigh, score,
review → total.

``prepare`` loads a unit's two files (through the readers of inputs.py), reads their headers and
joins their projects; the ``Run`` it gives reads, scores and lets go of one project at a time as
``results`` is iterated, so a province's JSON is written without holding it all.
``evaluate_files`` is the whole of it, every result kept.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any, Iterator

from .actuals import Actuals, read_actuals_header, read_project_actuals
from .diagnostics import Diagnostic, Row, sort_key, sorted_rows, unpacked
from .evaluation import (Evaluation, ProjectResult, Scorers, check_level1, parse_actual,
                         parse_target, score_project)
from .goals import Goals, Project, ProjectRows, read_goals_header, read_project, readable_indicators
from .inputs import Inputs, LoadedDocument, unit_inputs
from .internals import loaded_data_settled, loading_data
from .join import join_indicators, join_projects
from .memo import Memo
from .rules import DEFAULT_RULES, RuleSet, load_rules
from .saved_code import dataclass
from .vocabulary import Lexicon


class RulesProblem(Exception):
    """A rule set that cannot be used: exit 2, with its diagnostics."""

    def __init__(self, diagnostics: list[Diagnostic], sources: dict[str, Any]):
        super().__init__("rule set error")
        self.diagnostics, self.sources = diagnostics, sources


def load_rule_set(reference: str = DEFAULT_RULES) -> tuple[RuleSet, Lexicon]:
    loaded, problems = load_rules(reference)
    if loaded.rules is None or problems:
        raise RulesProblem(problems, {d.path: d for d in loaded.documents})
    return loaded.rules, Lexicon(loaded.rules.vocabulary)


@dataclass
class Run:
    """The inputs of one run, with their headers read and their projects joined. Projects are
    read, scored and let go one at a time as ``results`` is iterated, so a province's JSON is
    written without holding it all."""

    rules: RuleSet
    lexicon: Lexicon
    goals: Goals | None
    actuals: Actuals | None
    pairs: dict[int, str]  # goals project index → actuals key
    diagnostics: list[Diagnostic]
    sources: dict[str, Any]
    only: str | None = None  # --project
    memo: Memo | None = None  # what the run remembers (memo.py): made with the lexicon's table
    scorers: Scorers | None = None  # made with the goals' year, on the first project
    releases_read_data: bool = True  # a project's raw data is let go once it is scored
    # the --jobs workers' diagnostics as they sent them (diagnostics.packed): made objects only
    # when asked for as objects (sorted_diagnostics), not to be sorted and written (sorted_rows)
    found: list[bytes] = field(default_factory=list)
    _sorted: tuple | None = field(default=None, repr=False)  # see sorted_diagnostics
    _rows: tuple | None = field(default=None, repr=False)  # see sorted_rows

    def __post_init__(self) -> None:
        if self.memo is None:
            self.memo = Memo(self.lexicon)

    @property
    def checking_only(self) -> bool:
        """A header in error in either file: every project is checked, none scored."""
        return bool(self.goals is not None and self.goals.checking_only
                    or self.actuals is not None and self.actuals.checking_only)

    def indexes(self) -> list[int]:
        """The goals projects this run covers, in the 申报表's order."""
        if self.goals is None:
            return []
        return [i for i, name in enumerate(self.goals.names)
                if self.only is None or name == self.only]

    def score_index(self, index: int) -> ProjectResult | None:
        """Read and score goals project ``index`` (None when there is nothing to score), then
        let its raw data go."""
        goals, actuals = self.goals, self.actuals
        assert goals is not None
        project, problems = read_project(goals, index)
        self.diagnostics += problems
        rows: Project | ProjectRows | None = project
        if project is None:  # its header in error: its rows are still told about
            rows, problems = readable_indicators(goals, index)
            self.diagnostics += problems
        if rows is not None:
            self.diagnostics += check_level1(rows, self.rules)
        key = self.pairs.get(index)
        project_actuals = None
        if key is not None and actuals is not None:
            project_actuals, problems = read_project_actuals(actuals, key)
            self.diagnostics += problems
        result = None
        if (project is not None and project_actuals is not None
                and project_actuals.spec is not None and not self.checking_only):
            if self.scorers is None:
                self.scorers = Scorers(self.rules, goals.year, self.memo)
            result, problems = score_project(project, project_actuals, self.rules,
                                             self.lexicon, goals.year, self.scorers)
            self.diagnostics += problems
            self.memo.settle()  # type: ignore[union-attr]
        elif rows is not None:  # nothing to score against: still check the targets
            for indicator in rows.indicators:
                self.diagnostics += parse_target(indicator, self.lexicon)[1]
            if project_actuals is not None:  # and the actuals, as far as they go
                self.diagnostics += join_indicators(rows, project_actuals, scored=False)[1]
                for actual in project_actuals.indicators:
                    self.diagnostics += parse_actual(actual, self.lexicon)[1]
        if self.releases_read_data:  # read and scored: the raw data is let go
            goals.document.take((index,))
            if key is not None and actuals is not None:
                actuals.document.take((key,))
        return result

    def check_unmatched(self) -> None:
        """Projects goals.yaml lacks have mistakes of their own: report those too."""
        actuals = self.actuals
        if actuals is None or self.only is not None:
            return
        paired = set(self.pairs.values())
        for name in actuals.names:
            if name not in paired and actuals.document.data["projects"].get(name):
                self.diagnostics += read_project_actuals(actuals, name)[1]

    def results(self) -> Iterator[ProjectResult]:
        for index in self.indexes():
            result = self.score_index(index)
            if result is not None:
                yield result
        self.check_unmatched()

    def add_found(self, found: bytes | list[Diagnostic]) -> None:
        """Diagnostics a --jobs worker found (diagnostics.packed)."""
        if isinstance(found, bytes):
            self.found.append(found)
        else:
            self.diagnostics += found

    def sorted_rows(self) -> list[Row] | None:
        """``sorted_diagnostics`` as rows (diagnostics.sorted_rows: the workers' never made
        objects), or None where they cannot be. Remembered until more are found."""
        diagnostics, found = self.diagnostics, self.found
        state = (len(diagnostics), diagnostics[-1] if diagnostics else None, len(found))
        known = self._rows
        if known is None or known[0] != state[0] or known[1] is not state[1] or known[2] != state[2]:
            self._rows = (*state, sorted_rows(diagnostics, found))
        return self._rows[3]

    def sorted_diagnostics(self) -> tuple[Diagnostic, ...]:
        """Every diagnostic once, in the order they are shown. Remembered until more are found:
        the JSON document and stderr each ask (80 000 of them for a messy province: 0.3 s)."""
        if self.found:
            for found in self.found:
                self.diagnostics += unpacked(found)
            self.found = []
        diagnostics = self.diagnostics
        last = diagnostics[-1] if diagnostics else None
        known = self._sorted
        if known is None or known[0] != len(diagnostics) or known[1] is not last:
            self._sorted = (len(diagnostics), last, tuple(sorted(set(diagnostics), key=sort_key)))
        return self._sorted[2]

    def evaluation(self, projects: tuple[ProjectResult, ...], scored: set[int] | None = None
                   ) -> Evaluation:
        """``scored``: the places of the projects scored, when ``projects`` does not hold them
        (a report written as they were scored: report.Tally)."""
        if scored is None:
            scored = {result.project.where[1] for result in projects}
        names = self.goals.names if self.goals is not None else ()
        unscored = tuple(names[i] or f"第 {i + 1} 个项目" for i in self.indexes()
                         if i not in scored)
        return Evaluation(self.rules, self.goals, projects, self.sorted_diagnostics(),
                          self.sources, unscored)


def prepare(goals_path: str, actuals_path: str | None, rules: RuleSet, lexicon: Lexicon,
            *, project: str | None = None, inputs: Inputs | None = None,
            long_lived: bool = False) -> Run:
    """Load both files (``inputs``: their reading begun already, for the same paths, perhaps
    by a child; see inputs.unit_inputs) and read their headers; join projects by name.
    ``long_lived``: the data loaded is to stay for the rest of the process (a command's run):
    the cyclic collector is kept from walking it (``loading_data``, ``loaded_data_settled``)."""
    diagnostics: list[Diagnostic] = []
    sources: dict[str, LoadedDocument] = {}
    if inputs is None:
        inputs = unit_inputs(goals_path, actuals_path)
    if long_lived:
        loading_data()
    try:
        loaded = inputs.documents()
    finally:
        inputs.close()  # done with already, unless reading ended in an exception
    goals_doc, problems = loaded[0]
    sources[goals_doc.path] = goals_doc
    diagnostics += problems
    goals = None
    if goals_doc.data is not None:
        goals, problems = read_goals_header(goals_doc)
        diagnostics += problems
    actuals = None
    if actuals_path is not None:
        actuals_doc, problems = loaded[1]
        sources[actuals_doc.path] = actuals_doc
        diagnostics += problems
        if actuals_doc.data is not None:
            actuals, problems = read_actuals_header(actuals_doc)
            diagnostics += problems
    pairs: dict[int, str] = {}
    if goals is not None and actuals is not None:
        pairs, problems = join_projects(goals, actuals)
        if project is not None:  # --project: the others' missing entries are not this run's
            problems = [p for p in problems if p.code not in (
                "actuals.missing_project", "actuals.unknown_project")]
        diagnostics += problems
    if long_lived:
        loaded_data_settled()
    return Run(rules, lexicon, goals, actuals, pairs, diagnostics, sources, project)


def evaluate_files(goals_path: str, actuals_path: str | None, rules: RuleSet, lexicon: Lexicon,
                   *, project: str | None = None) -> Evaluation:
    """Run every stage on the two files and keep every result."""
    run = prepare(goals_path, actuals_path, rules, lexicon, project=project)
    return run.evaluation(tuple(run.results()))
