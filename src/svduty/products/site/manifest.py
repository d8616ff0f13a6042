"""What a site build wrote and which gated figures each file holds.

The manifest is the partnership's record of a build (every file, its SHA-256, the gated tables
in it and the key and status of every cell), so that any published figure can be traced. It is
NOT published: a cell's status says whether it was withheld as a small count or to protect
another, which would help undo the protection. It is kept in memory and written beside the site
directory, never inside it (``<site>.manifest.json``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from svduty.privacy.disclosure import Key, Release
from svduty.products.figure import SOFTWARE
from svduty.products.site.gate import GatedTable

__all__ = ["SiteManifest", "manifest_path"]


def manifest_path(out: Path) -> Path:
    """Where the manifest of a site built in ``out`` is kept: beside it, not in it."""
    out = Path(out).absolute()
    return out.parent / f"{out.name}.manifest.json"


@dataclass(frozen=True)
class SiteManifest:
    """A site build: the files, the gated tables in each, and the Release they came from."""

    out: Path
    files: Mapping[str, tuple[str, ...]]  # site-relative path -> ids of the tables it holds
    tables: Mapping[str, GatedTable]
    release: Release
    suppressed_at_source: frozenset[Key]
    statuses: Mapping[Key, str]
    path: Path

    def keys(self, file: str) -> set[Key]:
        """The keys of every count the file may show."""
        return {row.key for t in self.files.get(file, ()) for row in self.tables[t].rows}

    def table_of(self, key: Key) -> list[str]:
        return [t.id for t in self.tables.values() if any(r.key == key for r in t.rows)]

    def summary(self) -> dict:
        """What a build wrote, in numbers, for the command line (no cell statuses)."""
        shown = {row.key: row.count for t in self.tables.values() for row in t.rows}
        withheld = sum(v == "[c]" for v in shown.values())
        return {
            "pages": sum(name.endswith(".html") for name in self.files),
            "downloads": sum("/data/" in name for name in self.files),
            "tables": len(self.tables),
            "counts_shown": len(shown) - withheld,
            "counts_withheld": withheld,
            "manifest": str(self.path),
        }

    def as_dict(self) -> dict:
        return {
            "software": SOFTWARE,
            "built": datetime.now(UTC).isoformat(timespec="seconds"),
            "site": str(self.out),
            "note": "Internal record of a public site build: do not publish it.",
            "files": {
                name: {"sha256": _sha256(self.out / name), "tables": list(ids)}
                for name, ids in sorted(self.files.items())
            },
            "tables": {
                t.id: {
                    "title": t.title,
                    "measure": t.measure.id,
                    "source_kind": str(t.source),
                    "synthetic": t.synthetic,
                    "cells": [
                        {"key": list(r.key), "status": str(self.statuses.get(r.key, ""))}
                        for r in t.rows
                    ],
                }
                for t in self.tables.values()
            },
        }

    def write(self) -> Path:
        self.path.write_text(json.dumps(self.as_dict(), indent=1), encoding="utf-8")
        return self.path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
