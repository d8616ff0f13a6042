"""Docs that are generated must be current, and the README must carry the two commands."""

from pathlib import Path

from svduty.warehouse.schema import markdown

ROOT = Path(__file__).resolve().parent.parent


def test_warehouse_doc_is_generated_from_the_schema():
    assert (ROOT / "docs/warehouse.md").read_text() == markdown() + "\n"


def test_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    first = readme[: readme.index("## What svduty is")]
    assert "make demo" in first and "make test" in first
    assert "Open Government Licence v3.0" in readme
