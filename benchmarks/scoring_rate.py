"""Scoring alone: how many indicators a second the engine scores, once the files are read.

    python -m benchmarks.scoring_rate GOALS ACTUALS

Every row of the unit is read, joined and parsed first (not timed); then the rows are scored
in two ways, each from cold (the best of three runs of each, or of as many as fit in two
seconds): as a run scores them (each distinct target compiled once, each distinct
target/actual/weight/direction scored once, the other rows from that memo) and with no memo at
all (every row through its target's compiled scorer). Traces are not written: a run writes one
only when a report shows it. Prints one JSON line; the scale script reads it.
"""

from __future__ import annotations

import json
import sys
import time

from evaluator.evaluation import Scorers
from evaluator.internals import loaded_data_settled
from evaluator.run import load_rule_set, prepare


def scorable_rows(goals: str, actuals: str) -> tuple[list[tuple], int]:
    rules, lexicon = load_rule_set()
    run = prepare(goals, actuals, rules, lexicon)
    rows = []
    for result in run.results():
        for row in result.indicators:
            if row.target is not None and row.value is not None:
                rows.append((row.indicator.target, row.actual.spec.actual, row.weight,
                             row.indicator.direction, row.target, row.value))
    return rows, run.goals.year


def rates(goals: str, actuals: str, passes: int = 3, seconds: float = 2.0) -> dict[str, float]:
    """Rows a second, the best of at least ``passes`` runs of each way, and of as many more as
    fit in ``seconds`` (a small unit's run takes some 25 ms, where a neighbour's burst weighs
    most), every run from cold (targets compiled again, nothing remembered): this machine's
    neighbours make single runs vary by a third."""
    rows, year = scorable_rows(goals, actuals)
    rules, _lexicon = load_rule_set()
    loaded_data_settled()  # as the command does
    memoized = every = float("inf")
    began, done = time.perf_counter(), 0
    while done < passes or (time.perf_counter() - began < seconds and done < 100):
        done += 1
        start = time.perf_counter()
        scorers = Scorers(rules, year)  # a memo of its own (memo.py): from cold
        outcomes = scorers.memo.scores
        for target_text, actual_text, weight, direction, target, value in rows:
            key = (target_text, actual_text, weight, direction)
            if key not in outcomes:
                outcomes[key] = scorers.of(target_text, direction, target)(value, weight)
        memoized = min(memoized, time.perf_counter() - start)
        distinct = len(outcomes)
        scorers = Scorers(rules, year)  # compiled again, outside the timing: scored from cold
        compiled = [(scorers.of(t, d, target), value, weight)
                    for t, _a, weight, d, target, value in rows]
        start = time.perf_counter()
        for scorer, value, weight in compiled:
            scorer(value, weight)
        every = min(every, time.perf_counter() - start)
        del compiled
    return {"rows": len(rows), "distinct": distinct, "targets": len(scorers._compiled), "runs": done,
            "memo_per_s": len(rows) / memoized, "every_row_per_s": len(rows) / every}


if __name__ == "__main__":
    print(json.dumps(rates(sys.argv[1], sys.argv[2])))
