"""The command line as a user runs it: exit codes, outputs, helpers."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time

import click
import pytest
import yaml
from click.testing import CliRunner

from evaluator.cli import main
from tests.conftest import EXAMPLE, ROOT, alive, ctrl_c_as_in_a_terminal


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def example_copy(tmp_path):
    for name in ("goals.yaml", "actuals.yaml"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    return tmp_path


def run(runner, *args):
    return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_markdown_report_of_the_example(runner, example_copy):
    result = run(runner, example_copy / "goals.yaml", example_copy / "actuals.yaml")
    assert result.exit_code == 0
    assert "## 项目支出绩效自评表：城市日宣传推广" in result.stdout
    assert "| 总分 | | | | | 100.00 | 92.25 | 自评等级：优 |" in result.stdout
    assert "## 单位汇总：上海世界城市日事务协调中心（2024年度）" in result.stdout


def test_strict_fails_on_warnings(runner, example_copy):
    # the example has one warning: 信息化建设项目's indicators far above its 88% execution
    result = run(runner, example_copy / "goals.yaml", example_copy / "actuals.yaml", "--strict")
    assert result.exit_code == 1
    assert "review.achievement_gap" in result.stderr


def test_json_to_file_and_project_filter(runner, example_copy):
    out = example_copy / "out.json"
    result = run(runner, example_copy / "goals.yaml", example_copy / "actuals.yaml",
                 "--format", "json", "-o", out, "--project", "课题研究")
    assert result.exit_code == 0 and result.stdout == ""
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [p["name"] for p in data["projects"]] == ["课题研究"]
    assert not list(example_copy.glob(".out.json.*"))  # no temporary file left behind


def test_refuses_to_overwrite_an_input(runner, example_copy):
    goals = example_copy / "goals.yaml"
    before = goals.read_bytes()
    result = run(runner, goals, example_copy / "actuals.yaml", "-o", goals)
    assert result.exit_code == 2 and "拒绝覆盖" in result.stderr
    assert goals.read_bytes() == before


def test_unknown_project_and_missing_file_are_usage_errors(runner, example_copy):
    result = run(runner, example_copy / "goals.yaml", example_copy / "actuals.yaml",
                 "--project", "不存在的项目")
    assert result.exit_code == 2
    result = run(runner, example_copy / "nope.yaml", example_copy / "actuals.yaml")
    assert result.exit_code == 2


@pytest.mark.parametrize("command", [[], ["run"], ["check"], ["scaffold"], ["parse"], ["rules"]])
def test_help_is_in_chinese(runner, command):
    """click's own words (Usage, Options, Show this message and exit, [default: …]) too."""
    result = runner.invoke(main, [*command, "--help"], prog_name="evaluate")
    assert result.exit_code == 0
    assert result.stdout.startswith("用法：evaluate") and "选项：" in result.stdout
    assert "显示此帮助并退出。" in result.stdout
    for english in ("Usage", "Options", "Commands", "Show ", "default:", "required]", "TEXT",
                    "PATH", "INTEGER"):
        assert english not in result.stdout, (english, result.stdout)


@pytest.mark.parametrize("args, said", [
    (["--templates", "{folder}/nope"], "错误：参数 --templates 不正确：目录“{folder}/nope”不存在"),
    (["--templates", "{folder}/goals.yaml"],
     "错误：参数 --templates 不正确：“{folder}/goals.yaml”不是目录"),
    (["-o"], "错误：选项 -o 后面缺少取值"),
    (["--explain=3"], "错误：选项 --explain 不带取值"),
])
def test_click_refusals_are_in_chinese(runner, example_copy, args, said):
    folder = str(example_copy)
    result = run(runner, example_copy / "goals.yaml", example_copy / "actuals.yaml",
                 *[a.format(folder=folder) for a in args])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [said.format(folder=folder), "提示：运行 evaluate --help 查看用法"]


def test_the_command_alone_shows_its_help(runner):
    result = runner.invoke(main, [], prog_name="evaluate")
    assert result.exit_code == 2
    assert result.stderr.startswith("用法：evaluate") and "错误" not in result.stderr


def test_a_ctrl_c_a_library_wrapped_is_still_a_ctrl_c(runner, example_copy, monkeypatch):
    """pydantic, building its schemas as the engine is imported, once turned a Ctrl-C into a
    SchemaError traceback."""
    from evaluator import cli

    def interrupted_inside_a_library(*_args, **_kwargs):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as interrupt:
            raise RuntimeError("schema build failed") from interrupt

    monkeypatch.setattr(cli, "_load_rules", interrupted_inside_a_library)
    result = run(runner, example_copy / "goals.yaml", example_copy / "actuals.yaml")
    assert (result.exit_code, result.stderr) == (1, "已中止\n")


def test_a_failure_of_our_own_is_not_called_a_ctrl_c(runner, example_copy, monkeypatch):
    from evaluator import cli

    monkeypatch.setattr(cli, "_load_rules", lambda *_args, **_kwargs: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        run(runner, example_copy / "goals.yaml", example_copy / "actuals.yaml")


def test_version(runner):
    from evaluator import __version__

    result = run(runner, "--version")
    assert (result.exit_code, result.stdout) == (0, f"evaluate {__version__}\n")


def test_unknown_rule_set_is_exit_2(runner, example_copy):
    result = run(runner, example_copy / "goals.yaml", example_copy / "actuals.yaml",
                 "--rules", "no-such-rules")
    assert result.exit_code == 2 and "rules.not_found" in result.stderr


def test_errors_exit_1_and_still_report(runner, example_copy):
    actuals = example_copy / "actuals.yaml"
    text = actuals.read_text(encoding="utf-8").replace("新媒体内容被转载篇数: 6篇",
                                                        "新媒体内容被转载篇数: 22人次")
    actuals.write_text(text, encoding="utf-8")
    result = run(runner, example_copy / "goals.yaml", actuals)
    assert result.exit_code == 1
    line = next(n for n, l in enumerate(text.splitlines(), 1) if "22人次" in l)
    column = text.splitlines()[line - 1].index("22人次") + 1
    assert f"actuals.yaml:{line}:{column}: error[actual.unit_mismatch]" in result.stderr
    assert "实际完成值单位“人次”与指标值单位“篇”不一致" in result.stderr
    assert "## 项目支出绩效自评表：城市日宣传推广" in result.stdout  # everything else is scored


def test_check_command(runner, example_copy):
    result = run(runner, "check", example_copy / "goals.yaml", example_copy / "actuals.yaml")
    assert result.exit_code == 0 and result.stdout == ""
    result = run(runner, "check", example_copy / "goals.yaml")
    assert result.exit_code == 0


def test_scaffold_lists_every_indicator_and_refuses_to_overwrite(runner, example_copy):
    out = example_copy / "skeleton.yaml"
    result = run(runner, "scaffold", example_copy / "goals.yaml", "-o", out)
    assert result.exit_code == 0
    skeleton = yaml.load(out.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    assert len(skeleton["projects"]) == 10
    assert len(skeleton["projects"]["城市日主场活动"]["indicators"]) == 49
    assert "# 产出指标 / 数量指标：指标值 ≥3.00(次)" in out.read_text(encoding="utf-8")
    again = run(runner, "scaffold", example_copy / "goals.yaml", "-o", out)
    assert again.exit_code == 2 and "--force" in again.stderr
    assert run(runner, "scaffold", example_copy / "goals.yaml", "-o", out, "--force").exit_code == 0


SAME_PAIR_GOALS = """\
year: 2024
unit: 测试单位
projects:
  - name: P
    funds: {total: 100}
    indicators:
      产出指标:
        数量指标:
          完成率: ≥90%
        质量指标:
          完成率: ≥95%
      效益指标:
        数量指标:
          完成率: ≥95%
        社会效益指标:
          影响: "有利于\\n宣传推广"
      满意度指标:
        服务对象满意度指标:
          满意度: ≥80%
"""


def test_a_name_repeated_under_the_same_level_2_is_written_with_its_level_1(runner, tmp_path):
    """完成率 under 数量指标 in two 一级: "二级/三级" names two rows, so the key is
    "一级/二级/三级"; scaffold writes each row's shortest key, and a target's line break does
    not end its comment."""
    goals = tmp_path / "goals.yaml"
    goals.write_text(SAME_PAIR_GOALS, encoding="utf-8")
    out = tmp_path / "actuals.yaml"
    assert run(runner, "scaffold", goals, "-o", out).exit_code == 0
    skeleton = yaml.load(out.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    assert list(skeleton["projects"]["P"]["indicators"]) == [
        "产出指标/数量指标/完成率", "质量指标/完成率", "效益指标/数量指标/完成率", "影响", "满意度"]
    filled = (out.read_text(encoding="utf-8").replace("executed:  ", "executed: 100")
              .replace("完成率\":", "完成率\": 96%").replace("影响\":", "影响\": 达成")
              .replace("满意度\":", "满意度\": 90%"))
    out.write_text(filled, encoding="utf-8")
    checked = run(runner, "check", goals, out)
    assert checked.exit_code == 0, checked.stderr
    ambiguous = filled.replace("产出指标/数量指标/完成率", "数量指标/完成率")
    out.write_text(ambiguous, encoding="utf-8")
    checked = run(runner, "check", goals, out)
    assert checked.exit_code == 1
    assert "error[actuals.ambiguous_indicator] 指标“数量指标/完成率”在项目“P”中出现多次" in checked.stderr
    assert "请写成“一级/二级/三级”：产出指标/数量指标/完成率、效益指标/数量指标/完成率" in checked.stderr


def test_parse_command(runner):
    result = run(runner, "parse", "$\\geq 80.00\\text{ (%)}$")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "comparison: ≥80.00(%)"
    data = json.loads(run(runner, "parse", "--json", "逐渐提升").stdout)
    assert data == {"kind": "trend", "degree_word": "逐渐", "degree": 1, "direction_word": "提升",
                    "direction": 1, "object": ""}
    bad = run(runner, "parse", "≥3.00(次")
    assert bad.exit_code == 1 and "expression.incomplete" in bad.stderr
    assert "Traceback" not in bad.stderr and "Token" not in bad.stderr


def test_parse_exits_1_on_an_unknown_word_as_on_other_problems(runner):
    result = run(runner, "parse", "显着提升")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == "text: 显着提升"  # still shown as it was read
    assert result.stderr.startswith("<参数>:1:1: error[actual.unknown_word] “显着”不是规则集词表中的词")
    assert "是否为“显著”“明显”？" in result.stderr
    assert run(runner, "parse", "有利于宣传推广《上海手册》").exit_code == 0  # text, no typo
    assert run(runner, "parse", "基本实现").exit_code == 0  # a tier word now


def test_parse_shows_a_comparison_read_from_a_sentence(runner):
    data = json.loads(run(runner, "parse", "--json", "群众满意度不低于90%；").stdout)
    assert data == {"kind": "comparison", "operator": "≥", "quantity": {"value": "90", "unit": "%"},
                    "implied": False, "word": "不低于", "subject": "群众满意度"}
    negative = json.loads(run(runner, "parse", "--json", "--", "-2.5%").stdout)
    assert negative["quantity"] == {"value": "-2.5", "unit": "%"} and negative["implied"]


def test_rules_command_lists_and_shows(runner):
    listing = run(runner, "rules")
    assert listing.exit_code == 0 and "mof-2020\t财政部项目支出绩效自评默认规则" in listing.stdout.splitlines()
    shown = run(runner, "rules", "mof-2020")
    assert "quantitative.reverse_formula = linear" in shown.stdout
    assert "反向指标公式" in shown.stdout
    lines = shown.stdout.splitlines()
    grades = lines[lines.index("grades  等级：总分对应的自评等级，从高到低。") + 1:][:4]
    assert grades == ['  - {"name": "优", "minimum": "90"}', '  - {"name": "良", "minimum": "80"}',
                      '  - {"name": "中", "minimum": "60"}', '  - {"name": "差", "minimum": "0"}']


def test_python_dash_m_from_another_directory(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "evaluator", str(EXAMPLE / "goals.yaml"), str(EXAMPLE / "actuals.yaml"),
         "--format", "json"], cwd=tmp_path, capture_output=True, text=True, encoding="utf-8")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["projects"][0]["total"] == "92.25"
    assert ROOT.exists()


def _json_with_jobs(runner, folder, jobs: str) -> bytes:
    out = folder / f"jobs{jobs}.json"
    result = run(runner, folder / "goals.yaml", folder / "actuals.yaml", "--format", "json",
                 "-o", out, "--jobs", jobs)
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def test_jobs_give_the_same_bytes(runner, example_copy):
    assert _json_with_jobs(runner, example_copy, "1") == _json_with_jobs(runner, example_copy, "2")


@pytest.mark.parametrize("cpus, platform, jobs", [
    (2, "linux", 2),  # this project's machine
    (8, "linux", 4),  # at most four: the loading and the writing stay in one process
    (1, "linux", 1),
    (8, "darwin", 1),  # macOS forks unsafely once system libraries are loaded
    (8, "win32", 1),
])
def test_automatic_jobs_for_a_big_unit(example_copy, monkeypatch, cpus, platform, jobs):
    from evaluator import parallel

    monkeypatch.setattr(parallel, "AUTO_FROM_BYTES", 1000)  # the example counts as big
    monkeypatch.setattr(parallel, "usable_cpus", lambda: cpus)
    monkeypatch.setattr(parallel.sys, "platform", platform)
    files = [example_copy / "goals.yaml", example_copy / "actuals.yaml"]
    assert parallel.automatic_jobs(files) == jobs


def test_automatic_jobs_for_a_small_unit_or_without_fork(example_copy, monkeypatch):
    import multiprocessing

    from evaluator import parallel

    files = [example_copy / "goals.yaml", example_copy / "actuals.yaml"]
    monkeypatch.setattr(parallel, "usable_cpus", lambda: 8)
    monkeypatch.setattr(parallel.sys, "platform", "linux")
    assert sum(f.stat().st_size for f in files) < parallel.AUTO_FROM_BYTES
    assert parallel.automatic_jobs(files) == 1  # forking would cost more than it saves
    monkeypatch.setattr(parallel, "AUTO_FROM_BYTES", 1000)
    assert parallel.automatic_jobs(files) == 4
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert parallel.automatic_jobs(files) == 1


def test_usable_cpus_are_this_process_share(monkeypatch, tmp_path):
    from evaluator import parallel

    no_cgroup = {"cgroups": tmp_path, "membership": tmp_path / "absent",
                 "mounts": tmp_path / "absent"}
    if hasattr(os, "sched_getaffinity"):
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 3, 5})
        assert parallel.usable_cpus(**no_cgroup) == 3
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert parallel.usable_cpus(**no_cgroup) == 1


def _cgroup_tree(root, membership: str, files: dict[str, str]):
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "proc-self-cgroup").write_text(membership)
    return {"cgroups": root, "membership": root / "proc-self-cgroup",
            "mounts": root / "no-mountinfo"}  # the hierarchies where systemd mounts them


@pytest.mark.parametrize("membership, files, quota, cpus", [
    # cgroup v2: the tightest of the process's cgroup and its ancestors (1.5 CPUs: one process)
    ("0::/user.slice/app\n", {"user.slice/app/cpu.max": "max 100000\n",
                               "user.slice/cpu.max": "150000 100000\n"}, 1.5, 1),
    # a container: its own cgroup mounted as the root, the host's path not there
    ("0::/docker/4f1c\n", {"cpu.max": "200000 100000\n"}, 2.0, 2),
    # cgroup v1, the cpu controller beside others; the affinity (8) is looser
    ("4:cpu,cpuacct:/ci/job\n3:memory:/ci/job\n",
     {"cpu,cpuacct/ci/job/cpu.cfs_quota_us": "300000\n",
      "cpu,cpuacct/ci/job/cpu.cfs_period_us": "100000\n"}, 3.0, 3),
    # no limit written, an unreadable one, a hierarchy without cpu: the affinity decides
    ("0::/\n", {"cpu.max": "max 100000\n"}, None, 8),
    ("0::/a\n", {"a/cpu.max": "lots\n"}, None, 8),
    ("1:cpu:/\n", {"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"},
     None, 8),
    ("2:memory:/x\n", {"memory/x/cpu.max": "100000 100000\n"}, None, 8),
    # what no kernel writes: a negative limit, a period of 0, 400 digits
    ("0::/\n", {"cpu.max": "-100000 100000\n"}, None, 8),
    ("0::/\n", {"cpu.max": "100000 0\n"}, None, 8),
    ("0::/\n", {"cpu.max": "9" * 400 + " 100000\n"}, None, 8),
])
def test_usable_cpus_keep_within_a_cpu_quota(monkeypatch, tmp_path, membership, files, quota,
                                             cpus):
    from evaluator import parallel

    where = _cgroup_tree(tmp_path, membership, files)
    assert parallel.cpu_quota(where["cgroups"], where["membership"], where["mounts"]) == quota
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)
    assert parallel.usable_cpus(**where) == cpus


def test_a_quota_below_one_cpu_still_leaves_one(monkeypatch, tmp_path):
    from evaluator import parallel

    where = _cgroup_tree(tmp_path, "0::/\n", {"cpu.max": "50000 100000\n"})
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert parallel.usable_cpus(**where) == 1
    assert parallel.cpu_quota(tmp_path, tmp_path / "absent") is None


@pytest.mark.parametrize("mountinfo, membership, files, quota", [
    # cgroup v1, the cpu controller mounted under a name /proc/self/cgroup does not give
    ("32 31 0:29 / /c/cpuacct,cpu rw,relatime shared:9 - cgroup cgroup rw,cpuacct,cpu\n"
     "35 31 0:32 / /c/memory rw,relatime - cgroup cgroup rw,memory\n",
     "5:cpu,cpuacct:/ci/job\n3:memory:/ci/job\n",  # named the other way round
     {"cpuacct,cpu/ci/job/cpu.cfs_quota_us": "150000\n",
      "cpuacct,cpu/ci/job/cpu.cfs_period_us": "100000\n",
      "memory/ci/job/cpu.cfs_quota_us": "50000\n"}, 1.5),
    # a container: the hierarchy's /docker/4f1c mounted as its root, a space in the path
    ("40 30 0:40 /docker/4f1c /c/cg\\040v2 rw - cgroup2 cgroup2 rw\n",
     "0::/docker/4f1c\n", {"cg v2/cpu.max": "200000 100000\n"}, 2.0),
    # a hybrid: cgroup2 on unified, cpu in v1; only the v1 cpu hierarchy has a quota
    ("32 31 0:29 / /c/cpu rw - cgroup cgroup rw,cpu\n"
     "41 31 0:41 / /c/unified rw - cgroup2 cgroup2 rw,nsdelegate\n",
     "1:cpu:/a\n0::/a\n", {"cpu/a/cpu.cfs_quota_us": "300000\n",
                           "cpu/a/cpu.cfs_period_us": "100000\n"}, 3.0),
    # mountinfo without a readable cgroup mount: the usual places, under cgroups, are looked at
    ("22 1 8:1 / / rw - ext4 /dev/sda1 rw\ngarbage - cgroup2\n - \n\n", "0::/\n",
     {"cpu.max": "100000 100000\n"}, 1.0),
])
def test_a_cpu_quota_is_found_where_mountinfo_says(tmp_path, mountinfo, membership, files,
                                                     quota):
    from evaluator import parallel

    mounted = tmp_path / "c"
    where = _cgroup_tree(mounted, membership, files)
    (tmp_path / "mountinfo").write_text(mountinfo.replace(" /c/", f" {mounted}/"))
    assert parallel.cpu_quota(mounted, where["membership"], tmp_path / "mountinfo") == quota


def test_jobs_auto_is_the_default_and_spreads_a_big_unit(runner, example_copy, monkeypatch):
    """With no --jobs (auto), a unit counted as big is scored by workers, to the same bytes;
    with --jobs 1, by this process."""
    from evaluator import parallel

    monkeypatch.setattr(parallel, "AUTO_FROM_BYTES", 1000)
    monkeypatch.setattr(parallel, "usable_cpus", lambda: 2)
    monkeypatch.setattr(parallel.sys, "platform", "linux")
    spread = []
    real = parallel.rendered_in_parallel
    monkeypatch.setattr(parallel, "rendered_in_parallel",
                        lambda run, render, jobs: spread.append(jobs) or real(run, render, jobs))
    out = example_copy / "default.json"
    result = run(runner, example_copy / "goals.yaml", example_copy / "actuals.yaml",
                 "--format", "json", "-o", out)
    assert result.exit_code == 0, result.output
    assert spread == [2]
    assert _json_with_jobs(runner, example_copy, "1") == out.read_bytes()
    assert spread == [2]  # not again
    assert _json_with_jobs(runner, example_copy, "auto") == out.read_bytes()
    assert spread == [2, 2]


@pytest.mark.parametrize("value, message", [
    ("0", "错误：参数 --jobs 不正确：0 不在 1 到 64 之间"),
    ("65", "错误：参数 --jobs 不正确：65 不在 1 到 64 之间"),
    ("两个", "错误：参数 --jobs 不正确：“两个”不是 auto，也不是整数"),
    ("", "错误：参数 --jobs 不正确：“”不是 auto，也不是整数"),
])
def test_jobs_out_of_range_is_a_usage_error(runner, example_copy, value, message):
    result = run(runner, example_copy / "goals.yaml", example_copy / "actuals.yaml",
                 "--jobs", value)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == message


def test_the_command_module_imports_no_engine():
    """`evaluate --help` is quick, and a --jobs run has its child parsing the files while the
    engine (pydantic, lark, the stages) is imported."""
    code = ("import sys, evaluator.cli; print(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('pydantic', 'lark', 'jinja2', 'ryml')))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_run_refused_after_its_files_began_to_load_leaves_no_child(runner, example_copy,
                                                                     monkeypatch):
    """The child parsing the files is started before the rule set is read: a broken rule set
    still ends the run with exit 2 and the child stopped and reaped."""
    from evaluator import source

    started = []
    start = source._ParsingChild.start
    monkeypatch.setattr(source._ParsingChild, "start", staticmethod(
        lambda raws, splits: started.append(start(raws, splits)) or started[-1]))
    broken = example_copy / "broken.yaml"
    broken.write_text("extends: mof-2020\nname: x\ntitle: 坏\nbudget: {weight: 200}\n",
                      encoding="utf-8")
    result = run(runner, example_copy / "goals.yaml", example_copy / "actuals.yaml",
                 "--rules", broken, "--jobs", "2")
    assert result.exit_code == 2, result.output
    assert len(started) == 1 and started[0] is not None
    with pytest.raises(ChildProcessError):  # reaped already
        os.waitpid(started[0].pid, os.WNOHANG)


def _alone_and_spread(folder, chunk: int):
    """The JSON report of the files in ``folder`` and its diagnostics (code, position), made in
    this process and spread over two workers in slices of ``chunk`` projects; and the spread
    run, to look into after."""
    from functools import partial

    from evaluator import parallel
    from evaluator.run import load_rule_set, prepare
    from evaluator.json_report import json_chunks, project_line

    rules, lexicon = load_rule_set()

    def report(lines_of):
        run = prepare(str(folder / "goals.yaml"), str(folder / "actuals.yaml"), rules, lexicon)
        chunks = json_chunks(rules, run.goals, lines_of(run), run.sorted_diagnostics)
        text = b"".join(c.encode("utf-8") if isinstance(c, str) else c for c in chunks)
        return run, (text, [(d.code, str(d.position)) for d in run.sorted_diagnostics()])

    _run, alone = report(lambda run: (project_line(r, rules) for r in run.results()))
    run, spread = report(lambda run: (blob for blob, _done in parallel.rendered_in_parallel(
        run, partial(project_line, rules=rules), 2, chunk=chunk)))
    return alone, spread, run


@pytest.mark.parametrize("chunk", [1, 3, 4])
def test_slices_of_workers_give_the_same_bytes(example_copy, chunk):
    """Several slices a worker, one of them with no project to score (three projects lack
    their actuals): the slices land in the 申报表's order, with the same separators."""
    actuals = yaml.safe_load((example_copy / "actuals.yaml").read_text(encoding="utf-8"))
    names = list(actuals["projects"])
    for name in names[3:6]:
        del actuals["projects"][name]
    (example_copy / "actuals.yaml").write_text(yaml.safe_dump(actuals, allow_unicode=True),
                                               encoding="utf-8")
    alone, spread, _run = _alone_and_spread(example_copy, chunk)
    assert spread == alone
    assert len(json.loads(alone[0])["projects"]) == len(names) - 3
    assert [code for code, _ in alone[1]].count("actuals.missing_project") == 3


@pytest.mark.parametrize("marshals", [True, False])
def test_workers_are_handed_their_projects(example_copy, monkeypatch, marshals):
    """The parent marshals each slice's projects for the workers and lets go of its own copy,
    but for an actuals project goals.yaml lacks, which it checks itself at the end; where the
    data will not marshal, the workers share it as it is. The report is the same each way."""
    from evaluator import parallel

    actuals = example_copy / "actuals.yaml"
    actuals.write_text(actuals.read_text(encoding="utf-8") + (
        "  不在申报表中的项目:\n    budget: {adjusted: 100.00, executed: 120.00}\n"
        "    indicators: {甲: {actual: 1次, weight: 101}}\n"), encoding="utf-8")
    if not marshals:
        def refused(_data):
            raise ValueError("too deep")

        monkeypatch.setattr(parallel.marshal, "dumps", refused)
    alone, spread, run = _alone_and_spread(example_copy, 3)
    assert spread == alone
    found = {code for code, _ in alone[1]}  # the unmatched project's own error among them
    assert "actuals.unknown_project" in found and "schema.range" in found
    held = [p for p in run.goals.document.data["projects"] if p is not None]
    assert (held == []) is marshals  # let go of, when handed over


def test_progress_only_on_a_terminal(monkeypatch, capsys):
    from evaluator import cli

    ticks = iter(x * 0.6 for x in range(100))
    monkeypatch.setattr(cli.time, "monotonic", lambda: next(ticks))
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert list(cli._progress(((str(i), i) for i in range(1, 4)), 3)) == ["1", "2", "3"]
    assert capsys.readouterr().err == ""
    ticks = iter(x * 0.6 for x in range(100))
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    list(cli._progress(((str(i), i) for i in range(1, 4)), 3))
    err = capsys.readouterr().err
    assert "已完成 1/3 个项目" in err and "预计还需" in err


def test_check_reports_diagnostics_as_json(runner, example_copy):
    actuals = example_copy / "actuals.yaml"
    actuals.write_text(actuals.read_text(encoding="utf-8").replace("新媒体内容被转载篇数: 6篇",
                                                                   "新媒体内容被转载篇数: 22人次"),
                       encoding="utf-8")
    result = run(runner, "check", example_copy / "goals.yaml", actuals, "--format", "json")
    assert result.exit_code == 1
    found = json.loads(result.stdout)["diagnostics"]
    mismatch = next(d for d in found if d["code"] == "actual.unit_mismatch")
    assert mismatch["severity"] == "error" and mismatch["file"].endswith("actuals.yaml")
    assert mismatch["line"] >= 1 and mismatch["column"] >= 1


def test_output_never_overwrites_a_rule_file(runner, example_copy):
    rules = example_copy / "mine.yaml"
    rules.write_text("extends: mof-2020\nname: mine\ntitle: 我的\n", encoding="utf-8")
    before = rules.read_bytes()
    result = run(runner, example_copy / "goals.yaml", example_copy / "actuals.yaml",
                 "--rules", rules, "-o", rules)
    assert result.exit_code == 2 and rules.read_bytes() == before


def test_project_filter_ignores_the_other_projects_entries(runner, example_copy):
    actuals = example_copy / "actuals.yaml"
    text = actuals.read_text(encoding="utf-8")
    cut = text.index("  涉外资料翻译:")
    actuals.write_text(text[:cut] + text[text.index("  信息化建设项目:"):], encoding="utf-8")
    result = run(runner, example_copy / "goals.yaml", actuals, "--project", "课题研究")
    assert result.exit_code == 0, result.stderr


def test_jobs_without_fork_take_one_process(runner, example_copy, monkeypatch):
    """Where a process cannot fork (Windows), --jobs still runs, in one process."""
    import multiprocessing

    from evaluator import source

    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    monkeypatch.delattr(source.os, "fork")  # the side-by-side parse, too
    assert _json_with_jobs(runner, example_copy, "1") == _json_with_jobs(runner, example_copy, "2")


_TERMINATED_MIDWAY = """
import multiprocessing, os, signal, sys, time
from pathlib import Path
from evaluator.cli import _write_atomically

def sleeper():
    time.sleep(60)

def chunks():
    yield b"half of a report"
    worker = multiprocessing.get_context("fork").Process(target=sleeper)
    worker.start()  # as a --jobs worker would be
    Path(sys.argv[2]).write_text(str(worker.pid))
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(5)
    yield b"the rest"

_write_atomically(Path(sys.argv[1]), chunks(), [])
"""


def test_a_terminated_run_leaves_no_temporary_file_nor_worker(tmp_path):
    """SIGTERM while the report is written: the old report stays as it was, the temporary
    file goes, the workers are stopped, and the run ends as the signal ends it."""
    target, worker = tmp_path / "report.json", tmp_path / "worker.pid"
    target.write_text("the old report", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", _TERMINATED_MIDWAY, target, worker],
                          cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert done.returncode == -15, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "worker.pid"]
    assert target.read_text(encoding="utf-8") == "the old report"
    pid = int(worker.read_text())
    for _ in range(300):  # killed, and perhaps not yet reaped by whoever adopted it
        if not alive(pid):
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the worker outlived the run")


_TERMINATED_AT = """
import os, signal, sys
from pathlib import Path
from evaluator import cli

where = sys.argv[2]
if where == "ignored":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
chmod = os.chmod

def chmod_then_terminated(*args):  # the last moment before the rename
    os.kill(os.getpid(), signal.SIGTERM)
    chmod(*args)

if where == "chmod":
    cli.os.chmod = chmod_then_terminated

def chunks():
    yield b"the new "
    if where == "ignored":
        os.kill(os.getpid(), signal.SIGTERM)
    yield b"report"

cli._write_atomically(Path(sys.argv[1]), chunks(), [])
"""


@pytest.mark.parametrize("where, code, report", [
    ("chmod", -15, "the old report"),  # after the writing, before the rename: still removed
    ("ignored", 0, "the new report"),  # a SIGTERM the caller ignores stays ignored
])
def test_terminated_at_the_edges_of_the_write(tmp_path, where, code, report):
    target = tmp_path / "report.json"
    target.write_text("the old report", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", _TERMINATED_AT, target, where], cwd=ROOT,
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == code, done.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
    assert target.read_text(encoding="utf-8") == report


_KILLED_AS_THE_WORKERS_ARE_FORKED = """
import os, pathlib, signal, sys, time
from pathlib import Path
from benchmarks.generate import generate
from evaluator import cli

folder, how = Path(sys.argv[1]), sys.argv[2]
goals, actuals = generate(300)
(folder / "goals.yaml").write_text(goals, encoding="utf-8")
(folder / "actuals.yaml").write_text(actuals, encoding="utf-8")
forked, real_fork = [], os.fork

def fork():  # the parse child, then the workers: the signal as the second worker's fork returns
    pid = real_fork()
    if pid:
        forked.append(pid)
        (folder / "forked.txt").write_text(" ".join(map(str, forked)))
        if how == "stuck" and len(forked) == 3:  # a worker now waits on the task pipe, holding
            time.sleep(0.5)                       # its lock, and the pool is not yet running:
            for worker in forked[1:]:             # both killed, one replacement forked, then
                os.kill(worker, signal.SIGKILL)   # the parent killed
        elif len(forked) == (4 if how == "stuck" else 3):
            os.kill(os.getpid(), signal.SIGKILL if how in ("killed", "stuck") else signal.SIGTERM)
    return pid

if how == "slow disk":  # the temporary file's removal, after the workers were killed, is slow
    real_unlink = pathlib.Path.unlink
    def unlink(path, missing_ok=False):
        time.sleep(0.5)
        real_unlink(path, missing_ok=missing_ok)
    pathlib.Path.unlink = unlink

os.fork = fork
cli.entry([str(folder / "goals.yaml"), str(folder / "actuals.yaml"), "--format", "json",
           "-o", str(folder / "out.json"), "--jobs", "2"])
"""


@pytest.mark.parametrize("how, code", [
    # Signals are held while the pool forks: the handler then knows every worker (one forked
    # but not yet known to it used to be left waiting for ever on a lock).
    ("terminated", -15),
    # The pool's own thread replaces a killed worker (the one it forked was left waiting for
    # ever, holding the caller's stdout: CI's run hung so): the handler first stops that.
    ("slow disk", -15),
    # No handler runs at a SIGKILL: the workers end all the same (their task pipe closes).
    ("killed", -9),
    # A worker forked to replace one killed holding the task pipe's lock waits on that lock for
    # ever, unless it dies with its parent.
    ("stuck", -9),
])
def test_a_run_killed_as_its_workers_are_forked_leaves_none_behind(tmp_path, how, code):
    done = subprocess.run([sys.executable, "-c", _KILLED_AS_THE_WORKERS_ARE_FORKED, tmp_path,
                           how], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, timeout=60)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    forked = [int(pid) for pid in (tmp_path / "forked.txt").read_text().split()]
    # the parse child and the two workers: no replacement (but the one "stuck" is about)
    assert len(forked) == (4 if how == "stuck" else 3)
    for _ in range(300):  # up to 30 s: a loaded machine reaps slowly
        if not any(alive(pid) for pid in forked):
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"left running: {[pid for pid in forked if alive(pid)]}")
    expected = ["actuals.yaml", "forked.txt", "goals.yaml"]
    if how in ("killed", "stuck"):  # nothing could remove the temporary file
        expected += [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.json")]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(expected)


def test_workers_that_cannot_be_forked_leave_the_slices_to_this_process(example_copy,
                                                                        monkeypatch):
    """No room for another process (EAGAIN, ENOMEM) once the data was handed over: the slices
    are scored here, to the same bytes."""
    import errno
    import multiprocessing

    class NoRoom:
        def Pool(self, *_args, **_kwargs):  # noqa: N802 - multiprocessing's name
            raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(multiprocessing, "get_context", lambda _method: NoRoom())
    alone, spread, _run = _alone_and_spread(example_copy, 3)
    assert spread == alone


_KILLED_SLICE: list = []  # (slice, the test's pid, the real work): see the test below


def _killed_in_a_worker(task):  # the pool sends a function by name: it cannot be a closure
    (killed, parent, work), = _KILLED_SLICE
    if task[0] == killed and os.getpid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)
    return work(task)


@pytest.mark.parametrize("killed", [0, 2])  # the first slice, and one after others were sent
def test_a_worker_killed_mid_run_leaves_its_slices_to_this_process(example_copy, monkeypatch,
                                                                    killed):
    """A worker killed as it scores (the OOM killer, a kill by hand) took its slice with it, and
    the run waited for that answer for ever: now the slices not yet answered are scored here,
    to the same bytes and diagnostics."""
    from evaluator import parallel

    monkeypatch.setattr(sys.modules[__name__], "_KILLED_SLICE",
                        [(killed, os.getpid(), parallel._work)])
    monkeypatch.setattr(parallel, "_work", _killed_in_a_worker)
    alone, spread, _run = _alone_and_spread(example_copy, 1)
    assert spread == alone


def test_no_room_is_told_as_such(runner, example_copy, monkeypatch):
    """Running out of memory is not a mistake in the file (it once read as "too deep")."""
    from evaluator import source

    def no_room(_raw):
        raise MemoryError

    monkeypatch.setattr(source.ryml, "emit_json_to_substr", lambda *_args: no_room(None))
    result = run(runner, example_copy / "goals.yaml", example_copy / "actuals.yaml",
                 "--jobs", "1")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "错误：内存不足，未能完成"
    assert "too_deep" not in result.stderr


_INTERRUPTED = """
import os, signal, sys, time
from pathlib import Path
from benchmarks.generate import generate
from evaluator import cli, json_report

folder = Path(sys.argv[1])
goals, actuals = generate(300)  # three slices of 100 projects
(folder / "goals.yaml").write_text(goals, encoding="utf-8")
(folder / "actuals.yaml").write_text(actuals, encoding="utf-8")
line = json_report.project_line

def slow_line(*args, **kwargs):  # in the workers: they are mid-slice when Ctrl-C comes
    time.sleep(0.01)
    return line(*args, **kwargs)

json_report.project_line = slow_line  # the command imports it as it runs
shown = cli._progress

def interrupted_after_the_first_slice(lines, total):
    for number, piece in enumerate(shown(lines, total)):
        if number == 0:
            os.killpg(0, signal.SIGINT)  # Ctrl-C: the whole foreground group
        yield piece

cli._progress = interrupted_after_the_first_slice
cli.entry([str(folder / "goals.yaml"), str(folder / "actuals.yaml"), "--format", "json",
           "-o", str(folder / "out.json"), "--jobs", "2"])
"""


def test_ctrl_c_during_jobs_ends_the_run_cleanly(tmp_path):
    """The workers leave Ctrl-C to the parent: no hang in the pool's terminate, no worker
    tracebacks, no temporary file."""
    done = subprocess.run([sys.executable, "-c", _INTERRUPTED, tmp_path], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, start_new_session=True,
                          preexec_fn=ctrl_c_as_in_a_terminal)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["actuals.yaml", "goals.yaml"]


_INTERRUPTED_WHILE_LOADING = """
import builtins

real_import = builtins.__import__

def interrupted(name, globals=None, locals=None, fromlist=(), level=0):
    if (name, level) == ("cli", 1):  # the command's own import: Ctrl-C comes in the middle
        raise KeyboardInterrupt
    return real_import(name, globals, locals, fromlist, level)

builtins.__import__ = interrupted
from evaluator import command_line
command_line()
"""


def test_ctrl_c_while_the_command_is_imported_says_aborted_without_a_traceback():
    done = subprocess.run([sys.executable, "-c", _INTERRUPTED_WHILE_LOADING], cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert (done.returncode, done.stderr) == (1, "已中止\n")


def test_the_command_is_the_guarded_one():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"] == {"evaluate": "evaluator:command_line"}
    assert "command_line()" in (ROOT / "evaluator" / "__main__.py").read_text(encoding="utf-8")


def test_output_to_a_pipe_or_a_device_is_written_through(tmp_path):
    """-o /dev/stdout into a pipe, -o into a FIFO: written as a stream, not replaced by a
    renamed temporary file (as root in /dev, that once turned /dev/null into a regular file)."""
    goals, actuals = str(EXAMPLE / "goals.yaml"), str(EXAMPLE / "actuals.yaml")
    piped = subprocess.run([sys.executable, "-m", "evaluator", goals, actuals, "--format", "json",
                            "-o", "/dev/stdout"], cwd=ROOT, capture_output=True, timeout=60)
    assert piped.returncode == 0, piped.stderr.decode("utf-8", "replace")
    assert json.loads(piped.stdout)["projects"][0]["total"] == "92.25"
    if not hasattr(os, "mkfifo"):
        return
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    written = subprocess.run([sys.executable, "-m", "evaluator", goals, actuals, "--format",
                              "json", "-o", str(fifo)], cwd=ROOT, capture_output=True, timeout=60)
    read, _ = reader.communicate(timeout=60)
    assert written.returncode == 0, written.stderr.decode("utf-8", "replace")
    assert json.loads(read)["projects"][0]["total"] == "92.25"
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still the FIFO
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.fifo"]  # no temporary left


def test_a_stream_output_that_is_an_input_is_refused(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFO here")
    fifo = tmp_path / "goals.fifo"
    os.mkfifo(fifo)
    from evaluator import cli

    with pytest.raises(click.UsageError, match="是输入文件"):
        cli._check_output(fifo, [fifo, EXAMPLE / "actuals.yaml"])


def test_an_unknown_project_suggests_the_near_name(runner, example_copy):
    result = run(runner, example_copy / "goals.yaml", example_copy / "actuals.yaml",
                 "--project", "城市日宣传")
    assert result.exit_code == 2
    assert "申报表中没有项目“城市日宣传”；是否为“城市日宣传推广”？" in result.stderr


def test_scaffold_writes_through_a_pipe_and_refuses_a_folder(example_copy, tmp_path):
    piped = subprocess.run([sys.executable, "-m", "evaluator", "scaffold",
                            str(example_copy / "goals.yaml"), "-o", "/dev/stdout"], cwd=ROOT,
                           capture_output=True, timeout=60)
    assert piped.returncode == 0, piped.stderr.decode("utf-8", "replace")
    assert len(yaml.safe_load(piped.stdout)["projects"]) == 10
    folder = subprocess.run([sys.executable, "-m", "evaluator", "scaffold",
                             str(example_copy / "goals.yaml"), "-o", str(tmp_path)], cwd=ROOT,
                            capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert folder.returncode == 2 and f"输出路径 {tmp_path} 是一个目录" in folder.stderr


def test_an_expression_that_starts_with_a_dash_is_told_how_to_write(runner):
    result = runner.invoke(main, ["parse", "-5%"])
    assert result.exit_code == 2
    assert "以“-”开头的文字请写在 -- 之后，如 evaluate parse -- -5%" in result.stderr
    assert "之后" not in runner.invoke(main, ["--bogus", "x"]).stderr


def test_a_header_in_error_writes_no_report_but_tells_every_problem(runner, example_copy):
    """A wrong funds_unit must not give a report in the wrong unit; the projects' own problems
    are told in the same run all the same."""
    goals = example_copy / "goals.yaml"
    text = goals.read_text(encoding="utf-8").replace("funds_unit: 元", "funds_unit: 千元", 1)
    goals.write_text(text.replace(": ≥3.00(次)", ": ≥3.00(次", 1), encoding="utf-8")
    out = example_copy / "report.md"
    result = run(runner, goals, example_copy / "actuals.yaml", "-o", out)
    assert result.exit_code == 1
    codes = [line.split("[")[1].split("]")[0] for line in result.stderr.splitlines()
             if ": error[" in line]
    assert codes == ["schema.choice", "target.incomplete"]
    assert not out.exists()


def test_scaffold_refusing_says_so_and_counts(runner, example_copy):
    goals = example_copy / "goals.yaml"
    goals.write_text(goals.read_text(encoding="utf-8").replace("total: 1102000.00", "total: abc", 1),
                     encoding="utf-8")
    out = example_copy / "skeleton.yaml"
    result = run(runner, "scaffold", goals, "-o", out)
    assert result.exit_code == 1 and not out.exists()
    assert result.stderr.splitlines()[-2:] == ["共 1 个错误，0 个警告", "未生成模板：请先改正申报表中的错误"]


_ENDED_WITH_AN_EXIT_FUNCTION = """
import atexit, sys
from pathlib import Path

ran = Path(sys.argv.pop(1))
atexit.register(lambda: ran.write_text("ran", encoding="utf-8"))
from evaluator import command_line
command_line()
"""


@pytest.mark.parametrize("keep_a_thread", [False, True])
def test_the_command_ends_with_its_output_whole_and_its_exit_functions_run(tmp_path,
                                                                           keep_a_thread):
    """The command leaves without the interpreter's teardown (evaluator._ended_without_teardown),
    but what an exit does that a caller sees is still done: stdout written whole through a pipe,
    the exit status, the exit functions run; with another thread still running, the normal
    exit (which waits for it) instead."""
    script = _ENDED_WITH_AN_EXIT_FUNCTION
    if keep_a_thread:
        script = ("import threading, time\nthreading.Thread(target=time.sleep, args=(0.3,))"
                  ".start()\n" + script)
    ran = tmp_path / "ran.txt"
    done = subprocess.run([sys.executable, "-c", script, str(ran),
                           str(EXAMPLE / "goals.yaml"), str(EXAMPLE / "actuals.yaml"),
                           "--format", "json", "--jobs", "1"],
                          cwd=ROOT, capture_output=True, timeout=120)
    expected = subprocess.run([sys.executable, "-m", "evaluator", str(EXAMPLE / "goals.yaml"),
                               str(EXAMPLE / "actuals.yaml"), "--format", "json", "--jobs", "1"],
                              cwd=ROOT, capture_output=True, timeout=120)
    assert (done.returncode, done.stdout, done.stderr) == (
        expected.returncode, expected.stdout, expected.stderr)
    assert json.loads(done.stdout)["projects"]
    assert ran.read_text(encoding="utf-8") == "ran"
