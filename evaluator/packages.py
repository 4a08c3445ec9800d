"""Office documents (.xlsx, .docx) are ZIP packages whose writers stamp the time of saving into
the ZIP entries and into docProps/core.xml. ``fixed_package`` takes both out, so the same
input gives the same bytes."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Callable

STAMP = b"2000-01-01T00:00:00Z"
_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def fixed_package(data: bytes, rewrite: Callable[[str, bytes], bytes] | None = None) -> bytes:
    """``rewrite``: a change of a writer's own to an entry's content, by entry name."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _DATES.sub(rb"\g<1>" + STAMP + rb"\g<2>", content)
            if rewrite is not None:
                content = rewrite(info.filename, content)
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, content)
    return out.getvalue()
