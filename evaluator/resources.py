"""The one place that knows where grammar/, rules/ and reports/ are.

In a wheel they are installed as ``evaluator/_data/<name>``; in a source checkout (editable
install or plain ``python -m evaluator``) they are the top-level folders of the repository.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

DEFAULT_RULES = "mof-2020"  # the rule set of a run that names none

_PACKAGE = Path(__file__).resolve().parent
_KINDS = ("grammar", "rules", "reports")


@cache
def resource_dir(kind: str) -> Path:
    if kind not in _KINDS:
        raise ValueError(f"unknown resource kind {kind!r}")
    for candidate in (_PACKAGE / "_data" / kind, _PACKAGE.parent / kind):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the {kind}/ folder is missing from this installation of Jixiao")


def resource_path(kind: str, name: str) -> Path:
    return resource_dir(kind) / name
