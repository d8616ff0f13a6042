"""Charts drawn to SVG by vl-convert, kept on disk by a hash of their Vega-Lite specification.

Drawing is the costliest step of writing a product after the queries: the Somerset needs
assessment's 20 charts take vl-convert about 2 CPU-seconds, most of it the three maps
(docs/benchmarks.md). A chart whose specification (its data included) has not changed since it
was last drawn draws the same SVG, so a command run again on unchanged data reads the drawing
back instead. The key is the SHA-256 of the specification as canonical JSON and of vl-convert's
version, so a changed chart, changed data or another vl-convert never reads an old drawing.

vl-convert numbers the gradients and clip paths it draws with counters that live as long as the
process, so the same chart drawn later in a process had other ids (``gradient_4`` for
``gradient_0``). Every drawing is renumbered from 0, so it depends only on its specification:
the same wherever and whenever it is drawn, in this process or another, or read back.

Nothing is kept unless a command asks (:func:`keep_in`, with ``SVDUTY_HOME/cache/charts``): the
library and the tests draw afresh. At most :data:`KEEP` drawings are kept; the least recently
used go first. A folder that cannot be written only means drawing again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from pathlib import Path

import vl_convert

__all__ = ["KEEP", "folder", "keep_in", "svg"]

#: drawings kept (a map's is about half a megabyte, a chart's a few kilobytes)
KEEP = 500
_SUFFIX = ".svg"
# what a kept drawing was made by and how: part of its key, so that a new vl-convert, or a change
# to the renumbering here (bump the number), never reads an old drawing
_FORM = f"vl-convert {vl_convert.__version__}, renumbered 1"
_folder: Path | None = None
# vl-convert's (Vega's) counted ids: defined as id="gradient_3", referred to as url(#gradient_3)
# or href="#clip2"
_COUNTED = re.compile(r'(?<=id=")(?:gradient_|clip)\d+(?=")')
_REFERENCE = re.compile(r'(?<=["#])(?:gradient_|clip)\d+(?=[")])')


def keep_in(where: Path | str | None) -> None:
    """Keep drawings in the folder ``where`` from now on in this process (None: keep none)."""
    global _folder
    _folder = None if where is None else Path(where)


def folder() -> Path | None:
    """Where drawings are kept in this process, or None."""
    return _folder


def svg(spec: dict) -> str:
    """The Vega-Lite specification ``spec`` drawn to SVG by vl-convert (or read back)."""
    if _folder is None:
        return _draw(spec)
    try:
        text = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):  # not plain JSON: vl-convert may still draw it
        return _draw(spec)
    key = hashlib.sha256(f"{_FORM}\n{text}".encode()).hexdigest()
    path = _folder / f"{key}{_SUFFIX}"
    try:
        drawn = path.read_text(encoding="utf-8")
        os.utime(path)  # recently used: pruned last
        return drawn
    except OSError:
        pass
    drawn = _draw(spec)
    try:
        _folder.mkdir(parents=True, exist_ok=True)
        # another process may draw the same chart at the same time: each writes its own file
        # and renames it into place, so a reader never sees half a drawing
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        partial.write_text(drawn, encoding="utf-8")
        os.replace(partial, path)
        _prune(_folder)
    except OSError:
        pass
    return drawn


def _draw(spec: dict) -> str:
    """vl-convert's drawing with its counted ids renumbered from 0 in order of definition."""
    raw = vl_convert.vegalite_to_svg(spec)
    renamed: dict[str, str] = {}
    for found in _COUNTED.findall(raw):
        prefix = found.rstrip("0123456789")
        if found not in renamed:
            renamed[found] = f"{prefix}{sum(k.startswith(prefix) for k in renamed)}"
    if all(old == new for old, new in renamed.items()):
        return raw
    return _REFERENCE.sub(lambda m: renamed.get(m.group(0), m.group(0)), raw)


def _prune(where: Path) -> None:
    """Delete the least recently used drawings beyond KEEP."""
    kept = []
    for entry in os.scandir(where):
        if entry.name.endswith(_SUFFIX) and not entry.name.startswith("."):
            try:
                kept.append((entry.stat().st_mtime_ns, entry.path))
            except OSError:  # pruned by another process meanwhile
                continue
    if len(kept) <= KEEP:
        return
    for _, path in sorted(kept)[: len(kept) - KEEP]:
        with contextlib.suppress(OSError):
            os.unlink(path)
