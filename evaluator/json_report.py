"""The JSON contract of DESIGN §7 (decimals as strings), one project a line, written as text
from pieces: a province has millions of rows. Apart from report.py so that a JSON run makes
none of the report's view classes (report.py gives these names too)."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from .diagnostics import Diagnostic, Row, made_from_row
from .expression import Tier, kind_of
from .scoring import round_half_up

if TYPE_CHECKING:
    from .evaluation import Evaluation, IndicatorResult, ProjectResult
    from .goals import Goals
    from .memo import Memo
    from .rules import RuleSet
    from .run import Run


def rate_json(rate: Decimal | None) -> str | None:
    return None if rate is None else format(rate.quantize(Decimal("0.0001"), ROUND_HALF_UP), "f")


def diagnostic_text(d: Diagnostic) -> str:
    """``diagnostic_json`` as the document's encoder writes it, written out for the common
    case, a place with a line and a column: a messy unit has some 80 000 diagnostics, and the
    encoder took 4.7 µs for each against 1.5 so."""
    p = d.position
    if p is None or type(p.line) is not int or type(p.column) is not int:
        return _DUMPS(diagnostic_json(d))
    return _written(d.severity.value, d.code, d.message, d.hint, p.file, p.line, p.column)


def row_text(row: Row) -> str:
    """``diagnostic_text`` of a diagnostic's row (diagnostics.sorted_rows)."""
    file, line, column, code, message, severity, _length, hint = row
    if file is None or type(line) is not int or type(column) is not int:
        return diagnostic_text(made_from_row(row))
    return _written(severity, code, message, hint, file, line, column)


def _written(severity: str, code: str, message: str, hint: str | None, file: str, line: int,
             column: int) -> str:
    text = encode_basestring
    return (f'{{"severity": {text(severity)}, "code": {text(code)}, '
            f'"message": {text(message)}, "hint": {_nullable(hint)}, '
            f'"file": {text(file)}, "line": {line}, "column": {column}}}')


def diagnostic_texts(run: Run) -> Iterable[str | Diagnostic]:
    """A run's diagnostics for the document, in order: their JSON text, from their rows where
    the run has them so (Run.sorted_rows), else the diagnostics themselves."""
    rows = run.sorted_rows()
    return run.sorted_diagnostics() if rows is None else map(row_text, rows)


def diagnostic_json(d: Diagnostic) -> dict[str, Any]:
    p = d.position
    return {"severity": d.severity.value, "code": d.code, "message": d.message,
            "hint": d.hint, "file": p.file if p else None, "line": p.line if p else None,
            "column": p.column if p else None}


def _decimal(value: Decimal | None) -> str | None:
    """Scores and weights as the contract writes them: two decimals. They are rounded to the
    cent where they are made, so str() is the common, cheap path."""
    if value is None:
        return None
    text = str(value)
    if len(text) > 3 and text[-3] == ".":
        return text
    return format(round_half_up(value), "f")


def _nullable(text: str | None) -> str:
    return "null" if text is None else encode_basestring(text)


def _head_text(result: ProjectResult, grade: str) -> str:
    """A project's fields before its rows, as JSON text (see ``_rows_text``)."""
    project, budget, text = result.project, result.budget, encode_basestring
    return (f'{{"name": {text(project.name)}, "department": {text(project.department)}, '
            f'"unit": {text(project.unit)}, "total": {_nullable(_decimal(result.total))}, '
            f'"rule_total": {_nullable(_decimal(result.rule_total))}, "grade": {text(grade)}, '
            f'"self_total": {_nullable(_decimal(result.self_total))}, '
            f'"budget": {{"initial": {text(format(budget.initial, "f"))}, '
            f'"adjusted": {text(format(budget.adjusted, "f"))}, '
            f'"executed": {text(format(budget.executed, "f"))}, '
            f'"rate": {_nullable(rate_json(budget.rate))}, '
            f'"weight": {_nullable(_decimal(budget.weight))}, '
            f'"score": {_nullable(_decimal(budget.score))}, '
            f'"rule_score": {_nullable(_decimal(budget.rule_score))}, '
            f'"self_score": {_nullable(_decimal(budget.self_score))}, '
            f'"trace": {text(budget.trace)}, "flags": [{", ".join(map(text, budget.flags))}]'
            f'{_sources_text(result)}}}')


def _amount_text(value: Decimal | None) -> str:
    return "null" if value is None else f'"{format(value, "f")}"'


def _sources_text(result: ProjectResult) -> str:
    """``, "sources": {…}`` for the sources the actuals split the year's figures by (each with
    its 年初预算数 from the goals), or "" when they give none."""
    spec = result.actuals.spec
    if spec is None or not spec.budget.sources:
        return ""
    funds = result.project.funds
    parts = [f'"{s.key}": {{"initial": {_amount_text(getattr(funds, s.key))}, '
             f'"adjusted": {_amount_text(s.adjusted)}, "executed": {_amount_text(s.executed)}}}'
             for s in spec.budget.sources]
    return f', "sources": {{{", ".join(parts)}}}'



# a tier's JSON text: an Enum's .value is slow to read
_TIER_TEXTS: dict[Any, str] = {None: "null", **{t: encode_basestring(t.value) for t in Tier}}


def _scored_text(r: IndicatorResult, text: Callable[[str], str]) -> str:
    own, tier, flags, target = r.self_score, r.tier, r.flags, r.target
    own_text = "null" if own is None else f'"{str(own)}"'
    tier_text = _TIER_TEXTS[tier]
    # weights and scores are rounded to the cent where they are made, so str() writes them
    # with their two decimals; and a number's str() holds nothing JSON escapes
    return (f'"kind": {"null" if target is None else text(kind_of(target))}, '
            f'"weight": "{str(r.weight)}", "score": "{str(r.score)}", '
            f'"rule_score": "{str(r.rule_score)}", "self_score": {own_text}, '
            f'"tier": {tier_text}, "trace": {text(r.trace)}, '
            f'"flags": [{", ".join(map(text, flags)) if flags else ""}]')


def _rows_text(result: ProjectResult, scored: dict[Any, tuple[Decimal, str]],
               quoted: dict[str, str]) -> str:
    """The rows of a project as JSON text, written from pieces: a province has millions of
    rows, and a dict a row handed to the encoder costs twice the time. The text is what
    ``_DUMPS`` would write: its own string escaping, the same keys, order and separators.

    The part of a row from "kind" to "flags" is the same for every row scored the same way: by
    the same outcome (a run's outcomes are memoized: a province's 250 000 rows have some
    16 000) at the same weight, when the unit gives no score of its own; ``scored`` keeps it by
    outcome (the run's ``memo.row_texts``). A row with an own score is written afresh: keeping
    those by outcome and own score (a messy province's 45 000 own scores are some 15 000
    pairs) held 12 MB more at 5 000 messy projects, past the memory bound, for no time
    measurably saved. Weights are written to the cent, so equal weights print alike. The texts
    of a row (its names, target, actual, reason and measures: a province's million are a few
    thousand, the same objects once read, see goals._indicators_of) are escaped once each,
    kept in ``quoted`` (``memo.quoted``)."""
    rows = []
    append = rows.append
    text = encode_basestring
    known_text = quoted.get

    def learn(s: str) -> str:
        q = quoted[s] = text(s)
        return q

    for r in result.indicators:
        indicator, actual, outcome, weight = r.indicator, r.actual, r.outcome, r.weight
        if actual is not None:
            spec = actual.spec
            value, reason, measures = spec.actual, spec.reason, spec.measures
            value = known_text(value) or learn(value)
            reason = "null" if reason is None else known_text(reason) or learn(reason)
            measures = "null" if measures is None else known_text(measures) or learn(measures)
        else:
            value = reason = measures = "null"
        if r.self_score is None:
            known = scored.get(outcome)
            if known is not None and known[0] == weight:
                middle = known[1]
            else:
                middle = _scored_text(r, text)
                scored[outcome] = (weight, middle)
        else:  # not kept: a messy province's own scores would hold some 12 MB of texts
            middle = _scored_text(r, text)
        level1, level2, name, target = indicator[:4]
        append(f'{{"path": [{known_text(level1) or learn(level1)}, '
               f'{known_text(level2) or learn(level2)}, {known_text(name) or learn(name)}], '
               f'"target": {known_text(target) or learn(target)}, "actual": {value}, '
               f'{middle}, "reason": {reason}, "measures": {measures}}}')
    return ", ".join(rows)


_DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


def project_line(result: ProjectResult, rules: RuleSet | None, memo: Memo | None = None) -> str:
    """One project of the JSON contract, as one line (``memo``: the run's, whose row texts it
    reads and adds to)."""
    head = _head_text(result, rules.grade(result.total) if rules else "")
    scored, quoted = (memo.row_texts, memo.quoted) if memo is not None else ({}, {})
    return f'{head}, "indicators": [{_rows_text(result, scored, quoted)}]}}'


def json_chunks(rules: RuleSet | None, goals: Goals | None,
                project_lines: Iterable[str | bytes],
                diagnostics: Callable[[], Iterable[Diagnostic | str]]) -> Iterator[str | bytes]:
    """The JSON contract of DESIGN §7 (decimals as strings), one project a line, written as the
    projects are scored; ``diagnostics`` is asked for after the last project (each a Diagnostic,
    or its JSON text already: ``diagnostic_texts``). The text comes in
    chunks of about a million characters: a province is some 10 000 lines, and each write and
    each encoding has its cost. An item of ``project_lines`` may be bytes: several lines,
    joined by ",\n" and encoded already (a worker's slice, see parallel.py)."""
    return _batched(_json_pieces(rules, goals, project_lines, diagnostics))


_BATCH = 1 << 20  # characters


def _batched(pieces: Iterable[str | bytes]) -> Iterator[str | bytes]:
    batch: list[str] = []
    size = 0
    for piece in pieces:
        if type(piece) is bytes:  # encoded already: passed on as it is, in its place
            if batch:
                yield "".join(batch)
                batch, size = [], 0
            yield piece
            continue
        batch.append(piece)  # type: ignore[arg-type]
        size += len(piece)
        if size >= _BATCH:
            yield "".join(batch)
            batch, size = [], 0
    if batch:
        yield "".join(batch)


def _json_pieces(rules: RuleSet | None, goals: Goals | None,
                 project_lines: Iterable[str | bytes],
                 diagnostics: Callable[[], Iterable[Diagnostic | str]]) -> Iterator[str | bytes]:
    head = {"rules": rules.name if rules else None, "year": goals.year if goals else None,
            "unit": goals.unit if goals else None,
            "funds_unit": goals.funds_unit if goals else None}
    del goals  # its names would pin the memory --jobs hands over (parallel._hand_over)
    yield _DUMPS(head)[:-1] + ', "projects": ['
    separator = "\n"
    for line in project_lines:
        yield separator
        yield line
        separator = ",\n"
    yield '\n], "diagnostics": ['
    separator = "\n"
    for diagnostic in diagnostics():
        yield separator
        yield diagnostic if type(diagnostic) is str else diagnostic_text(diagnostic)
        separator = ",\n"
    yield "\n]}\n"


def to_json_data(evaluation: Evaluation) -> dict[str, Any]:
    return json.loads(render_json(evaluation))


def render_json(evaluation: Evaluation) -> str:
    from .memo import Memo

    memo = Memo()
    lines = (project_line(r, evaluation.rules, memo) for r in evaluation.projects)
    return "".join(json_chunks(evaluation.rules, evaluation.goals, lines,
                               lambda: evaluation.diagnostics))
