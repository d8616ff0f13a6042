"""Reading a delimited text file's bytes the way partners actually send them.

Shared by every CSV feed: gzip or plain, UTF-8 with or without a byte-order mark, CRLF or LF.
Content that is not UTF-8, a truncated gzip or an Excel workbook is refused whole, with a
message that says what to do.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from dataclasses import dataclass
from pathlib import Path

from svduty.sources.errors import FileRefused

_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"  # .xlsx, .ods and .zip all start like this
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class RawText:
    """The decoded-to-bytes body of a file, ready for a CSV parser."""

    path: Path
    sha256: str  # of the decompressed content, so a file and its .gz are the same file
    header: str  # the first line, BOM and line ending removed
    body: bytes  # everything after the header line
    had_bom: bool
    was_gzip: bool


def read_raw(path: Path) -> RawText:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FileRefused(path, "no such file; check the path", code="file_missing") from None
    except IsADirectoryError:
        raise FileRefused(path, "is a directory, not a file", code="file_missing") from None
    was_gzip = data[:2] == _GZIP_MAGIC
    if was_gzip:
        data = _gunzip(path, data)
    if data[:4] in (_ZIP_MAGIC, _OLE_MAGIC):
        raise FileRefused(
            path,
            "this is a spreadsheet workbook, not a CSV file; open it and save it as "
            "'CSV UTF-8 (Comma delimited)'",
            code="not_csv",
        )
    if is_blank(data):
        raise FileRefused(
            path, "the file is empty (no header, no rows); download it again", code="empty"
        )
    had_bom = data.startswith(_BOM)
    if had_bom:
        data = data[len(_BOM) :]
    _check_utf8(path, data)
    end = data.find(b"\n")
    header_line, body = (data, b"") if end < 0 else (data[:end], data[end + 1 :])
    return RawText(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        header=header_line.rstrip(b"\r").decode("utf-8"),
        body=body,
        had_bom=had_bom,
        was_gzip=was_gzip,
    )


def is_blank(data: bytes) -> bool:
    """True if `data` is empty or only whitespace (what `not data.strip()` says, without a copy)."""
    return not data or data.isspace()


def _gunzip(path: Path, data: bytes) -> bytes:
    try:
        return gzip.decompress(data)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise FileRefused(
            path,
            f"the gzip file is damaged or truncated ({exc}); the download probably stopped "
            "part way: download it again",
            code="bad_gzip",
        ) from None


def _check_utf8(path: Path, data: bytes, first_line: int = 1) -> None:
    """FileRefused unless `data` (whole lines, the first being line `first_line`) is UTF-8."""
    if data.isascii():  # ASCII is UTF-8; checking it is a fast scan, decoding it a copy
        return
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + first_line
        raise FileRefused(
            path,
            f"line {line} is not UTF-8 text (byte 0x{data[exc.start]:02x}); the file was "
            "probably saved in a Windows encoding: save it again as 'CSV UTF-8'",
            code="not_utf8",
        ) from None
