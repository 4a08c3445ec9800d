"""The shipped rule sets, validated once and saved (``evaluator/shipped_rules.pickle``).

Validating a rule set through its pydantic models imports them and builds their validators
first: a third of a small run's start-up, against 0.2 ms to load the result saved (the plain
objects of rules.py: loading them imports no model). What is saved is keyed by the
very data a rule set validates (the files of its ``extends`` chain read and merged, in their
order) and the file by the code that validates it: this module's sources and Python's
version (not pydantic's: see ``saved_key``). Any other data, a file changed since or
another Python is validated as before. Written by `python -m evaluator.saved_rules`; a test holds it to a fresh
validation of every shipped rule set.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import sys
from pathlib import Path
from typing import Any

SAVED = Path(__file__).with_name("shipped_rules.pickle")
# what validating a rule set depends on: the models and the types they use
_VALIDATING = ("rules.py", "rule_specs.py", "models.py", "schema.py")


def saved_key() -> bytes:
    """What the saved rule sets are good for: these models, on this Python. Not keyed by
    pydantic's version: a fresh install takes the newest pydantic, and a key naming the one
    the file was saved with would have every such install validate again (CI found it so).
    What the models make of the data is this project's semantics; tests/test_saved_rules.py
    holds the saved sets to a fresh validation with whichever pydantic is installed."""
    digest = hashlib.sha256()
    for name in _VALIDATING:
        digest.update(Path(__file__).with_name(name).read_bytes())
    return f"{digest.hexdigest()} python {sys.version_info[0]}.{sys.version_info[1]}".encode()


def data_key(data: Any) -> str:
    """The merged data of a rule set, as it is validated. The order of keys is kept: it is
    the order of a mapping's entries in the rule set (its vocabulary's degrees, say)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_loaded: dict[str, Any] | None = None


def saved_rule_set(data: Any) -> Any:
    """The RuleSet this data validates to, when it is one saved; else None."""
    global _loaded
    if _loaded is None:
        _loaded = {}
        try:
            with open(SAVED, "rb") as saved:
                if saved.readline().rstrip(b"\n") == saved_key():
                    _loaded = pickle.load(saved)
        except Exception:  # missing or unreadable: every rule set is validated
            pass
    try:
        return _loaded.get(data_key(data))
    except (TypeError, ValueError):  # not JSON data: never one of ours
        return None


def save_rule_sets() -> None:
    """Validate every shipped rule set and write SAVED (`python -m evaluator.saved_rules`)."""
    from .rules import load_rules, shipped_rule_sets

    validated = {}
    for name in shipped_rule_sets():
        loaded, problems = load_rules(name, saved=False)
        if loaded.rules is None or problems:
            raise SystemExit(f"the shipped rule set {name} does not validate: {problems}")
        validated[data_key(loaded.data)] = loaded.rules
    SAVED.write_bytes(saved_key() + b"\n" + pickle.dumps(validated, pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    save_rule_sets()
