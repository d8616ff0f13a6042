"""Docs that are generated must be current, the README must carry the two commands, and the
repository stands alone: nothing in it points at notes or data outside it."""

import re
from pathlib import Path

import pytest

from svduty.docs import generated

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("rel", sorted(generated()))
def test_generated_doc_is_current(rel):
    path = ROOT / rel
    assert path.exists(), f"{rel} is missing: run `make docs`"
    assert path.read_text() == generated()[rel], f"{rel} is stale: run `make docs`"


def test_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    first = readme[: readme.index("## What svduty is")]
    assert "make demo" in first and "make test" in first
    assert "Open Government Licence v3.0" in readme


# Notes kept outside the repository, and the folder beside it they lived in: a reader of the
# repository cannot follow either, so the primary source is cited in docs/sources.md instead.
_OUTSIDE = re.compile(r"\b(?:DOMAIN|DESIGN)\.md\b|\.\./shared\b|/work/shared\b")
_SKIPPED_DIRS = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", "build", "dist"}
_BINARY = (".gz", ".xlsx", ".png", ".duckdb", ".sqlite3", ".pyc", ".woff2")


def _repository_text_files():
    for path in sorted(ROOT.rglob("*")):
        rel = path.relative_to(ROOT)
        if any(part in _SKIPPED_DIRS or part.endswith(".egg-info") for part in rel.parts):
            continue
        if rel.parts[:2] == ("benchmarks", "results") or not path.is_file():
            continue
        if path.name.endswith(_BINARY):
            continue
        yield rel, path


def _reads_data(rel: Path, line: str) -> bool:
    """Tests and benchmarks may read data from the shared folder (never cite it)."""
    return rel.parts[0] in ("tests", "benchmarks") and "/data" in line and "#" not in line


def test_no_file_points_outside_the_repository():
    found = []
    for rel, path in _repository_text_files():
        if rel == Path("tests/test_docs.py"):
            continue  # this test names the patterns it looks for
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if _OUTSIDE.search(line) and not _reads_data(rel, line):
                found.append(f"{rel}:{number}: {line.strip()[:100]}")
    assert not found, "cite the primary source (docs/sources.md) instead:\n" + "\n".join(found)


def test_the_pattern_finds_what_it_is_meant_to():
    for line in ("see DOMAIN.md §2", "(DESIGN.md)", "in ../shared/data", "/work/shared/x"):
        assert _OUTSIDE.search(line), line
    for line in ("docs/design.md", "DOMAIN_HEADERS = {", "the shared fixture"):
        assert not _OUTSIDE.search(line), line


def test_sources_anchors_cited_in_the_docs_exist():
    """Links to a section of docs/sources.md land on a heading of it."""
    headings = re.findall(r"^## (.+)$", (ROOT / "docs" / "sources.md").read_text(), re.M)
    anchors = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in headings}
    for path in [ROOT / "GLOSSARY.md", ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]:
        for anchor in re.findall(r"sources\.md#([a-z0-9-]+)", path.read_text(encoding="utf-8")):
            assert anchor in anchors, f"{path.relative_to(ROOT)}: sources.md#{anchor}"
