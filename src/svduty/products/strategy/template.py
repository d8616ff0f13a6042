"""A strategy template for a partnership svduty ships no example for.

The shipped example strategies are Avon and Somerset's (``products/strategy/examples/``). Another
partnership (`svduty init --force NAME`) gets instead a template for its own force area: valid
(``svduty strategy check`` passes), labelled as an example on every page, naming the
partnership's own place, definition and police force, and marked TO FILL wherever only the
partnership can write the words. Its one priority and measure are the ones every partnership
has data for (police.uk); docs/strategy.md says how to write the rest.
"""

from __future__ import annotations

import json
from datetime import date

from svduty.partnership import Partnership
from svduty.products.area import Area

#: a police.uk measure every partnership can count, and a focus it serves
MEASURE = "police-uk-violence"
APPROACH = "hot-spots-policing"


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a YAML double-quoted scalar


def render(p: Partnership, area: Area, today: date | None = None) -> str:
    """The template strategy of ``area`` (the force area) as YAML text: a period of the three
    years from the next one, a draft."""
    first = (today or date.today()).year + 1
    police = next(
        (b["name"] for b in p.specified_authorities if b["kind"] == "police"), "the police"
    )
    place = area.name
    lines = [
        f"# TEMPLATE written by `svduty init` for {place}: NOT an adopted strategy. svduty ships",
        "# no example for this partnership; this file gives the format (docs/strategy.md) with",
        "# the one priority every partnership has data for. Replace each TO FILL, add the",
        "# partnership's priorities, and check it with `svduty strategy check FILE`. While",
        "# `example: true` stays, every page built from it is labelled as an example.",
        "",
        "example: true",
        "example_note: Template written by svduty for the partnership to complete, not an "
        "adopted strategy",
        f"title: {_q(f'{place} serious violence strategy {first}-{first + 2} (template)')}",
        f"area: {area.id}",
        f"period: {first}-{first + 2}",
        "status: draft",
        "adopted: null",
        f"local_definition: {p.local_definition['id']}",
        "summary: >-",
        "  TO FILL: in a few sentences, the partnership's plan to prevent and reduce serious",
        f"  violence in {place}, and the definition it works to.",
        "governance: >-",
        "  TO FILL: who leads the strategy, who it reports to and how often, and how it is",
        "  reviewed each year (svduty review).",
        "resources: >-",
        "  TO FILL: what each specified authority puts in: staff, budget, data.",
        "engagement: >-",
        "  TO FILL: how communities, young people and the voluntary sector were heard.",
        "",
        "priorities:",
        "  - id: where-violence-concentrates",
        "    title: Reduce violence in the places it concentrates",
        "    finding: >-",
        "      TO FILL: the finding of the needs assessment this priority answers (svduty sna:",
        "      where violence concentrates), and its id as finding_ref.",
        "    focus: [violence]",
        "    objectives:",
        f"      - {_q(f'TO FILL: less violence in the busiest places of {place}.')}",
        "    measures:",
        f"      - {MEASURE}",
        "    interventions:",
        "      - id: hot-spots",
        "        name: TO FILL the places (problem-oriented policing where violence concentrates)",
        f"        approach: {APPROACH}",
        f"        lead_partner: {_q(police)}",
        "        description: >-",
        "          TO FILL: what is done, where and when, and how the partners work together.",
        "        actions:",
        "          - id: hs-1",
        "            description: Choose the places from the needs assessment's hot places.",
        f"            owner: {_q(police)}",
        f"            milestone: {first}-06-30",
        "            status: not_started",
    ]
    return "\n".join(lines) + "\n"
