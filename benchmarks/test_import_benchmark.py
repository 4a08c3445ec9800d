"""Importing a 1 000-project workbook: the engine's own XLSX 自评表 of a synthetic unit (one
sheet a project, merged cells, about 25 indicators each), read back by ``evaluate import``.

    python -m pytest benchmarks/test_import_benchmark.py --benchmark-enable
"""

from __future__ import annotations

import pytest

from benchmarks.generate import generate


@pytest.fixture(scope="module")
def workbook(request, tmp_path_factory):
    if request.config.getoption("benchmark_disable") and \
            not request.config.getoption("benchmark_enable"):  # the workbook takes a while
        pytest.skip("built and timed only with --benchmark-enable")
    from evaluator.run import evaluate_files, load_rule_set
    from evaluator.report import build_context
    from evaluator.xlsx import render_xlsx

    folder = tmp_path_factory.mktemp("import-bench")
    goals, actuals = generate(1000)
    (folder / "goals.yaml").write_text(goals, encoding="utf-8")
    (folder / "actuals.yaml").write_text(actuals, encoding="utf-8")
    rules = load_rule_set()
    evaluation = evaluate_files(str(folder / "goals.yaml"), str(folder / "actuals.yaml"), *rules)
    path = folder / "自评表.xlsx"
    path.write_bytes(render_xlsx(build_context(evaluation)))
    return path, rules[0]


def test_import_a_1000_project_workbook(benchmark, workbook):
    from evaluator.importing import import_sources

    path, rules = workbook
    imported = benchmark.pedantic(import_sources, args=([str(path)], rules.importing.catalogue),
                                  rounds=1, iterations=1)
    assert len(imported.projects) == 1000 and imported.actuals is not None
    assert imported.inferred == 0
