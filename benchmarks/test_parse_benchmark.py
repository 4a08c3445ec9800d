"""Parse throughput: unique strings (every call parses) and a real unit's repeated strings
(the cache keyed by the text answers most calls).

    python -m pytest benchmarks --benchmark-enable
"""

from __future__ import annotations

import pytest

from benchmarks.generate import generate
from evaluator.run import load_rule_set
from evaluator.vocabulary import Lexicon


def _targets_of(goals_text: str) -> list[str]:
    return [line.split(": ", 1)[1].strip("'") for line in goals_text.splitlines()
            if line.startswith("          指标")]


@pytest.fixture(scope="module")
def unit_targets() -> list[str]:
    goals, _ = generate(400)  # 10 000 indicators, drawn from the seed's forms
    return _targets_of(goals)


@pytest.fixture(scope="module")
def unique_strings(unit_targets) -> list[str]:
    # make every string unique while keeping its form: vary the number, then the unit's spacing
    return [f"≥{n}.{n % 100:02d}(次)" if i % 3 == 0 else
            f"{n}人以上" if i % 3 == 1 else f"$\\geq {n}\\text{{ (%)}}$"
            for i, n in enumerate(range(10_000, 20_000))]


def _read_all(strings: list[str]) -> None:
    """Every string through a fresh lexicon (nothing read yet): a run's cold start."""
    lexicon = Lexicon(load_rule_set()[0].vocabulary)
    for text in strings:
        lexicon.read(text)


def test_parse_unique_strings(benchmark, unique_strings):
    benchmark.pedantic(_read_all, args=(unique_strings,), rounds=3, iterations=1)
    benchmark.extra_info["strings"] = len(unique_strings)


def test_parse_a_units_repeated_strings(benchmark, unit_targets):
    benchmark.pedantic(_read_all, args=(unit_targets,), rounds=3, iterations=1)
    benchmark.extra_info["strings"] = len(unit_targets)
    benchmark.extra_info["distinct"] = len(set(unit_targets))
