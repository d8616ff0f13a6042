"""Reading a partner file against its feed in parts, so that memory stays bounded whatever the
file's size.

:func:`feed.read` holds the whole file in memory (and a gzip's whole inflated content), several
times its size at the peak: 2.65 GiB for a 199 MiB CSV. The portal's check reads an upload with
:class:`PartReader` instead. The content is inflated and read ``part_bytes`` at a time, cut
after the last line feed that is outside quotes (so a quoted value spanning lines stays in one
part), and each part is read exactly as :func:`feed.read` reads a file (feed.read_body): the
same header matching, tokens, refusals and line numbers. What the file as a whole needs (the
byte-order mark, a spreadsheet or an empty file, the header, the SHA-256 of the content) is
decided here once.

A gzip is refused as soon as its inflated size passes the limit, and before anything is
inflated when its trailer (the inflated size modulo 4 GiB, RFC 1952) already says so; a bomb
never gets to fill the memory.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterator
from pathlib import Path

from svduty.sources import feed as feed_framework
from svduty.sources.errors import FileRefused
from svduty.sources.rawfile import (
    _BOM,
    _GZIP_MAGIC,
    _OLE_MAGIC,
    _ZIP_MAGIC,
    GZIP_ERRORS,
    _check_utf8,
    damaged_gzip,
    is_blank,
)

__all__ = ["PART_BYTES", "PartReader"]

PART_BYTES = 8 * 1024 * 1024  # about 70,000 rows of a force's extract: some 200 MiB to check
# A quoted value is never this long in a real extract: an unclosed quote is refused rather than
# letting the rest of the file (all of it one "value") fill the memory.
LONGEST_RECORD = 64 * 1024 * 1024


class PartReader:
    """One file read against ``feed`` in parts: iterate it for each part's FeedFile (its rows'
    lines are the file's lines); afterwards ``sha256`` is the content's (as feed.read's) and
    ``rows_read`` the rows of every part. Raises FileRefused as feed.read would, or with code
    ``too_large`` once the inflated content passes ``max_bytes``."""

    def __init__(self, path: Path, feed, tokenise, *, max_bytes: int, part_bytes: int = 0):
        self.path, self.feed, self.tokenise = Path(path), feed, tokenise
        self.max_bytes, self.part_bytes = max_bytes, part_bytes or PART_BYTES
        self.sha256 = ""
        self.rows_read = 0
        self.position = 0  # bytes of the file (as stored: compressed, for a gzip) read so far

    def _reached(self, position: int) -> None:
        self.position = position

    def __iter__(self) -> Iterator[feed_framework.FeedFile]:
        digest = hashlib.sha256()
        blocks = _content(self.path, self.max_bytes, self.part_bytes, self._reached)
        parts = _whole_records(self.path, blocks)
        first = next(parts, b"")
        if first.startswith(_BOM):
            first = first[len(_BOM) :]
        digest.update(first)
        end = first.find(b"\n")
        header, body = (first, b"") if end < 0 else (first[:end], first[end + 1 :])
        _check_utf8(self.path, header)
        names = feed_framework.header_names(
            self.path, self.feed, header.rstrip(b"\r").decode("utf-8")
        )
        # the first line of each part, counted as csvrows counts lines (a lone carriage return
        # is a line break too) and as rawfile does for a byte that is not UTF-8 (line feeds)
        line = lf_line = 2
        any_rows = False
        for part in _then(body, parts, digest):
            if not is_blank(part):
                any_rows = True
                _check_utf8(self.path, part, lf_line)
                read = feed_framework.read_body(
                    self.path, self.feed, self.tokenise, "", part, names, first_line=line
                )
                self.rows_read += read.rows_read
                yield read
            feeds = part.count(b"\n")
            line += feeds + part.count(b"\r") - part.count(b"\r\n")
            lf_line += feeds
        if not any_rows:
            raise FileRefused(self.path, "the file has a header but no rows", code="header_only")
        self.sha256 = digest.hexdigest()


def _then(body: bytes, parts: Iterator[bytes], digest) -> Iterator[bytes]:
    """The first part's body, then every later part, each added to the content's digest."""
    yield body
    for part in parts:
        digest.update(part)
        yield part


def too_large(path: Path, limit: int) -> FileRefused:
    return FileRefused(
        path,
        f"the file is larger than {_size(limit)} once decompressed; split it (e.g. by month) "
        "and upload each part",
        code="too_large",
    )


def _size(n: int) -> str:
    return f"{n / 2**30:g} GiB" if n >= 2**30 else f"{n / 2**20:g} MiB"


def _content(path: Path, limit: int, block: int, reached) -> Iterator[bytes]:
    """The file's content in blocks, inflated if it is a gzip, refused past ``limit`` bytes."""
    try:
        f = open(path, "rb")  # noqa: SIM115 (closed below, after the last block)
    except FileNotFoundError:
        raise FileRefused(path, "no such file; check the path", code="file_missing") from None
    except IsADirectoryError:
        raise FileRefused(path, "is a directory, not a file", code="file_missing") from None
    with f:
        stream = f
        if f.read(2) == _GZIP_MAGIC:
            if _trailer_size(f) > limit:
                raise too_large(path, limit)
            stream = gzip.GzipFile(fileobj=f, mode="rb")
        f.seek(0)
        total = 0
        try:
            while data := stream.read(block):
                if total == 0 and data[:4] in (_ZIP_MAGIC, _OLE_MAGIC):
                    raise FileRefused(
                        path,
                        "this is a spreadsheet workbook, not a CSV file; open it and save it "
                        "as 'CSV UTF-8 (Comma delimited)'",
                        code="not_csv",
                    )
                total += len(data)
                if total > limit:
                    raise too_large(path, limit)
                reached(f.tell())
                yield data
        except GZIP_ERRORS as exc:
            raise damaged_gzip(path, exc) from None
        if total == 0:
            raise FileRefused(
                path, "the file is empty (no header, no rows); download it again", code="empty"
            )


def _trailer_size(f) -> int:
    """A gzip's last four bytes: the inflated size of its last member modulo 2**32."""
    f.seek(0, 2)
    if f.tell() < 18:  # shorter than a gzip's header and trailer: damaged, refused later
        return 0
    f.seek(-4, 2)
    return int.from_bytes(f.read(4), "little")


def _whole_records(path: Path, blocks: Iterator[bytes]) -> Iterator[bytes]:
    """The blocks regrouped into parts that end after a line feed outside double quotes (an
    escaped quote is two quotes, so counting them tells inside from outside); the last part
    holds what follows the last line feed. A file of only whitespace is refused as empty."""
    carry, seen_text = b"", False
    for block in blocks:
        data = carry + block if carry else block
        seen_text = seen_text or not is_blank(block)
        if not seen_text and len(data) <= LONGEST_RECORD:
            carry = data  # only whitespace so far: it may all be, and then it is "empty"
            continue
        cut = _last_record_end(data)
        if cut < 0:
            if len(data) > LONGEST_RECORD:
                raise FileRefused(
                    path,
                    f"a quoted value runs on for more than {_size(LONGEST_RECORD)}: a double "
                    "quote is probably not closed; check the quotes around the line where the "
                    "value starts",
                    code="unclosed_quote",
                )
            carry = data
            continue
        carry = data[cut:]
        yield data[:cut]
    if not seen_text:
        raise FileRefused(
            path, "the file is empty (no header, no rows); download it again", code="empty"
        )
    if carry:
        yield carry


def _last_record_end(data: bytes) -> int:
    """The index just after the last line feed of ``data`` outside quotes, or -1."""
    at = data.rfind(b"\n")
    if at < 0:
        return -1
    quotes = data.count(b'"', 0, at)
    while quotes % 2:
        before = data.rfind(b"\n", 0, at)
        if before < 0:
            return -1
        quotes -= data.count(b'"', before, at)
        at = before
    return at + 1
