"""Mutated versions of the shipped example never crash the engine and never give a diagnostic
without a true position, and what is scored still adds up.

A mutation is what a hurried edit does to a YAML file: a line deleted, duplicated or swapped
with another, a character deleted, inserted or replaced by one that matters to YAML (``: - # ' "
[ ] { } > | & * \\t``), an ideographic space, a sign, a unit, a percent or a digit.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluator.cli import main
from evaluator.diagnostics import format_all
from evaluator.evaluation import Evaluation
from evaluator.run import evaluate_files, load_rule_set
from tests.conftest import EXAMPLE

GOALS = (EXAMPLE / "goals.yaml").read_text(encoding="utf-8")
ACTUALS = (EXAMPLE / "actuals.yaml").read_text(encoding="utf-8")
POOL = list(":-#'\"[]{}>|&*\t\u3000≥次%") + list("0123456789")
CENT = Decimal("0.01")
RULES = load_rule_set()

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@dataclass(frozen=True)
class Mutation:
    kind: str
    line: int
    other: int = 0  # a second line (swap) or a column (character edits)
    char: str = ""

    def apply(self, text: str) -> str:
        lines = text.split("\n")
        n = self.line % len(lines)
        if self.kind == "delete line":
            del lines[n]
        elif self.kind == "duplicate line":
            lines.insert(n, lines[n])
        elif self.kind == "swap lines":
            m = self.other % len(lines)
            lines[n], lines[m] = lines[m], lines[n]
        else:
            line = lines[n]
            column = self.other % (len(line) + 1)
            if self.kind == "delete char":
                line = line[:column] + line[column + 1:]
            elif self.kind == "insert char":
                line = line[:column] + self.char + line[column:]
            else:  # replace char
                line = line[:column] + self.char + line[column + 1:]
            lines[n] = line
        return "\n".join(lines)


mutations = st.builds(
    Mutation,
    kind=st.sampled_from(["delete line", "duplicate line", "swap lines", "delete char",
                          "insert char", "replace char"]),
    line=st.integers(0, 10_000),  # taken modulo the line count: every line equally likely
    other=st.integers(0, 10_000),
    char=st.sampled_from(POOL),
)

edits = st.tuples(st.lists(mutations, max_size=3), st.lists(mutations, max_size=3)).filter(
    lambda pair: pair[0] or pair[1])


def mutate(text: str, changes: list[Mutation]) -> str:
    for change in changes:
        text = change.apply(text)
    return text


def write(folder: Path, goals: str, actuals: str) -> tuple[Path, Path]:
    goals_path, actuals_path = folder / "goals.yaml", folder / "actuals.yaml"
    goals_path.write_text(goals, encoding="utf-8")
    actuals_path.write_text(actuals, encoding="utf-8")
    return goals_path, actuals_path


@SETTINGS
@given(edits)
def test_mutated_example_is_evaluated_with_positioned_diagnostics(pair):
    goals_changes, actuals_changes = pair
    texts = {"goals.yaml": mutate(GOALS, goals_changes),
             "actuals.yaml": mutate(ACTUALS, actuals_changes)}
    with tempfile.TemporaryDirectory(prefix="mutation.") as folder:
        goals_path, actuals_path = write(Path(folder), texts["goals.yaml"], texts["actuals.yaml"])
        evaluation = evaluate_files(str(goals_path), str(actuals_path), *RULES)
        lines_of = {str(goals_path): texts["goals.yaml"].split("\n"),
                    str(actuals_path): texts["actuals.yaml"].split("\n")}

        assert isinstance(evaluation, Evaluation)
        for diagnostic in evaluation.diagnostics:
            position = diagnostic.position
            assert position is not None, diagnostic
            assert position.file in lines_of, diagnostic
            lines = lines_of[position.file]
            assert 1 <= position.line <= len(lines), diagnostic
            assert 1 <= position.column <= len(lines[position.line - 1]) + 1, (
                diagnostic, lines[position.line - 1])

        for project in evaluation.projects:
            rows = [project.budget, *project.indicators]
            for row in rows:
                assert row.rule_score == row.rule_score.quantize(CENT), (project.project.name, row)
            assert project.total == sum((row.score for row in rows), Decimal(0))
            assert project.rule_total == sum((row.rule_score for row in rows), Decimal(0))

        format_all(evaluation.diagnostics, evaluation.sources)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits)
def test_mutated_example_through_the_command_line(pair):
    goals_changes, actuals_changes = pair
    with tempfile.TemporaryDirectory(prefix="mutation.") as folder:
        goals_path, actuals_path = write(Path(folder), mutate(GOALS, goals_changes),
                                         mutate(ACTUALS, actuals_changes))
        result = CliRunner().invoke(main, ["check", str(goals_path), str(actuals_path)])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            result.exception)
        assert result.exit_code in (0, 1)
        assert "Traceback" not in result.output


def test_the_mutation_operators():
    text = "a: 1\nb: 2\nc: 3"
    assert Mutation("delete line", 1).apply(text) == "a: 1\nc: 3"
    assert Mutation("duplicate line", 0).apply(text) == "a: 1\na: 1\nb: 2\nc: 3"
    assert Mutation("swap lines", 0, 2).apply(text) == "c: 3\nb: 2\na: 1"
    assert Mutation("delete char", 1, 1).apply(text) == "a: 1\nb 2\nc: 3"
    assert Mutation("insert char", 2, 3, "≥").apply(text) == "a: 1\nb: 2\nc: ≥3"
    assert Mutation("replace char", 0, 3, "\t").apply(text) == "a: \t\nb: 2\nc: 3"


def test_an_empty_key_beside_a_repeated_key(tmp_path):
    # found by the property above: an empty key (a line `:`) in a file that also repeats a key
    # once made the duplicate-key search call bytes(None)
    goals_path, actuals_path = write(tmp_path, GOALS, ACTUALS.replace(
        "year: 2024\n", "year: 2024\n: 空键\nyear: 2024\n", 1))
    evaluation = evaluate_files(str(goals_path), str(actuals_path), *RULES)
    assert "yaml.duplicate_key" in {d.code for d in evaluation.diagnostics}
