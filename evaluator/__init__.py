"""Jixiao (绩效): a rules engine for the year-end performance self-evaluation of budget projects.

The pipeline, one module per stage: source (YAML with positions) → goals / actuals (schemas
and records) → parser + vocabulary (targets and actuals to ASTs) → weights → scoring →
evaluation (join, review, totals) → report (context, templates, JSON).
"""

__version__ = "0.1.0"


def command_line(teardown: bool = False) -> None:
    """The installed command, ``evaluate``. The command is imported here rather than named in
    the entry point, so that a Ctrl-C while it loads ends the run as one a moment later does
    (已中止, exit 1), not with a traceback through the imports. ``teardown``: end as an
    interpreter does, raising SystemExit (for a caller that looks at the process after)."""
    import sys

    try:
        from .cli import entry
    except KeyboardInterrupt:
        sys.stderr.write("已中止\n")
        sys.exit(1)
    try:
        entry()
    except SystemExit as done:
        if not teardown:
            _ended_without_teardown(done.code)
        raise


def _ended_without_teardown(code: object) -> None:
    """The process ended at once once a command is done, its exit functions run and its
    output flushed, without the interpreter's teardown: a province's run leaves millions of
    objects, and freeing them one by one took a quarter of a second (measured) for a process
    about to end. Only when nothing else is left to wait for (another thread still running:
    a normal exit waits for it) and the output flushes (a failure to is reported by the
    normal exit, as before); otherwise the normal exit follows."""
    import atexit
    import os
    import sys
    import threading

    if code is None:
        code = 0
    if type(code) is not int or threading.active_count() > 1:
        return
    atexit._run_exitfuncs()  # the --jobs pool's, a parsing child's reaping: what a normal exit runs
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        return
    os._exit(code)
