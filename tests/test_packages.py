"""packages.ZipWriter: the ZIP packages of the workbook and the Word report, written as they
go. Each package is read back by zipfile (which checks every entry's CRC-32 and sizes) and,
where installed, by Info-ZIP's unzip."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import zipfile
import zlib

import pytest

from evaluator.packages import ZipWriter, deflated, joined_crc

TEXT = "一、基本情况\n".encode("utf-8") * 200 + os.urandom(3000)


def _read_back(data: bytes, tmp_path) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert package.testzip() is None  # every CRC-32 right
        contents = {name: package.read(name) for name in package.namelist()}
    if shutil.which("unzip"):
        (tmp_path / "package.zip").write_bytes(data)
        tested = subprocess.run(["unzip", "-tq", str(tmp_path / "package.zip")],
                                capture_output=True, timeout=60)
        assert tested.returncode == 0, tested.stdout + tested.stderr
    return contents


def _chapter(text: bytes) -> tuple[bytes, int, int]:
    """A part deflated elsewhere, as a worker deflates a chapter: ended by a full flush."""
    packer = zlib.compressobj(1, zlib.DEFLATED, -15)
    return packer.compress(text) + packer.flush(zlib.Z_FULL_FLUSH), zlib.crc32(text), len(text)


@pytest.mark.parametrize("zip64", [False, True])
def test_a_streamed_entry_joins_its_own_text_and_parts_deflated_elsewhere(tmp_path, zip64):
    package = ZipWriter()
    package.write("first.xml", b"<a/>")
    entry = package.open("word/document.xml", zip64=zip64)
    expected = b""
    entry.write(b"<body>")
    expected += b"<body>"
    for number in range(1, 6):
        for text in (TEXT[:number * 500], b"chapter %d" % number):
            entry.deflated(*_chapter(text))
            entry.write(b"|")  # between two parts, as a chapter's number
            expected += text + b"|"
    entry.write(b"</body>")
    expected += b"</body>"
    entry.close()
    chunks = [package.taken()]
    package.write_deflated("last.xml", *deflated(b"<z/>"))
    chunks.append(package.close())
    contents = _read_back(b"".join(chunks), tmp_path)
    assert list(contents) == ["first.xml", "word/document.xml", "last.xml"]
    assert contents["word/document.xml"] == expected
    assert contents["first.xml"] == b"<a/>" and contents["last.xml"] == b"<z/>"


def test_an_entry_of_parts_only_or_of_nothing_is_read_back(tmp_path):
    package = ZipWriter()
    only_parts = package.open("parts.xml")
    only_parts.deflated(*_chapter(b"one"))
    only_parts.deflated(*_chapter(b"two"))
    only_parts.close()
    package.open("empty.xml").close()
    contents = _read_back(package.close(), tmp_path)
    assert contents == {"parts.xml": b"onetwo", "empty.xml": b""}


def test_a_name_that_is_not_ascii_is_marked_as_utf_8(tmp_path):
    package = ZipWriter()
    package.write("word/media/图一.png", b"png")
    streamed = package.open("自评表.xml")
    streamed.write(b"<x/>")
    streamed.close()
    contents = _read_back(package.close(), tmp_path)
    assert contents == {"word/media/图一.png": b"png", "自评表.xml": b"<x/>"}


def test_the_crc_of_texts_joined_is_joined_from_theirs():
    for first, second in ((b"", b"abc"), (b"abc", b""), (TEXT, TEXT[::-1]), (b"x", os.urandom(9))):
        assert joined_crc(zlib.crc32(first), zlib.crc32(second), len(second)) == \
            zlib.crc32(first + second)
