"""Reading a delimited text file's bytes the way partners actually send them.

Shared by every CSV feed: gzip or plain, UTF-8 with or without a byte-order mark, CRLF, LF or
CR alone (Excel's "CSV (Macintosh)"). Content that is not UTF-8, a truncated gzip, an Excel
workbook or a first line too long to be a header is refused whole, with a message that says
what to do.
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
# No feed's header comes near this (police.uk's is 150 characters, the longest partner header a
# few hundred); a longer first line is data, or a file whose rows are not split into lines.
MAX_HEADER_BYTES = 64 * 1024


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
    header_line, body = _split_header(data)
    if len(header_line) > MAX_HEADER_BYTES:
        raise FileRefused(
            path,
            f"line 1, the header, is {len(header_line) // 1024} KB long; a header is a list of "
            "column names, a few hundred characters. Is the header missing, or are the rows "
            "not on lines of their own? Save the file again as 'CSV UTF-8 (Comma delimited)' "
            "with the header on line 1",
            code="wrong_header",
        )
    return RawText(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        header=header_line.decode("utf-8"),
        body=body,
        had_bom=had_bom,
        was_gzip=was_gzip,
    )


def _split_header(data: bytes) -> tuple[bytes, bytes]:
    """The first line (without its line ending) and everything after it. The line ends at the
    first LF, CRLF or CR: a file saved as Excel's "CSV (Macintosh)" ends every line with CR
    alone, and the CSV parsers read such a body as they read any other."""
    lf, cr = data.find(b"\n"), data.find(b"\r")
    if cr < 0 or (0 <= lf < cr):
        return (data, b"") if lf < 0 else (data[:lf], data[lf + 1 :])
    after = cr + 2 if data[cr + 1 : cr + 2] == b"\n" else cr + 1
    return data[:cr], data[after:]


def is_blank(data: bytes) -> bool:
    """True if `data` is empty or only whitespace (what `not data.strip()` says, without a copy)."""
    return not data or data.isspace()


# What a damaged or truncated gzip raises while it inflates, whole or in parts
GZIP_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile)


def damaged_gzip(path: Path, exc: BaseException) -> FileRefused:
    """The refusal of a gzip that would not inflate (read whole here, in parts by feedstream)."""
    return FileRefused(
        path,
        f"the gzip file is damaged or truncated ({exc}); the download probably stopped "
        "part way: download it again",
        code="bad_gzip",
    )


def _gunzip(path: Path, data: bytes) -> bytes:
    try:
        return gzip.decompress(data)
    except GZIP_ERRORS as exc:
        raise damaged_gzip(path, exc) from None


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
