"""The shipped templates, compiled once and saved (``evaluator/shipped_templates.marshal``).

Jinja compiles a template to Python as it first loads it: 25 ms of a small Markdown or HTML
run, against a millisecond to load the code saved. What is saved is keyed by each template's
name, its source's SHA-256 and what of the environment decides the code (its class, escaping,
whitespace options, sandbox operators, filters); the file by Jinja's and Python's versions
(marshalled code is Python's own). A template edited since, a user's folder (``--templates``:
never saved code), another environment, Jinja or Python is compiled as before. Written by
`python -m evaluator.saved_templates`; a test holds it to a fresh compilation.
"""

from __future__ import annotations

import hashlib
import marshal
import sys
from functools import cache
from pathlib import Path
from types import CodeType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2

SAVED = Path(__file__).with_name("shipped_templates.marshal")


def saved_key() -> bytes:
    import jinja2

    return f"jinja2 {jinja2.__version__} python {sys.version_info[0]}.{sys.version_info[1]}".encode()


def template_key(environment: jinja2.Environment, name: str, source: str) -> str:
    """A template's source, and the environment's settings its compiled code depends on."""
    settings = (type(environment).__name__, environment.autoescape, environment.trim_blocks,
                environment.lstrip_blocks, environment.keep_trailing_newline,
                environment.newline_sequence, environment.finalize is not None,
                environment.optimized, environment.is_async,
                sorted(environment.extensions), sorted(environment.filters),
                sorted(environment.tests), sorted(getattr(environment, "intercepted_binops", ())),
                sorted(getattr(environment, "intercepted_unops", ())))
    digest = hashlib.sha256(repr(settings).encode("utf-8"))
    digest.update(source.encode("utf-8"))
    return f"{name} {digest.hexdigest()}"


def _relocated(code: CodeType, filename: str) -> CodeType:
    """The code as compiled from ``filename`` (where this installation keeps the template):
    tracebacks and ``Template.filename`` name it."""
    consts = tuple(_relocated(c, filename) if isinstance(c, CodeType) else c
                   for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


@cache
def _saved() -> dict[str, CodeType]:
    try:
        with open(SAVED, "rb") as saved:
            if saved.readline().rstrip(b"\n") == saved_key():
                return marshal.loads(saved.read())  # load(file) reads it a piece at a time
    except Exception:  # missing or unreadable: every template is compiled
        pass
    return {}


@cache
def saved_code() -> jinja2.BytecodeCache:
    """A bytecode cache that only reads what was saved, for the environment of the shipped
    templates alone (report.environment)."""
    import jinja2
    from jinja2.bccache import Bucket

    class Saved(jinja2.BytecodeCache):
        def get_bucket(self, environment: Any, name: str, filename: str | None,
                       source: str) -> Bucket:
            bucket = Bucket(environment, name, "")
            code = _saved().get(template_key(environment, name, source))
            if code is not None and filename is not None:
                bucket.code = _relocated(code, filename)
            return bucket

        def set_bucket(self, bucket: Bucket) -> None:
            pass  # nothing is written as a run goes: the saved file is made by the command

    return Saved()


def compiled_templates() -> dict[str, CodeType]:
    """Every shipped template compiled as report.environment compiles it (HTML ones escaped)."""
    from .report import environment
    from .resources import resource_dir

    codes = {}
    for path in sorted(resource_dir("reports").glob("*.j2")):
        env = environment(html=path.name.endswith(".html.j2"))
        env.bytecode_cache = None
        source, filename, _uptodate = env.loader.get_source(env, path.name)  # type: ignore
        codes[template_key(env, path.name, source)] = env.compile(source, path.name, filename)
    return codes


def save_templates() -> None:
    """Write SAVED (`python -m evaluator.saved_templates`)."""
    SAVED.write_bytes(saved_key() + b"\n" + marshal.dumps(compiled_templates()))


if __name__ == "__main__":
    save_templates()
