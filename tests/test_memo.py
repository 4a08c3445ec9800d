"""What a run remembers lives with the run (memo.py), under one bound, and changes no output.

Every entry of the memo is a pure function of its key, so a run that forgets everything after
each project must write the very bytes of one that remembers; a run must leave the modules'
own tables as it found them (nothing learnt in a module global, shared by the next run); and
the department's summary shares one memo between the units of one year.
"""

from __future__ import annotations

import inspect
import sys
import types
from pathlib import Path

import pytest

from benchmarks.generate import generate
from evaluator.formats import FORMATS, Rendering
from evaluator.memo import Memo
from evaluator.run import prepare

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "shanghai-wcd-2024"


def _json_of(goals: Path, actuals: Path, rules_and_lexicon, memo: Memo | None = None,
             name: str = "json") -> tuple[str, "object"]:
    rules, lexicon = rules_and_lexicon
    run = prepare(str(goals), str(actuals), rules, lexicon)
    if memo is not None:
        run.memo = memo
    chunks = FORMATS[name].render(Rendering(run))
    return "".join(c if isinstance(c, str) else c.decode() for c in chunks), run


@pytest.fixture(scope="module")
def messy_unit(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("messy")
    goals, actuals = generate(40, mess=0.6)
    (folder / "goals.yaml").write_text(goals, encoding="utf-8")
    (folder / "actuals.yaml").write_text(actuals, encoding="utf-8")
    return folder / "goals.yaml", folder / "actuals.yaml"


@pytest.mark.parametrize("unit, name", [("example", "json"), ("messy", "json"),
                                        ("messy", "html")])
def test_a_run_that_forgets_after_every_project_writes_the_same_report(
        unit, name, messy_unit, default_rules):
    from evaluator.vocabulary import Lexicon

    goals, actuals = ((EXAMPLE / "goals.yaml", EXAMPLE / "actuals.yaml") if unit == "example"
                      else messy_unit)
    remembering, run = _json_of(goals, actuals, default_rules, name=name)
    assert run.memo.forgotten == 0 and run.memo.size() > 0
    if name == "html":  # the 指标值 as written, their quantities unbroken
        assert run.memo.markup["=100.00(%)"] == '<span class="nb">=100.00(%)</span>'
    # a lexicon of its own, so that even the texts read are forgotten with the rest
    rules = default_rules[0]
    lexicon = Lexicon(rules.vocabulary)
    forgetting, run = _json_of(goals, actuals, (rules, lexicon), Memo(lexicon, bound=1),
                               name=name)
    assert forgetting == remembering
    scored = (remembering.count('"name": ') if name == "json"  # each project's head
              else remembering.count('<section class="project"'))
    assert run.memo.forgotten >= scored - 1 > 0


def test_two_runs_in_one_process_each_learn_for_themselves(default_rules):
    goals, actuals = EXAMPLE / "goals.yaml", EXAMPLE / "actuals.yaml"
    first, one = _json_of(goals, actuals, default_rules)
    second, two = _json_of(goals, actuals, default_rules)
    assert first == second
    assert one.memo is not two.memo and one.memo.scores is not two.memo.scores
    assert one.memo.scores.keys() == two.memo.scores.keys() != set()


def _module_tables() -> dict[tuple[str, str], int]:
    """The size of every dict, list, set and lru_cache at the top of the engine's modules."""
    sizes = {}
    for name, module in list(sys.modules.items()):
        if not (name == "evaluator" or name.startswith("evaluator.")):
            continue
        for attribute, value in vars(module).items():
            if isinstance(value, (dict, list, set)):
                sizes[name, attribute] = len(value)
            elif hasattr(value, "cache_info") and not isinstance(value, types.ModuleType):
                if not inspect.signature(value.__wrapped__).parameters:
                    continue  # made once when first needed (the parser): not a cache of data
                sizes[name, attribute] = value.cache_info().currsize
    return sizes


def _rendered(goals: Path, actuals: Path, rules_and_lexicon, name: str) -> None:
    run = prepare(str(goals), str(actuals), *rules_and_lexicon)
    for _chunk in FORMATS[name].render(Rendering(run)):
        pass


@pytest.mark.parametrize("name", ["json", "md", "html", "xlsx"])
def test_a_run_leaves_the_modules_tables_as_it_found_them(name, messy_unit, default_rules):
    """Nothing a run learns is kept in a module global, where the next run (another unit of
    a department's summary, another test) would share it unbounded: not by the engine, not
    by a writer."""
    _rendered(EXAMPLE / "goals.yaml", EXAMPLE / "actuals.yaml", default_rules, name)  # imports
    before = _module_tables()
    _rendered(*messy_unit, default_rules, name)
    after = _module_tables()
    grown = {key: (before.get(key), size) for key, size in after.items()
             if before.get(key) != size}
    # the resource folders (grammar, rules, reports) are the program, not what it read
    assert {k: v for k, v in grown.items() if k != ("evaluator.resources", "resource_dir")} == {}


def test_the_summary_shares_one_memo_between_the_units_of_a_year(default_rules):
    from evaluator.summary import Engine

    engine = Engine(*default_rules)
    goals, actuals = str(EXAMPLE / "goals.yaml"), str(EXAMPLE / "actuals.yaml")
    runs = [prepare(goals, actuals, *default_rules) for _ in range(2)]
    for run in runs:
        engine.share_memory(run)
    assert runs[0].memo is runs[1].memo is runs[0].scorers.memo
    assert runs[0].memo.texts is default_rules[1].texts  # the lexicon's table is the memo's
