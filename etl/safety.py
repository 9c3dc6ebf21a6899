"""Refuse hostile or broken files before parsing, from their bytes and their zip directory only:
nothing here inflates a member, so a zip bomb costs nothing to refuse. Ingest runs `check_bytes`
in the server and `check_archive` in the reader's worker (etl.read), where the untrusted zip is
opened once for this and for the structure check."""

from __future__ import annotations

import io
import lzma
import zipfile
import zlib

from etl.messages import Problem

MAX_BYTES = 10 * 1024 * 1024
MAX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_RATIO = 100
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted OOXML, or legacy .xls
REQUIRED_PARTS = ("[Content_Types].xml", "xl/workbook.xml")


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"


def check_file(name: str, data: bytes) -> Problem | None:
    """The reason to refuse this file outright, or None when it may be parsed: `check_bytes`,
    then `check_zip`."""
    return check_bytes(name, data) or check_zip(data)


def check_bytes(name: str, data: bytes) -> Problem | None:
    """What the file's name, size and first bytes alone refuse, without parsing anything: the
    server's own check before a file goes to the reader, whose worker does `check_zip` (the
    untrusted zip directory is parsed there, under its memory and time ceiling)."""
    if len(data) > MAX_BYTES:
        return Problem("too_large", {"size": _mb(len(data)), "limit": _mb(MAX_BYTES)})
    if name.lower().endswith((".xlsm", ".xltm", ".xlsb")):
        return Problem("macro")
    if data.startswith(OLE_MAGIC):
        return Problem("encrypted")
    if not data.startswith(ZIP_MAGIC):
        return Problem("not_workbook")
    return None


def check_zip(data: bytes) -> Problem | None:
    """What the zip directory refuses (see `check_archive`); a zip that cannot be opened is
    damaged."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return check_archive(archive)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError):
        return Problem("damaged")


def check_archive(archive: zipfile.ZipFile) -> Problem | None:
    """A macro part, a missing workbook part or a zip bomb, from the zip directory and the
    small content-types part only."""
    members = archive.infolist()
    names = {m.filename for m in members}
    content_types = _small_member(archive, "[Content_Types].xml")
    if any(n.lower().endswith("vbaproject.bin") for n in names) or b"macroEnabled" in content_types:
        return Problem("macro")
    if not all(part in names for part in REQUIRED_PARTS):
        return Problem("not_workbook")
    inflated = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    if inflated > MAX_UNCOMPRESSED or inflated / packed > MAX_RATIO:
        return Problem("zip_bomb", {"size": _mb(inflated), "ratio": round(inflated / packed)})
    return None


def _small_member(archive: zipfile.ZipFile, name: str) -> bytes:
    """Read a member only when its declared size is small (the content-types part is a few KB).
    One zipfile cannot read (flagged encrypted, compressed by an unknown method or damaged)
    reads as empty here: etl.structure then refuses the file with its reason."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return b""
    if info.file_size > 256 * 1024 or info.file_size > 50 * max(1, info.compress_size):
        return b""
    try:
        return archive.read(info)
    except (RuntimeError, NotImplementedError, zlib.error, lzma.LZMAError, OSError):
        return b""
