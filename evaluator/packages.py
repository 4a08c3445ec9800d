"""Office documents (.xlsx, .docx) are ZIP packages. Their writers stamp the time of saving
into the ZIP entries and into docProps/core.xml: ``fixed_package`` takes both out of a package
another library wrote, so the same input gives the same bytes. ``ZipWriter`` writes a package
as it goes, with fixed times: the workbook's sheets and the Word report's document.xml are
deflated where they are made (a ``--jobs`` worker) and joined here, never held whole."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Callable

from .saved_code import compiled

STAMP = b"2000-01-01T00:00:00Z"
_DATES = compiled(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def fixed_package(data: bytes, rewrite: Callable[[str, bytes], bytes] | None = None) -> bytes:
    """``rewrite``: a change of a writer's own to an entry's content, by entry name."""
    import zipfile  # a workbook run, which does not need it, starts without it

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


# deflate's level for what a unit's size makes large: the parts' XML is repetitive, and level 6
# took 1.7 times as long for 11% less (measured on 1 000 sheets)
LEVEL = 1


def deflated(content: bytes, level: int = LEVEL) -> tuple[bytes, int, int]:
    """A part's content as its ZIP entry holds it: raw deflate, its CRC-32 and its size. Done
    where the part is made (a worker of ``--jobs``)."""
    packer = zlib.compressobj(level, zlib.DEFLATED, -15)
    return packer.compress(content) + packer.flush(), zlib.crc32(content), len(content)


def joined_crc(before: int, crc: int, size: int) -> int:
    """The CRC-32 of two texts joined, from the first's, the second's and its ``size``:
    CRC-32 is affine in its input (zlib's crc32_combine, which Python does not offer)."""
    zeros = bytes(size)
    return zlib.crc32(zeros, before) ^ crc ^ zlib.crc32(zeros)


# The ZIP format's records (APPNOTE.TXT 4.3): local file header, central directory header,
# data descriptor, end of central directory, and ZIP64's end record and its locator for more
# than 65 535 entries or a package past 4 GB. Every entry is deflated (method 8), version 2.0
# (4.5 with ZIP64), dated 1980-01-01 00:00 (DOS date 0x21), read and written by its owner.
_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")
_END64 = struct.Struct("<4sQ2H2L4Q")
_LOCATOR64 = struct.Struct("<4sLQL")
_DOS_DATE = (1 << 5) | 1
_LIMIT = 0xFFFFFFFF
_UNIX = 3 << 8  # made on Unix: the external attributes are its permissions
_DESCRIBED = 0x08  # flag: the CRC and sizes follow the data (an entry written as it is made)


def _name(name: str) -> tuple[bytes, int]:
    """An entry's name as written, and the flag that says it is UTF-8 when it is not ASCII."""
    return (name.encode("ascii"), 0) if name.isascii() else (name.encode("utf-8"), 0x800)


class ZipWriter:
    """A ZIP package written as it goes: entries added whole (``write``), deflated already
    (``write_deflated``) or streamed (``open``); the bytes written so far taken with
    ``taken``; ``close`` gives the last of them, the central directory."""

    def __init__(self) -> None:
        self.pending: list[bytes] = []  # bytes not yet taken
        self.offset = 0  # bytes of entries so far
        self.directory: list[bytes] = []  # each entry's central directory header

    def write(self, name: str, content: bytes, level: int = LEVEL) -> None:
        self.write_deflated(name, *deflated(content, level))

    def write_deflated(self, name: str, data: bytes, crc: int, size: int) -> None:
        """An entry whose content was deflated already (``deflated``)."""
        encoded_name, flags = _name(name)
        self._add(_LOCAL.pack(b"PK\x03\x04", 20, flags, 8, 0, _DOS_DATE, crc, len(data), size,
                              len(encoded_name), 0), encoded_name, data)
        self._listed(encoded_name, flags, crc, len(data), size, self.offset)
        self.offset += _LOCAL.size + len(encoded_name) + len(data)

    def open(self, name: str, zip64: bool = False) -> "StreamedEntry":
        """An entry written as it is made, its CRC-32 and sizes after it; ``zip64``: it may
        pass 4 GB (ZIP64's sizes, which a reader must be told of before the data)."""
        return StreamedEntry(self, name, zip64)

    def taken(self) -> bytes:
        data = b"".join(self.pending)
        self.pending.clear()
        return data

    def close(self) -> bytes:
        """The central directory and its end record: the package's last bytes."""
        start, count = self.offset, len(self.directory)
        size = sum(map(len, self.directory))
        self.pending += self.directory
        if count >= 0xFFFF or start + size >= _LIMIT:
            end64 = start + size
            self.pending.append(_END64.pack(b"PK\x06\x06", 44, 45, 45, 0, 0, count, count,
                                            size, start))
            self.pending.append(_LOCATOR64.pack(b"PK\x06\x07", 0, end64, 1))
            self.pending.append(_END.pack(b"PK\x05\x06", 0, 0, min(count, 0xFFFF),
                                          min(count, 0xFFFF), min(size, _LIMIT),
                                          min(start, _LIMIT), 0))
        else:
            self.pending.append(_END.pack(b"PK\x05\x06", 0, 0, count, count, size, start, 0))
        return self.taken()

    def _add(self, *pieces: bytes) -> None:
        self.pending += pieces

    def _listed(self, name: bytes, flags: int, crc: int, packed: int, size: int,
                offset: int, zip64: bool = False) -> None:
        """The entry's central directory header; ZIP64's extra field holds what passes 4 GB
        (of the size, the packed size and the offset, in that order)."""
        large = [value for value in (size, packed) if zip64 or value >= _LIMIT]
        if offset >= _LIMIT:
            large.append(offset)
        extra = struct.pack(f"<2H{len(large)}Q", 1, 8 * len(large), *large) if large else b""
        version = 45 if extra else 20
        self.directory.append(_CENTRAL.pack(
            b"PK\x01\x02", _UNIX | version, version, flags, 8, 0, _DOS_DATE, crc,
            _LIMIT if extra and (zip64 or packed >= _LIMIT) else packed,
            _LIMIT if extra and (zip64 or size >= _LIMIT) else size,
            len(name), len(extra), 0, 0, 0, 0o600 << 16, min(offset, _LIMIT)) + name + extra)


class StreamedEntry:
    """An entry of a ``ZipWriter`` written as it is made: text deflated here (``write``) and
    parts deflated elsewhere (``deflated``, each ending on a byte: a full flush), one deflate
    stream; its CRC-32 joined from theirs."""

    def __init__(self, package: ZipWriter, name: str, zip64: bool) -> None:
        self.package, self.zip64 = package, zip64
        self.name, flags = _name(name)
        self.flags = flags | _DESCRIBED
        self.start = package.offset
        extra = struct.pack("<2H2Q", 1, 16, 0, 0) if zip64 else b""
        header = _LOCAL.pack(b"PK\x03\x04", 45 if zip64 else 20, self.flags, 8, 0, _DOS_DATE, 0,
                             _LIMIT if zip64 else 0, _LIMIT if zip64 else 0, len(self.name),
                             len(extra)) + self.name + extra
        package._add(header)
        self.packed = 0  # bytes of deflate written
        self.header = len(header)
        self.packer = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
        self.crc = self.size = 0

    def write(self, data: bytes) -> None:
        self._out(self.packer.compress(data))
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)

    def deflated(self, part: bytes, crc: int, size: int) -> None:
        """A part deflated elsewhere, ended by a full flush, of ``size`` bytes whose CRC-32 is
        ``crc``: what this entry deflated so far is first ended on a byte the same way."""
        self._out(self.packer.flush(zlib.Z_FULL_FLUSH))
        self._out(part)
        self.crc = joined_crc(self.crc, crc, size)
        self.size += size

    def close(self) -> None:
        self._out(self.packer.flush())  # the final block
        package = self.package
        sizes = "<2Q" if self.zip64 else "<2L"
        package._add(struct.pack("<4sL", b"PK\x07\x08", self.crc)
                     + struct.pack(sizes, self.packed, self.size))
        package._listed(self.name, self.flags, self.crc, self.packed, self.size, self.start,
                        self.zip64)
        package.offset += self.header + self.packed + 8 + struct.calcsize(sizes)

    def _out(self, data: bytes) -> None:
        if data:
            self.package._add(data)
            self.packed += len(data)
