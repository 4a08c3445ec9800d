"""The Markdown and HTML reports as the command writes them, project by project as they are
scored (report_stream.py): the same documents as built whole from every project at once."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from evaluator.cli import main
from tests.conftest import EXAMPLE, GOLDEN, ON_A_TERMINAL, ROOT, example_told, run_on_a_terminal


def _messy_unit(folder, projects: int, unscored: int):
    """A messy generated unit (warnings, the unit's own scores, fund rows) in ``folder``, its
    project number ``unscored`` without actuals (unscored: the summary says so)."""
    from benchmarks.generate import generate

    goals, actuals = generate(projects, mess=0.6)
    start = actuals.index(f"  项目{unscored:06d}:\n")
    end = actuals.index(f"  项目{unscored + 1:06d}:\n")
    (folder / "goals.yaml").write_text(goals, encoding="utf-8")
    (folder / "actuals.yaml").write_text(actuals[:start] + actuals[end:], encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def unit(tmp_path_factory):
    """A messy unit of 12 projects, one of them without actuals."""
    return _messy_unit(tmp_path_factory.mktemp("unit"), 12, 3)


def _whole(explain: bool, submission: bool, output_format: str) -> str:
    """The report built from every project at once (``report.build_context``), in the cwd."""
    from evaluator.report import build_context, for_submission, render
    from evaluator.run import evaluate_files, load_rule_set

    evaluation = evaluate_files("goals.yaml", "actuals.yaml", *load_rule_set())
    context = build_context(evaluation, explain=explain)
    return render(for_submission(context) if submission else context, output_format)


@pytest.mark.parametrize("output_format", ["md", "html"])
@pytest.mark.parametrize("options", [[], ["--explain"], ["--for-submission"]])
def test_the_streamed_report_is_the_report_built_whole(unit, monkeypatch, output_format, options):
    monkeypatch.chdir(unit)
    result = CliRunner().invoke(main, ["goals.yaml", "actuals.yaml", "--format", output_format,
                                       "--jobs", "1", *options])
    assert result.exit_code == 1, result.output  # the project without actuals is an error
    written = result.stdout_bytes.decode("utf-8")
    assert written == _whole("--explain" in options, "--for-submission" in options,
                             output_format)
    assert "另有 1 个项目因输入错误未能评分" in written or "--for-submission" in options


@pytest.mark.parametrize("name, options", [("shanghai-wcd-2024.md", []),
                                           ("shanghai-wcd-2024.explain.md", ["--explain"])])
def test_the_command_writes_the_golden_markdown(in_root, name, options):
    result = CliRunner().invoke(main, [str(EXAMPLE.relative_to(ROOT) / "goals.yaml"),
                                       str(EXAMPLE.relative_to(ROOT) / "actuals.yaml"), *options])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.decode("utf-8") == (GOLDEN / name).read_text(encoding="utf-8")


# the summary read before, in and after the loop over the projects
_EVERY_ORDER = """平均 {{ report.average_total }}，{{ report.summary | length }} 行
{% for p in report.projects %}{{ loop.index }} {{ p.name }} {{ p.total }} / {{ report.total_adjusted }}
{% endfor %}{% for s in report.summary %}{{ s.name }} {{ s.grade }}
{% endfor %}{{ report.grade_counts }} {{ report.errors }} {{ report.warnings }}
{{ report.diagnostics | length }} {{ report.charts | length }} {{ report.unscored_note }}
"""


def test_a_template_may_read_the_summary_before_the_projects(unit, monkeypatch):
    """The projects not yet read are scored and kept for the loop: the same values."""
    from evaluator.report import build_context, environment
    from evaluator.report_stream import StreamedReport
    from evaluator.run import evaluate_files, load_rule_set, prepare

    monkeypatch.chdir(unit)
    template = environment().from_string(_EVERY_ORDER)
    streamed = StreamedReport(prepare("goals.yaml", "actuals.yaml", *load_rule_set()))
    whole = build_context(evaluate_files("goals.yaml", "actuals.yaml", *load_rule_set()))
    written = template.render(report=streamed)
    assert written == template.render(report=whole)
    assert written.startswith("平均 ") and "11 行" in written and "另有 1 个项目" in written
    with pytest.raises(RuntimeError):  # the projects are read once: they are let go
        iter(streamed.projects)


def test_a_users_whole_report_template_reads_the_projects_as_often_as_it_likes(tmp_path):
    """A user's template gets the context built whole, as before: a count first, then a loop."""
    (tmp_path / "report.md.j2").write_text(
        "{{ report.projects | length }} 个项目，平均 {{ report.average_total }}\n"
        "{% for p in report.projects %}{{ p.name }}={{ p.total }}\n{% endfor %}"
        "{{ (report.projects | first).name }}\n", encoding="utf-8")
    result = CliRunner().invoke(main, [str(EXAMPLE / "goals.yaml"), str(EXAMPLE / "actuals.yaml"),
                                       "--templates", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("10 个项目，平均 ")
    assert lines[1] == "城市日宣传推广=92.25" and len(lines) == 12 and lines[-1] == "城市日宣传推广"


@pytest.mark.parametrize("output_format, jobs, done", [
    ("md", "1", "11/12"), ("html", "1", "11/12"),
    ("html", "2", "12/12")])  # the workers count the unscored project as done too, as JSON's do
def test_progress_is_shown_on_a_terminal_only(unit, tmp_path, output_format, jobs, done):
    command = [sys.executable, "-c", ON_A_TERMINAL.format(before=""), str(unit / "goals.yaml"),
               str(unit / "actuals.yaml"), "--format", output_format, "--jobs", jobs,
               "-o", str(tmp_path / f"report.{output_format}")]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    returncode, shown = run_on_a_terminal(command, tmp_path, environment)
    assert returncode == 1
    assert f"已完成 {done} 个项目".encode() in shown, shown[-300:]
    piped = subprocess.run(command, capture_output=True, cwd=tmp_path, env=environment,
                           timeout=120)
    assert piped.returncode == 1 and "已完成".encode() not in piped.stderr
    assert (tmp_path / f"report.{output_format}").stat().st_size > 10_000


def test_the_views_are_what_their_dataclasses_make(unit, monkeypatch):
    """Rows' views are made without the frozen dataclass's __init__ (report._indicator_view),
    their scored part shared by rows scored alike: made again through __init__, field by field
    from a view, each is equal, and the scored part equals a view made with nothing shared."""
    from dataclasses import replace

    from evaluator.report import _indicator_views
    from evaluator.run import evaluate_files, load_rule_set

    monkeypatch.chdir(unit)
    evaluation = evaluate_files("goals.yaml", "actuals.yaml", *load_rule_set())
    shared: dict = {}
    own = 0
    for result in evaluation.projects:
        views = _indicator_views(result.indicators, result.actuals.unreadable, shared)
        alone = _indicator_views(result.indicators, result.actuals.unreadable)
        assert views == alone and [replace(v) for v in views] == list(views)
        own += sum(1 for v in views if v.self_score)
    assert shared and own  # rows shared their scored part; some had the unit's own score


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """A messy unit of 230 projects (three slices of a worker's 100), the second without
    actuals: every project after it is numbered one less than its place in the 申报表."""
    return _messy_unit(tmp_path_factory.mktemp("many"), 230, 1)


@pytest.mark.parametrize("output_format, options", [
    ("html", []), ("html", ["--explain"]), ("html", ["--for-submission"]), ("md", []),
    ("md", ["--explain"])])
def test_workers_write_the_report_one_process_writes(many, monkeypatch, output_format, options):
    """With --jobs 2 each project's 自评表 is rendered in the worker that scores it, the rest
    here: the same bytes, and the same diagnostics, as one process writes."""
    from evaluator import parallel

    spread = []
    real = parallel.rendered_in_parallel
    monkeypatch.setattr(parallel, "rendered_in_parallel",
                        lambda run, render, jobs, **kw: spread.append(jobs) or real(run, render,
                                                                                     jobs, **kw))
    monkeypatch.chdir(many)
    made = {jobs: CliRunner().invoke(main, ["goals.yaml", "actuals.yaml", "--format",
                                            output_format, "--jobs", jobs, *options])
            for jobs in ("1", "2")}
    assert spread == [2]  # the one process did not ask for workers
    assert made["1"].exit_code == made["2"].exit_code == 1  # the project without actuals
    assert made["1"].stdout_bytes == made["2"].stdout_bytes
    assert made["1"].stderr_bytes == made["2"].stderr_bytes
    written = made["2"].stdout_bytes.decode("utf-8")
    if output_format == "html":  # numbered in the loop: the unscored project takes no number
        assert written.count('<section class="project" id="project-') == 229
        assert 'id="project-229"' in written and 'id="project-230"' not in written
    else:
        assert written.count("## 项目支出绩效自评表：") == 229
    if "--for-submission" not in options:
        assert "另有 1 个项目因输入错误未能评分，未计入合计：项目000001" in written
    if output_format == "html" and not options:
        assert "<h2>检查发现的问题（" in written  # the messy unit's warnings, after the summary


@pytest.mark.parametrize("options, charted", [(["--format", "html"], True),
                                               (["--format", "html", "--for-submission"], False),
                                               (["--format", "md"], False),
                                               (["--format", "docx"], False)])
def test_only_a_report_that_draws_charts_makes_them(tmp_path, options, charted):
    """What each project gives the summary's charts is made only for HTML's full report: the
    Markdown report, the hand-in version and the Word report draw none (nor import the module
    that draws)."""
    assert example_told(tmp_path, options, "", "'evaluator.charts' in sys.modules") == str(charted)
