"""Jixiao (绩效): a rules engine for the year-end performance self-evaluation of budget projects.

The pipeline, one module per stage: source (YAML with positions) → goals / actuals (schemas
and records) → parser + vocabulary (targets and actuals to ASTs) → weights → scoring →
evaluation (join, review, totals) → report (context, templates, JSON).
"""

__version__ = "0.1.0"


def command_line() -> None:
    """The installed command, ``evaluate``. The command is imported here rather than named in
    the entry point, so that a Ctrl-C while it loads ends the run as one a moment later does
    (已中止, exit 1), not with a traceback through the imports."""
    import sys

    try:
        from .cli import entry
    except KeyboardInterrupt:
        sys.stderr.write("已中止\n")
        sys.exit(1)
    entry()
