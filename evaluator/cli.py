"""The ``evaluate`` command: a thin wiring of the library (DESIGN §5).

Exit codes: 0 clean, 1 diagnostics (or warnings under --strict), 2 usage, IO or rule-set errors.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import stat
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

import click

from . import __version__
from .diagnostics import (PER_CODE, Diagnostic, Severity, format_all, format_diagnostic,
                          format_rows, visible)
from .formats import FORMATS, OutputProblem, Rendering, TemplateProblem
from .resources import DEFAULT_RULES

if TYPE_CHECKING:
    from .run import Run

# The engine (pydantic, lark and the stages) is imported by each command as it needs it: a run
# of --jobs N has a child parsing the files meanwhile (inputs.unit_inputs), and `evaluate --help`
# need not wait for it.

EXIT_CLEAN, EXIT_DIAGNOSTICS, EXIT_USAGE = 0, 1, 2


def _caused_by_an_interrupt(problem: BaseException) -> bool:
    """A Ctrl-C that landed in a library which wrapped it (pydantic building its schemas, as
    the engine is imported, turns it into a SchemaError)."""
    seen: set[int] = set()
    cause: BaseException | None = problem
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


class _Formatter(click.HelpFormatter):
    """click's own words in the help, in Chinese: the headings and the defaults."""

    _SECTIONS = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{self._SECTIONS.get(heading, heading)}：\n")

    def write_dl(self, rows, *args, **kwargs) -> None:
        rows = [(term, text.replace("[default: ", "[默认：").replace("required]", "必填]"))
                for term, text in rows]
        super().write_dl(rows, *args, **kwargs)


class _Context(click.Context):
    formatter_class = _Formatter


class _Chinese:
    """A command whose help and help option speak Chinese."""

    context_class = _Context

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = "显示此帮助并退出。"
        return option


class _Command(_Chinese, click.Command):
    def make_parser(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        from .internals import short_options_found_at_once

        return short_options_found_at_once(super().make_parser(ctx))


class _DefaultGroup(_Chinese, click.Group):
    """``evaluate GOALS ACTUALS`` runs the evaluation; a known word runs a helper command.
    Usage and IO errors are told in Chinese, exit 2."""

    command_class = _Command

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            super().main(args, prog_name, complete_var, False, **extra)
        except click.exceptions.Exit as done:
            sys.exit(done.exit_code)
        except click.exceptions.Abort:
            click.echo("已中止", err=True)
            sys.exit(EXIT_DIAGNOSTICS)
        except click.exceptions.NoArgsIsHelpError as problem:  # `evaluate` alone: its help
            click.echo(problem.ctx.get_help() if problem.ctx else problem.message, err=True)
            sys.exit(EXIT_USAGE)
        except click.ClickException as problem:
            click.echo(f"错误：{visible(_usage_message(problem))}", err=True)  # a name from argv
            click.echo("提示：运行 evaluate --help 查看用法", err=True)
            sys.exit(EXIT_USAGE)
        except OutputFailed as problem:
            click.echo(f"错误：{visible(str(problem))}", err=True)
            if problem.closed:  # nothing more can reach that reader, nor this stdout at exit
                _stdout_discarded()
            sys.exit(EXIT_DIAGNOSTICS if problem.closed else EXIT_USAGE)
        except MemoryError:
            click.echo("错误：内存不足，未能完成", err=True)
            click.echo("提示：可试 --jobs 1，或把项目分成几个文件分别评分", err=True)
            sys.exit(EXIT_USAGE)
        except OSError as problem:  # a file that vanished or could not be written mid-run
            click.echo(f"错误：读写文件失败：{reason(problem)}（{problem.filename}）", err=True)
            sys.exit(EXIT_USAGE)
        except Exception as problem:
            if not _caused_by_an_interrupt(problem):
                raise
            click.echo("已中止", err=True)  # a Ctrl-C that a library wrapped in its own error
            sys.exit(EXIT_DIAGNOSTICS)
        sys.exit(EXIT_CLEAN)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


def _stream(path: Path) -> os.stat_result | None:
    """The output's status when it is a device, a pipe or a socket (``-o /dev/stdout``,
    ``-o /dev/null``, a FIFO): written straight through, as a stream. A rename would put a
    regular file in its place (in /dev, as root) or fail (a pipe has no folder to write in)."""
    try:
        status = os.stat(path)
    except OSError:  # not there yet (an ordinary new file), or not for us to look at
        return None
    return None if stat.S_ISREG(status.st_mode) or stat.S_ISDIR(status.st_mode) else status


_REASONS = {errno.ENOSPC: "磁盘空间不足", errno.EDQUOT: "超出磁盘配额", errno.EACCES: "没有权限",
            errno.EPERM: "没有权限", errno.EROFS: "所在的文件系统是只读的", errno.EFBIG: "文件过大",
            errno.EIO: "设备读写错误", errno.ENOENT: "路径不存在", errno.EISDIR: "这是一个目录",
            errno.ENOTDIR: "路径中有一段不是目录", errno.EPIPE: "读取的一方已关闭",
            errno.ENAMETOOLONG: "文件名过长", errno.EMFILE: "打开的文件过多",
            errno.ENFILE: "打开的文件过多", errno.ENXIO: "没有进程在读取", errno.ETXTBSY: "文件正被占用"}


def reason(problem: OSError) -> str:
    """What went wrong with a file, in Chinese (the system's own words are English)."""
    return _REASONS.get(problem.errno or 0) or problem.strerror or type(problem).__name__


class OutputFailed(Exception):
    """A report or template that could not be written, named by the path the user gave (not
    the temporary file beside it); ``closed``: its reader went away (a pipe, a FIFO)."""

    def __init__(self, path: Path | None, problem: OSError):
        self.closed = isinstance(problem, BrokenPipeError) or problem.errno == errno.EPIPE
        where = "标准输出" if path is None else str(path)
        message = (f"{where} 的读取方已关闭（管道或 FIFO），输出没有写完" if self.closed
                   else f"无法写入 {where}：{reason(problem)}")
        super().__init__(message)


def _stdout_discarded() -> None:
    """stdout sent to /dev/null: a pipe whose reader left would fail again as Python flushes
    it on the way out, with a message in English."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(_devnull(), sys.stdout.fileno())


def _devnull() -> int:
    return os.open(os.devnull, os.O_WRONLY)


class _Output(click.ParamType):
    """``-o FILE``: a path that ends in a slash names a folder, whether or not there is one
    (``-o out/`` would otherwise write a file called out)."""

    name = "FILE"

    def convert(self, value, param, ctx) -> Path:
        if isinstance(value, Path):
            return value
        text = os.fsdecode(value)
        if text.endswith(("/", os.sep)):
            self.fail(f"输出路径 {text} 是一个目录，请写出文件名", param, ctx)
        return Path(text)


_OUTPUT = _Output()


def _is_an_input(path: Path, inputs: list[Path]) -> bool:
    """The same file as an input, by device and inode: a hard link, or a link, to an input
    is that input."""
    try:
        status = os.stat(path)
    except OSError:  # not there (yet): no input can be it
        return False
    for candidate in inputs:
        with contextlib.suppress(OSError):
            if os.path.samestat(status, os.stat(candidate)):
                return True
    return False


def _check_output(path: Path, inputs: list[Path]) -> Path:
    if _is_an_input(path, inputs):
        raise click.UsageError(f"输出文件 {path} 是输入文件，拒绝覆盖")
    if _stream(path) is not None:
        return path
    target = path.resolve()
    if target.is_dir():
        raise click.UsageError(f"输出路径 {path} 是一个目录")
    if not target.parent.is_dir():
        raise click.UsageError(f"输出目录 {target.parent} 不存在")
    return target


def _write_atomically(path: Path, chunks: Iterable[bytes], inputs: list[Path]) -> None:
    """Write to a temporary file beside the target, then rename: a reader never sees half a
    report, and a failure leaves the old file as it was."""
    target = _check_output(path, inputs)
    try:
        if _stream(target) is not None:
            with open(target, "wb", buffering=0) as out:
                _written_through(out.fileno(), chunks)
            return
        _stale_removed(target)
        _written_and_renamed(target, chunks)
    except OSError as problem:
        raise OutputFailed(path, problem) from problem


_TEMPORARY = ".tmp"


def _stale_removed(target: Path) -> None:
    """The temporary files a killed run left beside this output (``.NAME.PID.xxxx.tmp``),
    removed when their process is gone; a run still writing keeps its own."""
    prefix = f".{target.name}."
    with contextlib.suppress(OSError), os.scandir(target.parent) as entries:
        for entry in entries:
            name = entry.name
            if not (name.startswith(prefix) and name.endswith(_TEMPORARY)):
                continue
            pid = name[len(prefix):].split(".", 1)[0]
            if not pid.isdigit() or _alive(int(pid)) or not entry.is_file(follow_symlinks=False):
                continue
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # another user's process; no such number
        return True
    return True


def _written_and_renamed(target: Path, chunks: Iterable[bytes]) -> None:
    pending: list[str] = []  # the temporary file, until it is renamed
    with _removed_if_terminated(pending):
        handle, temporary = tempfile.mkstemp(dir=target.parent,
                                             prefix=f".{target.name}.{os.getpid()}.",
                                             suffix=_TEMPORARY)
        pending.append(temporary)
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
            umask = os.umask(0)  # mkstemp makes 0600; a report is an ordinary file
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
            os.replace(temporary, target)
            pending.clear()
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


@contextlib.contextmanager
def _removed_if_terminated(pending: list[str]) -> Iterator[None]:
    """While a report is written, SIGTERM (a scheduler's kill, ``timeout``) first stops the
    --jobs workers and the browsers printing a PDF, removes the temporary file (``pending``,
    until it is renamed) and the browsers' folder, then ends the process as the signal would
    have (exit 143). Not by unwinding: a pool whose workers died mid-task can hang on its way
    out. A SIGTERM the caller ignores stays ignored; a process forked meanwhile (a worker not
    yet past its initializer, parallel.py) only ends."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous is signal.SIG_IGN or previous is None:  # ignored, or set outside Python
        yield
        return
    owner = os.getpid()

    def terminated(signum: int, _frame: object) -> None:
        if os.getpid() == owner:
            workers = sys.modules.get(f"{__package__}.parallel")
            if workers is not None:
                workers.no_more_workers()  # else one may be forked as these are killed
            processes = sys.modules.get("multiprocessing")
            for child in processes.active_children() if processes else ():
                child.kill()
            printing = sys.modules.get(f"{__package__}.printing")
            if printing is not None:  # its browsers, and their folder of pages
                printing.stop_printing()
            for temporary in pending:
                Path(temporary).unlink(missing_ok=True)
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _emit(chunks: Iterable[str | bytes], output: Path | None, inputs: list[Path]) -> None:
    encoded = (c.encode("utf-8") if isinstance(c, str) else c for c in chunks)
    if output is not None:
        _write_atomically(output, encoded, inputs)
        return
    stream = sys.stdout.buffer  # click.get_binary_stream is deprecated
    try:
        stream.flush()
        descriptor = stream.fileno()
    except (OSError, ValueError, AttributeError):  # not a file (a test's capture)
        descriptor = None
    try:
        if descriptor is None:
            for chunk in encoded:
                stream.write(chunk)
            stream.flush()
        else:
            _written_through(descriptor, encoded)
    except OSError as problem:  # `evaluate … | head`: the reader went away
        raise OutputFailed(None, problem) from problem


def _written_through(descriptor: int, chunks: Iterable[bytes]) -> None:
    """Each chunk written whole to a pipe or a device. Not through a buffered file: when a
    pipe's reader leaves in the middle of a write, the part written is reported and the rest
    dropped without an error (measured: 64 kB of 100 kB, exit 0); written here, the next write
    fails as it should."""
    for chunk in chunks:
        view = memoryview(chunk)
        while view:
            view = view[os.write(descriptor, view):]


def _progress(lines: Iterable[tuple[str | bytes, int]], total: int) -> Iterator[str | bytes]:
    """Projects done, rate and time left on a terminal's stderr; nothing when it is not one."""
    show = sys.stderr.isatty() and total > 0
    start = last = time.monotonic()
    shown = False
    for line, done in lines:
        now = time.monotonic()
        if show and now - last >= 0.5:
            rate = done / (now - start)
            left = (total - done) / rate if rate else 0
            click.echo(f"\r已完成 {done}/{total} 个项目，每秒 {rate:.0f} 个，预计还需 {left:.0f} 秒 ",
                       err=True, nl=False)
            last, shown = now, True
        yield line
    if shown:
        click.echo("\r" + " " * 60 + "\r", err=True, nl=False)


def _rule_files(reference: str) -> list[Path]:
    """The rule files a run reads (a file given by path and what it extends), so that -o
    never writes over one."""
    from .rules import load_rules

    loaded, _problems = load_rules(reference)
    return [Path(d.path) for d in loaded.documents]


def _load_rules(reference: str):
    from .run import RulesProblem, load_rule_set

    try:
        return load_rule_set(reference)
    except RulesProblem as problem:
        click.echo(format_all(problem.diagnostics, problem.sources), err=True)
        click.echo(f"规则集有 {len(problem.diagnostics)} 个错误，未进行评分", err=True)
        raise SystemExit(EXIT_USAGE)


def _report_diagnostics(diagnostics: tuple[Diagnostic, ...], sources: dict, strict: bool) -> int:
    errors = sum(1 for d in diagnostics if d.is_error)
    return _reported(len(diagnostics), errors, strict,
                     lambda: format_all(diagnostics, sources, per_code=PER_CODE))


def _report_run(run: Run, strict: bool) -> int:
    """A run's diagnostics on stderr: from their rows where it has them so (Run.sorted_rows: a
    messy province's 80 000, only those printed made objects)."""
    rows = run.sorted_rows()
    if rows is None:
        return _report_diagnostics(run.sorted_diagnostics(), run.sources, strict)
    errors = [row[5] for row in rows].count(Severity.ERROR.value)
    return _reported(len(rows), errors, strict,
                     lambda: format_rows(rows, run.sources, PER_CODE))


def _reported(count: int, errors: int, strict: bool, printed: Callable[[], str]) -> int:
    warnings = count - errors
    if count:
        click.echo(printed(), err=True)
        click.echo(f"共 {errors} 个错误，{warnings} 个警告", err=True)
    if errors or (strict and warnings):
        return EXIT_DIAGNOSTICS
    return EXIT_CLEAN


class _Existing(click.ParamType):
    """An existing, readable file (or folder), with the refusal in Chinese."""

    def __init__(self, folder: bool = False):
        self.folder = folder
        self.name = "DIR" if folder else "FILE"

    def convert(self, value, param, ctx) -> Path:
        path, kind = Path(value), "目录" if self.folder else "文件"
        if not path.exists():
            self.fail(f"{kind}“{value}”不存在", param, ctx)
        if path.is_dir() != self.folder:
            self.fail(f"“{value}”不是目录" if self.folder else f"“{value}”是一个目录，不是文件",
                      param, ctx)
        if not os.access(path, os.R_OK):
            self.fail(f"{kind}“{value}”无法读取（没有权限）", param, ctx)
        if self.folder:
            return path
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):  # ln -s /dev/zero z.yaml: never read
            self.fail(f"“{value}”不是普通文件（是设备、管道或套接字），拒绝读取", param, ctx)
        limit = (ctx.meta.get(_LIMIT) if ctx is not None else None) or DEFAULT_INPUT_LIMIT
        if status.st_size > limit:
            self.fail(f"文件“{value}”有 {_megabytes(status.st_size)}，超过输入文件的大小上限 "
                      f"{_megabytes(limit)}；如确需读取，请加 --max-input-size "
                      f"{-(-status.st_size // MB)}", param, ctx)
        return path


_INPUT = _Existing()
MB = 1 << 20
DEFAULT_INPUT_LIMIT = 256 * MB  # a province's actuals are 22 MB; parsing takes ten times a file
_LIMIT = "max-input-bytes"


def _megabytes(size: int) -> str:
    return f"{size / MB:.1f} MB"


def _limit_given(ctx: click.Context, _param: click.Parameter, value: int | None) -> None:
    """Eager: known before the files are checked, wherever it stands on the command line."""
    if value is not None:
        ctx.meta[_LIMIT] = value * MB


_input_limit_option = click.option(
    "--max-input-size", type=click.IntRange(min=1), metavar="MB", is_eager=True,
    expose_value=False, callback=_limit_given,
    help=f"输入文件的大小上限（MB，默认 {DEFAULT_INPUT_LIMIT // MB}）：更大的文件不读取。")


class _Jobs(click.ParamType):
    """``auto`` (None: chosen by ``parallel.automatic_jobs``) or a number of processes, 1–64."""

    name = "jobs"

    def get_metavar(self, param, ctx=None) -> str:  # click would write it in capitals
        return "auto|N"

    def convert(self, value, param, ctx) -> int | None:
        if value is None or isinstance(value, int):
            return value
        if str(value).strip().lower() == "auto":
            return None
        try:
            number = int(str(value).strip())
        except ValueError:
            self.fail(f"“{value}”不是 auto，也不是整数", param, ctx)
        if not 1 <= number <= 64:
            self.fail(f"{number} 不在 1 到 64 之间", param, ctx)
        return number


_JOBS = _Jobs()


def _rules_option(help: str = "规则集：内置名称或 YAML 文件路径。"):  # noqa: A002 - click's word
    return click.option("--rules", "rules_ref", default=DEFAULT_RULES, show_default=True,
                        metavar="NAME|FILE", help=help)


@click.group(cls=_DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="evaluate", help="显示版本并退出。",
                      message="%(prog)s %(version)s")
def main() -> None:
    """Jixiao：按财预〔2020〕10号规则给项目支出绩效自评打分。

    \b
    evaluate GOALS ACTUALS        生成自评表（默认 Markdown）
    evaluate check GOALS [ACTUALS]  只检查输入
    evaluate scaffold GOALS -o F  生成 actuals.yaml 模板（--format xlsx：Excel 自评表）
    evaluate parse EXPR           显示指标值的解析结果
    evaluate rules [NAME]         列出或显示规则集
    evaluate summary UNIT…        多个单位的汇总与异常清单（--archive：与上年比较）
    evaluate history ARCHIVE      归档中各单位的历年结果
    """


@main.command("run")
@click.argument("goals", type=_INPUT)
@click.argument("actuals", type=_INPUT)
@_rules_option()
@_input_limit_option
@click.option("--format", "output_format", type=click.Choice(list(FORMATS)), default="md",
              show_default=True,
              help="输出格式：" + "；".join(f.help() for f in FORMATS.values()) + "。")
@click.option("-o", "--output", type=_OUTPUT, metavar="FILE",
              help="写入文件（原子写入）。")
@click.option("--project", metavar="NAME", help="只评这一个项目（项目名称）。")
@click.option("--explain", is_flag=True, help="列出每项得分的计算过程。")
@click.option("--strict", is_flag=True, help="有警告也以退出码 1 结束。")
@click.option("--for-submission", "submission", is_flag=True,
              help="上报版：只含官方表式（不含与得分相同的规则得分列、标注、图表和检查发现的问题）；"
                   "默认为审核版。")
@click.option("--templates", type=_Existing(folder=True),
              help="自定义模板目录（同名文件覆盖内置模板；在沙箱中渲染）。")
@click.option("--template-timeout", type=click.FloatRange(min=0, min_open=True), default=10,
              show_default=True, metavar="SECONDS",
              help="自定义模板渲染的时间上限（秒），超过即为模板错误。")
@click.option("--template-max-output", type=click.IntRange(min=1), default=100,
              show_default=True, metavar="MB",
              help="自定义模板输出的大小上限（百万字），超过即为模板错误。")
@click.option("--jobs", type=_JOBS, default="auto", show_default=True,
              help="用几个进程：多于 1 个时，另起一个进程解析文件，JSON 输出时由这么多个进程分担"
                   "项目（结果与单进程逐字节相同），PDF 输出时同时用这么多个浏览器分段打印。"
                   "auto：在 Linux 上输入合计不小于 2 MB 时，本进程可用几个 CPU（含 cgroup 配额的"
                   "限制）就用几个（至多 4 个），否则 1 个；PDF 的浏览器不论输入大小，可用几个 CPU"
                   "就用几个（至多 4 个）。")
def run(goals: Path, actuals: Path, rules_ref: str, output_format: str, output: Path | None,
        project: str | None, explain: bool, strict: bool, submission: bool,
        templates: Path | None, template_timeout: float, template_max_output: int,
        jobs: int | None) -> None:
    """生成项目支出绩效自评表和单位汇总。"""
    chosen = FORMATS[output_format]
    if chosen.needs_file and output is None:
        raise click.UsageError(f"{chosen.label} 格式须用 -o 指定输出文件，"
                               f"如 -o 自评表.{chosen.extension}")
    browsers = None  # a PDF's: as many as jobs, unless chosen here
    if jobs is None:
        from .parallel import automatic_browsers, automatic_jobs

        jobs = automatic_jobs([goals, actuals])
        if output_format == "pdf":
            browsers = automatic_browsers()
    elif jobs > 1:
        from .parallel import can_fork

        jobs = jobs if can_fork() else 1
    from .internals import loaded_data_settled, loading_data

    # The engine's modules, as the files' data, are objects that live as long as the run: the
    # cyclic collector is kept from walking them as they are made (4 ms of a small run's
    # imports), and prepare settles them all (loaded_data_settled).
    loading_data()
    try:
        from .inputs import unit_inputs

        inputs = unit_inputs(goals, actuals, processes=jobs)  # begun: a child parses meanwhile
        try:
            from .run import prepare

            rules, lexicon = _load_rules(rules_ref)
            read_files = [goals, actuals] + _rule_files(rules_ref) + (
                [p for p in templates.rglob("*") if p.is_file()] if templates else [])
            if output is not None:
                _check_output(output, read_files)
            run = prepare(str(goals), str(actuals), rules, lexicon, project=project,
                          inputs=inputs, long_lived=True)
        finally:
            inputs.close()  # done with already, unless this run ended before it was read
    except BaseException:
        loaded_data_settled()  # the collector back on, whatever ended the run
        raise
    if project is not None and run.goals is not None and project not in run.goals.names:
        import difflib

        close = difflib.get_close_matches(project, [n for n in run.goals.names if n], n=1,
                                          cutoff=0.4)
        raise click.UsageError(f"申报表中没有项目“{project}”"
                               + (f"；是否为“{close[0]}”？" if close else ""))
    if run.checking_only:  # a header in error: every project is checked, none reported
        for _result in run.results():
            pass
    elif run.goals is not None and run.actuals is not None:  # no half report from a bad file
        job = Rendering(run, explain=explain, templates=str(templates) if templates else None,
                        submission=submission, jobs=jobs, browsers=browsers,
                        progress=_progress,
                        template_seconds=template_timeout,
                        template_characters=template_max_output << 20)
        try:
            # a streamed format (Word) may find a user's template at fault as it writes; a
            # SIGTERM is handled while the report is made, too (a PDF is printed before its
            # first chunk, to stdout as well)
            with _removed_if_terminated([]):
                _emit(chosen.render(job), output, read_files)
        except TemplateProblem as problem:
            click.echo(f"模板错误：{problem}", err=True)
            sys.exit(EXIT_USAGE)
        except OutputProblem as problem:
            click.echo(str(problem), err=True)
            sys.exit(EXIT_USAGE)
    sys.exit(_report_run(run, strict))


@main.command()
@click.argument("goals", type=_INPUT)
@click.argument("actuals", type=_INPUT, required=False)
@_rules_option()
@_input_limit_option
@click.option("--strict", is_flag=True, help="有警告也以退出码 1 结束。")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json：把发现的问题以 JSON 输出到标准输出。")
def check(goals: Path, actuals: Path | None, rules_ref: str, strict: bool,
          output_format: str) -> None:
    """只检查申报表（和完成值文件），不生成报告。"""
    from .run import evaluate_files
    from .json_report import diagnostic_json

    rules, lexicon = _load_rules(rules_ref)
    evaluation = evaluate_files(str(goals), str(actuals) if actuals else None, rules, lexicon)
    if output_format == "json":
        _emit([json.dumps({"diagnostics": [diagnostic_json(d) for d in evaluation.diagnostics]},
                          ensure_ascii=False, indent=2), "\n"], None, [])
    status = _report_diagnostics(evaluation.diagnostics, evaluation.sources, strict)
    if status == EXIT_CLEAN:
        click.echo("检查通过" + ("" if not evaluation.warnings else "（有警告）"), err=True)
    sys.exit(status)


@main.command("summary")
@click.argument("units", nargs=-1, required=True, type=_Existing(folder=True))
@_rules_option("单位目录中没有 rules.yaml 时使用的规则集：内置名称或 YAML 文件路径。")
@click.option("--format", "output_format", type=click.Choice(["md", "html", "json", "xlsx"]),
              default="md", show_default=True, help="输出格式；xlsx 须配合 -o。")
@click.option("-o", "--output", type=click.Path(path_type=Path), metavar="FILE",
              help="写入文件（原子写入）。")
@click.option("--archive", type=click.Path(path_type=Path), metavar="FILE",
              help="SQLite 归档文件：记录本次结果（同一单位同一年度重跑则替换），并与上一年度比较。")
@click.option("--jobs", type=_JOBS, default="auto", show_default=True,
              help="用几个进程同时给单位评分。auto：在 Linux 上单位不少于 4 个时，"
                   "可用几个 CPU 就用几个（至多 4 个），否则 1 个。")
@click.option("--strict", is_flag=True, help="有警告也以退出码 1 结束。")
def summary_command(units: tuple[Path, ...], rules_ref: str, output_format: str,
                    output: Path | None, archive: Path | None, jobs: int | None,
                    strict: bool) -> None:
    """汇总多个单位（每个单位一个目录，内含 goals 和 actuals，可另带 rules.yaml）的自评结果。"""
    if output_format == "xlsx" and output is None:
        raise click.UsageError("Excel 格式须用 -o 指定输出文件，如 -o 汇总.xlsx")
    from .department import automatic_jobs, summarize

    if jobs is None:
        jobs = automatic_jobs(len(units))
    inputs = [p for folder in units for p in folder.iterdir() if p.is_file()]
    if output is not None:
        _check_output(output, inputs)
    from .summary import Engine

    engine = Engine(*_load_rules(rules_ref))
    outcome = summarize(list(units), engine, output_format, jobs=jobs, archive=archive,
                        told=lambda text: click.echo(text, err=True))
    if outcome.refused is not None:  # the archive cannot be used: nothing was scored
        click.echo(format_all(outcome.refused), err=True)
        sys.exit(EXIT_USAGE)
    _emit([outcome.data], output, inputs)
    if outcome.errors or outcome.warnings:
        click.echo(f"共 {outcome.errors} 个错误，{outcome.warnings} 个警告", err=True)
    if outcome.rules_failed:
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_DIAGNOSTICS if outcome.errors or strict and outcome.warnings else EXIT_CLEAN)


@main.command("history")
@click.argument("archive", type=_INPUT)
@click.option("--unit", "units", multiple=True, metavar="NAME",
              help="只看这个单位（实施单位名称，可重复）；默认全部单位。")
def history_command(archive: Path, units: tuple[str, ...]) -> None:
    """列出归档（evaluate summary --archive）中各单位历年的汇总。"""
    from .archive import Archive, ArchiveProblem
    from .department import render_history

    try:
        store = Archive.open(archive, writing=False)
    except ArchiveProblem as problem:
        click.echo(format_all(problem.diagnostics), err=True)
        sys.exit(EXIT_USAGE)
    try:
        known = store.units()
        for unit in units:
            if unit not in known:
                import difflib

                close = difflib.get_close_matches(unit, known, n=1, cutoff=0.4)
                raise click.UsageError(f"归档中没有单位“{unit}”"
                                       + (f"；是否为“{close[0]}”？" if close else ""))
        click.echo(render_history(store, list(units) or known), nl=False)
    finally:
        store.close()


@main.command()
@click.argument("goals", type=_INPUT)
@click.option("-o", "--output", type=_OUTPUT, metavar="FILE",
              help="写入文件；默认输出到屏幕（xlsx 须用 -o）。")
@click.option("--format", "output_format", type=click.Choice(["yaml", "xlsx"]), default="yaml",
              show_default=True, help="yaml：actuals.yaml 模板；xlsx：待填写的自评表工作簿。")
@_rules_option("按哪个规则集分配分值。")
@_input_limit_option
@click.option("--force", is_flag=True, help="覆盖已存在的输出文件。")
def scaffold(goals: Path, output: Path | None, output_format: str, rules_ref: str,
             force: bool) -> None:
    """按申报表生成待填写的模板：actuals.yaml（每个指标一行，指标值和分值写在注释里），
    或 Excel 自评表（--format xlsx）。"""
    if output_format == "xlsx" and output is None:
        raise click.UsageError("Excel 格式须用 -o 指定输出文件，如 -o 自评表.xlsx")
    from .scaffold import read_for_scaffold, scaffold_actuals

    rules, lexicon = _load_rules(rules_ref)
    if output_format == "xlsx":
        goals_read, projects, diagnostics, sources = read_for_scaffold(str(goals))
        data = None
        if goals_read is not None:
            from .fill_in import fill_in_workbook

            data = fill_in_workbook(goals_read, projects, rules, lexicon)
    else:
        text, diagnostics, sources = scaffold_actuals(str(goals), rules)
        data = text.encode("utf-8") if text is not None else None
    if data is None:
        _report_diagnostics(tuple(diagnostics), sources, strict=False)
        click.echo("未生成模板：请先改正申报表中的错误", err=True)
        sys.exit(EXIT_DIAGNOSTICS)
    if diagnostics:  # warnings only: told, and the template written all the same
        _report_diagnostics(tuple(diagnostics), sources, strict=False)
    if output is None:
        _emit([data], None, [goals])
        return
    if output.is_file() and not force:  # a pipe, a device: written; a folder: refused below
        raise click.UsageError(f"{output} 已存在；如确需覆盖请加 --force")
    _write_atomically(output, [data], [goals])
    click.echo(f"已写入 {output}", err=True)


@main.command("import")
@click.argument("sources", nargs=-1, required=True, type=_INPUT)
@click.option("-o", "--output", "folder", required=True, type=click.Path(path_type=Path),
              metavar="DIR", help="写入 goals.yaml（有自评表时也写 actuals.yaml）的目录。")
@click.option("--force", is_flag=True, help="覆盖目录中已有的 goals.yaml、actuals.yaml。")
@_rules_option("提供指标目录（二级指标属于哪个一级指标）的规则集。")
def import_command(sources: tuple[Path, ...], folder: Path, force: bool, rules_ref: str) -> None:
    """读取单位的申报表、自评表（文本、Excel、Word、PDF），写出 goals.yaml（和 actuals.yaml）。"""
    from .importing import import_sources, written_errors

    if folder.exists() and not folder.is_dir():
        raise click.UsageError(f"输出路径 {folder} 不是目录")
    rules, lexicon = _load_rules(rules_ref)
    result = import_sources([str(s) for s in sources], rules.importing.catalogue)
    if result.goals is None:
        _report_diagnostics(result.diagnostics, result.sources, strict=False)
        click.echo("未写入任何文件：" + ("有来源无法读取" if result.unreadable else "没有读到项目"),
                   err=True)
        sys.exit(EXIT_USAGE if result.unreadable else EXIT_DIAGNOSTICS)
    outputs = [(folder / "goals.yaml", result.goals)]
    outputs += [(folder / "actuals.yaml", result.actuals)] if result.actuals else []
    for path, _text in outputs:
        if path.is_file() and not force:
            raise click.UsageError(f"{path} 已存在；如确需覆盖请加 --force")
    if not folder.parent.is_dir():
        raise click.UsageError(f"输出目录 {folder.parent} 不存在")
    folder.mkdir(exist_ok=True)
    for path, text in outputs:
        _write_atomically(path, [text.encode("utf-8")], list(sources))
    problems, documents = written_errors([str(p) for p, _ in outputs], rules, lexicon)
    _report_diagnostics((*result.diagnostics, *problems), {**result.sources, **documents}, False)
    click.echo(f"已写入 {'、'.join(str(p) for p, _ in outputs)}：{len(result.projects)} 个项目，"
               f"{result.inferred} 处推断（见文件中的“推断”注释）", err=True)
    sys.exit(EXIT_DIAGNOSTICS if result.diagnostics or problems or result.inferred else EXIT_CLEAN)


@main.command("parse")
@click.argument("expression")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出语法树。")
@_rules_option("提供词表的规则集。")
def parse_command(expression: str, as_json: bool, rules_ref: str) -> None:
    """显示一个指标值或完成值的解析结果。"""
    from .diagnostics import Position, error
    from .expression import FreeText, format_expression, kind_of
    from .parser import ExpressionError

    _rules, lexicon = _load_rules(rules_ref)
    result = lexicon.read(expression)
    if isinstance(result, ExpressionError):
        diagnostic = error(result.code, result.message, Position("<参数>", 1, result.offset + 1),
                           length=result.length, hint=result.hint or None)
        click.echo(format_diagnostic(diagnostic, {"<参数>": expression}), err=True)
        sys.exit(EXIT_DIAGNOSTICS)
    if as_json:
        click.echo(json.dumps(ast_to_data(result), ensure_ascii=False, indent=2))
    else:
        click.echo(f"{kind_of(result)}: {format_expression(result)}")
        for key, value in ast_to_data(result).items():
            if key != "kind":
                click.echo(f"  {key}: {json.dumps(value, ensure_ascii=False)}")
    if isinstance(result, FreeText) and result.unknown:  # a problem, as an error is: exit 1
        close = f"是否为“{'”“'.join(result.suggestions)}”？" if result.suggestions else ""
        diagnostic = error("actual.unknown_word",
                           f"“{result.unknown}”不是规则集词表中的词：作为完成值无法判断达成程度，"
                           f"作为指标值按普通文字处理", Position("<参数>", 1,
                                                          expression.find(result.unknown) + 1),
                           length=len(result.unknown),
                           hint=f"{close}也可以直接写“达成”“部分达成”或“未达成”")
        click.echo(format_diagnostic(diagnostic, {"<参数>": expression}), err=True)
        sys.exit(EXIT_DIAGNOSTICS)


def ast_to_data(node) -> dict:
    from dataclasses import fields, is_dataclass
    from decimal import Decimal
    from enum import Enum

    from .expression import kind_of

    def plain(value):
        if is_dataclass(value):
            return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
        if isinstance(value, Enum):
            return value.value
        if isinstance(value, Decimal):
            return format(value, "f")
        if isinstance(value, tuple):
            return [plain(v) for v in value]
        return value

    return {"kind": kind_of(node), **plain(node)}


@main.command("rules")
@click.argument("name", required=False)
def rules_command(name: str | None) -> None:
    """列出内置规则集；给出名称（或文件）时显示它的每个选项、说明和取值。"""
    from .rules import describe, shipped_rule_sets

    if name is None:
        for shipped in shipped_rule_sets():
            rules, _ = _load_rules(shipped)
            click.echo(f"{shipped}\t{rules.title}")
        return
    rules, _ = _load_rules(name)
    click.echo(f"# {rules.name}：{rules.title}")
    if rules.source:
        click.echo(f"# 依据：{rules.source}")
    for option, title, description, value in describe(rules):
        if isinstance(value, (dict, list)) and option.count(".") == 0:
            click.echo(f"\n{option}  {title}：{description}")
            for item in value if isinstance(value, list) else ():  # grades: each its own line
                click.echo(f"  - {json.dumps(item, ensure_ascii=False)}")
            continue
        shown = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
        click.echo(f"  {option} = {shown}\n      {title}：{description}")


def _usage_message(problem: click.ClickException) -> str:
    """click's refusals, in Chinese."""
    if isinstance(problem, click.MissingParameter):
        name = problem.param.human_readable_name if problem.param else ""
        return f"缺少参数 {name}"
    if isinstance(problem, click.NoSuchOption):
        close = f"（是否为 {', '.join(sorted(problem.possibilities))}？）" if problem.possibilities else ""
        # -5% is an expression to `evaluate parse`, read as an option: say how to write it
        dash = ("；以“-”开头的文字请写在 -- 之后，如 evaluate parse -- -5%"
                if problem.option_name[1:2].isdigit() else "")
        return f"没有选项 {problem.option_name}{close}{dash}"
    if isinstance(problem, click.BadOptionUsage):
        if "requires" in problem.message:  # click's "Option '-o' requires an argument."
            return f"选项 {problem.option_name} 后面缺少取值"
        if "does not take a value" in problem.message:
            return f"选项 {problem.option_name} 不带取值"
        return f"选项 {problem.option_name} 的用法不对"
    if isinstance(problem, click.BadParameter):
        param = problem.param
        name = (param.opts[0] if isinstance(param, click.Option) else
                param.human_readable_name) if param else ""
        detail = problem.message
        if param is not None and isinstance(param.type, click.Choice):
            detail = f"可选：{'、'.join(map(str, param.type.choices))}"
        elif param is not None and isinstance(param.type, (click.IntRange, click.types.IntParamType)):
            detail = "应为允许范围内的整数"
        return f"参数 {name} 不正确：{detail}"
    if isinstance(problem, click.UsageError):
        message = problem.message
        if message.startswith(("No such command", "Got unexpected extra argument")):
            return "多余或无法识别的参数"
        return message
    return problem.format_message()


def entry(argv: list[str] | None = None) -> None:
    """The installed command."""
    main.main(args=argv, prog_name="evaluate")
