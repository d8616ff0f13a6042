"""Write the documentation that is generated from code: `python -m svduty.docs` (make docs).

The tests compare each file with what this would write, so generated docs cannot drift.
"""

from __future__ import annotations

from pathlib import Path

from svduty.sources import feed
from svduty.sources.feeds import FEEDS
from svduty.warehouse import schema


def generated() -> dict[str, str]:
    """Relative path -> content for every generated document."""
    docs = {"docs/warehouse.md": schema.markdown() + "\n"}
    for source, spec in FEEDS.items():
        docs[f"docs/feeds/{source}.md"] = feed.markdown(spec)
    return docs


def main(root: Path = Path(".")) -> None:
    for rel, text in generated().items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
