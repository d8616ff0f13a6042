"""Docs that are generated must be current, and the README must carry the two commands."""

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
