"""The cost of every stage: scoring one indicator of each kind, scoring a unit's rows, one
project end to end, and loading.

    python -m pytest benchmarks --benchmark-enable
"""

from __future__ import annotations

import gc
import time
from decimal import Decimal
from pathlib import Path

import pytest

from benchmarks.generate import generate
from benchmarks.scoring_rate import scorable_rows
from evaluator.evaluation import Scorers
from evaluator.internals import loaded_data_settled
from evaluator.run import evaluate_files, load_rule_set, prepare
from evaluator.scoring import score_row
from evaluator.source import load_document

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "shanghai-wcd-2024"

KINDS = {  # one indicator of each kind: (target, actual)
    "positive-short": ("≥2000.00(人)", "1850人"),
    "positive-over": ("≥800.00(人次)", "1260人次"),
    "reverse": ("≤5.00(个)", "6个"),
    "equal-rate": ("=100.00(%)", "95%"),
    "zero": ("=0.00(次)", "0次"),
    "scaled-latex": ("$\\geq 20.00\\text{ (万人次)}$", "250000人次"),
    "range": ("80%-90%", "93%"),
    "deadline": ("2024年12月底前", "2024年11月30日"),
    "trend": ("显著提升", "逐渐提升"),
    "state": ("规范", "基本规范"),
    "event": ("按时完成", "延期完成"),
    "tier-word": ("有利于宣传推广《上海手册》", "部分达成"),
}


@pytest.fixture(scope="module")
def engine():
    return load_rule_set()


@pytest.mark.parametrize("kind", list(KINDS))
def test_score_one_indicator(benchmark, engine, kind):
    rules, lexicon = engine
    target, actual = (lexicon.read(text) for text in KINDS[kind])
    weight = Decimal("3.75")
    outcome = benchmark(score_row, target, actual, weight, rules, year=2024)
    assert Decimal(0) <= outcome.score <= weight


@pytest.fixture(scope="module")
def unit_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("unit")
    goals, actuals = generate(1000)  # 25 000 indicators
    (folder / "goals.yaml").write_text(goals, encoding="utf-8")
    (folder / "actuals.yaml").write_text(actuals, encoding="utf-8")
    return folder / "goals.yaml", folder / "actuals.yaml"


@pytest.fixture(scope="module")
def unit_rows(unit_files):
    """A unit's 25 000 scorable rows as a run sees them (see benchmarks/scoring_rate.py)."""
    return scorable_rows(str(unit_files[0]), str(unit_files[1]))[0]


@pytest.fixture
def settled():
    """The collector as a run sets it once the files are loaded, put back afterwards."""
    threshold = gc.get_threshold()
    loaded_data_settled()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_scoring_a_units_rows(benchmark, engine, unit_rows, settled):
    """Scoring alone, from cold, as a run does it: each distinct target compiled once, each
    distinct (target, actual, weight, direction) scored once and the other rows taken from
    the memo; no reading, no reporting, traces not written."""
    rules, _lexicon = engine

    def score_all():
        scorers, memo = Scorers(rules, 2024), {}
        for target_text, actual_text, weight, direction, target, value in unit_rows:
            key = (target_text, actual_text, weight, direction)
            if key not in memo:
                memo[key] = scorers.of(target_text, direction, target)(value, weight)
        return len(memo)

    distinct = benchmark.pedantic(score_all, rounds=5, iterations=1)
    benchmark.extra_info.update(rows=len(unit_rows), distinct=distinct)


def test_scoring_every_row(benchmark, engine, unit_rows, settled):
    """Scoring alone without the memo: every row through its target's compiled scorer."""
    rules, _lexicon = engine
    scorers = Scorers(rules, 2024)
    compiled = [(scorers.of(t, d, target), value, weight)
                for t, _a, weight, d, target, value in unit_rows]

    def score_all():
        for scorer, value, weight in compiled:
            scorer(value, weight)
        return len(compiled)

    benchmark.pedantic(score_all, rounds=5, iterations=1)
    benchmark.extra_info["rows"] = len(compiled)


def test_trace_costs_only_when_read(engine):
    """Not a timed assertion: a scorer's outcome writes its trace when it is first read."""
    rules, lexicon = engine
    outcome = score_row(lexicon.read("≥2000.00(人)"), lexicon.read("1850人"), Decimal("5.00"),
                        rules, year=2024)
    assert outcome.score == Decimal("4.63")
    assert outcome.trace == "完成值 1850人 < 指标值 2000.00人：5.00 × 1850/2000 = 4.63"
    assert outcome.trace is outcome.trace  # written once, then kept


def test_one_project_end_to_end(benchmark, engine, tmp_path):
    """城市日主场活动 (49 indicators): load, read, parse, weigh, score, review."""
    rules, lexicon = engine
    goals, actuals = EXAMPLE / "goals.yaml", EXAMPLE / "actuals.yaml"
    evaluation = benchmark(evaluate_files, str(goals), str(actuals), rules, lexicon,
                           project="城市日主场活动")
    assert len(evaluation.projects) == 1


def test_loading_a_unit(benchmark, unit_files):
    def load_both():
        return [load_document(path)[0] for path in unit_files]

    documents = benchmark.pedantic(load_both, rounds=3, iterations=1)
    assert all(d.data is not None for d in documents)
    benchmark.extra_info["megabytes"] = round(sum(p.stat().st_size for p in unit_files) / 1e6, 1)


def test_scoring_rate_is_reported(engine, unit_files, capsys):
    """Not a timed assertion: prints indicators per second for the README's table."""
    rules, lexicon = engine
    run = prepare(str(unit_files[0]), str(unit_files[1]), rules, lexicon)
    start = time.perf_counter()
    count = sum(len(r.indicators) for r in run.results())
    elapsed = time.perf_counter() - start
    print(f"read+score+review: {count} indicators in {elapsed:.2f} s ({count / elapsed:,.0f}/s)")
    assert count == 25_000


def test_the_stage_profile_does_what_evaluate_does(tmp_path):
    """benchmarks/stages.py times the run stage by stage: the document it writes is the one
    `evaluate … --format json -o` writes, to the byte."""
    import subprocess
    import sys

    from benchmarks.stages import stages

    goals, actuals = str(EXAMPLE / "goals.yaml"), str(EXAMPLE / "actuals.yaml")
    out = tmp_path / "out.json"
    subprocess.run([sys.executable, "-m", "evaluator", goals, actuals, "--format", "json",
                    "-o", str(out), "--jobs", "1"], cwd=ROOT, capture_output=True, check=False)
    clock, profile, size = stages(goals, actuals, top=5)
    assert size == out.stat().st_size
    names = [name for name, _seconds in clock]
    assert names[:3] == ["importing the engine", "loading the rule set",
                         "loading the two files, reading their headers, joining projects"]
    assert names[3:5] == ["reading and scoring the projects (profiled)",
                          "writing each project's JSON line"]
    assert names[5].startswith("assembling, encoding and writing the document")
    assert names[6].startswith("sorting and formatting the 1 diagnostics")  # the example's one
    assert all(seconds >= 0 for _name, seconds in clock)
    assert "function calls" in profile and "tottime" in profile
