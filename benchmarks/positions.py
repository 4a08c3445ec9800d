"""Placing a diagnostic against scoring a row, in µs: every position a run asks for, asked
again on fresh documents, by searching the project's lines (as the engine does) and by
parsing them (as it did, and still does for lines in other forms).

    python -m benchmarks.positions GOALS ACTUALS      # e.g. a unit from generate.py --mess 0.6

CPU time of this process (a neighbour's load weighs less on it than on the wall clock), the
best of five rounds of each, interleaved. A row's cost is the run's reading, joining, scoring
and reviewing of all rows, less the positions it asked for, over the rows. The loaded data is
moved out of the cyclic collector's sight as the command moves it (internals.loaded_data_settled):
without that, the collector walked it again and again, and its walks were counted in both.
"""

from __future__ import annotations

import sys
import time

from evaluator import source
from evaluator.internals import loaded_data_settled, loading_data
from evaluator.run import load_rule_set, prepare


def main(goals: str, actuals: str, rounds: int = 5) -> None:
    rules, lexicon = load_rule_set()
    asked = []
    position = source.Document.position

    def recorded(self, path, *, key=False, offset=0):
        asked.append((self, path, key, offset))
        return position(self, path, key=key, offset=offset)

    source.Document.position = recorded
    loading_data()
    run = prepare(goals, actuals, rules, lexicon)
    loaded_data_settled()
    results = list(run.results())
    source.Document.position = position
    rows = sum(len(result.indicators) for result in results)
    documents = {id(document): document for document, *_rest in asked}
    searched = source.Locator._plain_position
    best = {"searched": float("inf"), "parsed": float("inf"), "row": float("inf")}
    for _round in range(rounds):
        for how in ("searched", "parsed"):
            source.Locator._plain_position = (searched if how == "searched"
                                              else lambda *_args, **_kwargs: None)
            for document in documents.values():  # as a fresh run finds them
                document.locator._pieces.clear()
                document.locator._plain_lines = None  # nor the lines it found plain
                document.locator.release()
            start = time.process_time()
            for document, path, key, offset in asked:
                position(document, path, key=key, offset=offset)
            best[how] = min(best[how], (time.process_time() - start) / len(asked))
        source.Locator._plain_position = searched
        loading_data()
        run = prepare(goals, actuals, rules, lexicon)
        loaded_data_settled()
        start = time.process_time()
        for _result in run.results():
            pass
        whole = time.process_time() - start
        best["row"] = min(best["row"], (whole - best["searched"] * len(asked)) / rows)
    print(f"{len(asked)} positions for {rows} rows ({len(asked) / len(results):.1f} a project): "
          f"{best['searched'] * 1e6:.1f} µs each searched, {best['parsed'] * 1e6:.1f} µs parsed; "
          f"a row scored (read, joined, scored, reviewed) {best['row'] * 1e6:.1f} µs")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
