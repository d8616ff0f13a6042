"""What an assessment is made of, as plain data: sections of parts (paragraphs, figures, tables),
findings and recommendations.

A finding keeps the numbers it quotes apart from its words: ``counts`` holds every count the
sentence quotes and ``template`` is the sentence with a ``{name}`` placeholder for each, so that
a public summary can put each count through :mod:`svduty.privacy.disclosure` and fill the
template with what the gate releases. ``source_kind`` tells the gate how to protect them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from svduty.privacy.disclosure import Source
from svduty.products.area import Area
from svduty.products.assessment.period import Period
from svduty.products.figure import SOFTWARE, Figure

__all__ = [
    "CAVEAT",
    "DATA_ACTION",
    "FINDING",
    "PARTNERSHIP_ACTION",
    "Assessment",
    "Bullets",
    "CaveatBox",
    "FigurePart",
    "Finding",
    "FindingList",
    "Heading",
    "KeyValues",
    "Linked",
    "Node",
    "Paragraph",
    "Rank",
    "Recommendation",
    "RecommendationList",
    "Section",
    "Source",
    "Table",
    "Tree",
    "Warning",
    "count_text",
]


#: the kinds of statement an assessment makes (``Finding.kind``): a finding says something about
#: violence in the area; a caveat says what the data cannot show or how far to trust them
FINDING = "finding"
CAVEAT = "caveat"
#: the kinds of recommendation (``Recommendation.kind``): an action of the partnership against
#: violence, or an action to improve the data (listed apart, never among the priorities)
PARTNERSHIP_ACTION = "action"
DATA_ACTION = "data"


@dataclass(frozen=True)
class Rank:
    """How a finding scores on the ranking rule (svduty.products.assessment.rank): size, change
    and certainty, each 0 to 2, and their sum. ``size_share`` is the share of the area's
    recorded violence the finding is about; ``reasons`` say in words why each score."""

    size: int
    change: int
    certainty: int
    size_share: float
    reasons: tuple[str, str, str]

    @property
    def score(self) -> int:
        return self.size + self.change + self.certainty


def count_text(value: int) -> str:
    """How a count reads in a sentence: 28450 -> '28,450'."""
    return f"{int(value):,}"


@dataclass(frozen=True)
class Finding:
    """One finding: a sentence, the figure that supports it and the numbers it quotes.

    ``id`` is its HTML anchor (``finding-...``); ``rule`` names the rule that made it (see
    docs/sna.md); ``figure_id`` the figure it rests on. ``counts`` are the counts the sentence
    quotes, by name, and ``template`` the sentence with ``{name}`` where each appears;
    ``numbers`` are the other figures it quotes (rates, shares, ratios), already in its words.
    ``weight`` is the section's own sense of importance (no longer the order: the ranking
    rule of svduty.products.assessment.rank orders the findings). ``kind`` is FINDING or CAVEAT;
    ``so_what`` is what it means for the partnership, in plain English; ``rank`` its scores on
    the ranking rule (set by svduty.products.assessment.rank, None for caveats).
    """

    id: str
    rule: str
    template: str
    counts: dict[str, int]
    figure_id: str
    section: str
    source_kind: Source
    synthetic: bool = False
    numbers: dict[str, float] = field(default_factory=dict)
    weight: float = 0.0
    subject: str = ""  # what it is about (a measure's title), for the recommendations
    kind: str = FINDING
    so_what: str = ""
    rank: Rank | None = None

    def __post_init__(self) -> None:
        for name, value in self.counts.items():
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"finding {self.id}: count {name!r} must be an int, not {value!r}")
        self.template.format(**{k: "" for k in self.counts})  # every placeholder has a count

    @property
    def text(self) -> str:
        """The sentence with the exact counts (the partnership's own document)."""
        return self.template.format(**{k: count_text(v) for k, v in self.counts.items()})

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "rule": self.rule,
            "text": self.text,
            "template": self.template,
            "counts": dict(self.counts),
            "numbers": dict(self.numbers),
            "figure_id": self.figure_id,
            "section": self.section,
            "source_kind": str(self.source_kind),
            "synthetic": self.synthetic,
            "subject": self.subject,
            "kind": self.kind,
            "so_what": self.so_what,
            "rank": None
            if self.rank is None
            else {
                "size": self.rank.size,
                "change": self.rank.change,
                "certainty": self.rank.certainty,
                "score": self.rank.score,
                "size_share": self.rank.size_share,
            },
        }


@dataclass(frozen=True)
class Recommendation:
    """What the partnership should do, the findings it follows from and the figures behind them.

    ``approaches`` are ids in the YEF Toolkit catalogue (``catalogues/yef-toolkit.yaml``).
    ``kind`` is PARTNERSHIP_ACTION or DATA_ACTION; ``owner`` a specified authority of the
    partnership (partnership.yaml) that leads it; ``timescale`` and ``priority`` (high, medium,
    low) follow from the rank of the finding it answers (svduty.products.assessment.recommend).
    """

    id: str
    rule: str
    text: str
    evidence: tuple[str, ...]
    findings: tuple[str, ...]
    approaches: tuple[str, ...] = ()
    kind: str = PARTNERSHIP_ACTION
    owner: str = ""
    timescale: str = ""
    priority: str = ""

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "rule": self.rule,
            "text": self.text,
            "evidence": list(self.evidence),
            "findings": list(self.findings),
            "approaches": list(self.approaches),
            "kind": self.kind,
            "owner": self.owner,
            "timescale": self.timescale,
            "priority": self.priority,
        }


# ---- the parts of a section (the template renders each by its `kind`) -------------------------


@dataclass(frozen=True)
class Paragraph:
    text: str
    kind: str = field(default="paragraph", init=False)


@dataclass(frozen=True)
class Heading:
    text: str
    id: str
    kind: str = field(default="heading", init=False)


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]
    kind: str = field(default="bullets", init=False)


@dataclass(frozen=True)
class Linked:
    """A list of sentences, each pointing at the figure (or section) that supports it."""

    items: tuple[tuple[str, str], ...]  # (text, anchor id)
    kind: str = field(default="linked", init=False)


@dataclass(frozen=True)
class Node:
    text: str
    children: tuple[Node, ...] = ()


@dataclass(frozen=True)
class Tree:
    """A nested list (the partnership's groups and their sub-groups)."""

    nodes: tuple[Node, ...]
    kind: str = field(default="tree", init=False)


@dataclass(frozen=True)
class KeyValues:
    pairs: tuple[tuple[str, str], ...]
    kind: str = field(default="key_values", init=False)


@dataclass(frozen=True)
class Warning:
    text: str
    kind: str = field(default="warning", init=False)


@dataclass(frozen=True)
class FindingList:
    """The key findings, each linked to its figure."""

    findings: tuple[Finding, ...]
    kind: str = field(default="findings", init=False)


@dataclass(frozen=True)
class CaveatBox:
    """The caveats: what the data cannot show, in a box of their own, never among findings."""

    findings: tuple[Finding, ...]
    kind: str = field(default="caveats", init=False)


@dataclass(frozen=True)
class RecommendationList:
    """The recommendations, each with its owner, timescale, priority, the finding it answers,
    the figure behind it and the approaches it names."""

    recommendations: tuple[Recommendation, ...]
    caption: str = "Recommendations"
    kind: str = field(default="recommendations", init=False)


@dataclass(frozen=True)
class FigurePart:
    figure: Figure
    digits: dict[str, int] = field(default_factory=dict)
    kind: str = field(default="figure", init=False)


@dataclass(frozen=True)
class Table:
    """A table shown as it is (not behind a chart), with where its figures come from."""

    id: str
    caption: str
    frame: pd.DataFrame
    source: str
    definition_version: str
    synthetic: bool = False
    notes: tuple[str, ...] = ()
    digits: dict[str, int] = field(default_factory=dict)
    kind: str = field(default="table", init=False)

    @property
    def provenance(self) -> str:
        return (
            f"Source: {self.source}. Local definition: {self.definition_version}. "
            f"Software: {SOFTWARE}."
        )


Part = (
    Paragraph
    | Heading
    | Bullets
    | Linked
    | Tree
    | KeyValues
    | Warning
    | FindingList
    | CaveatBox
    | RecommendationList
    | FigurePart
    | Table
)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    parts: tuple[Part, ...]

    @property
    def figures(self) -> tuple[Figure, ...]:
        return tuple(p.figure for p in self.parts if isinstance(p, FigurePart))

    @property
    def synthetic(self) -> bool:
        return any(f.synthetic for f in self.figures) or any(
            p.synthetic for p in self.parts if isinstance(p, Table)
        )


@dataclass(frozen=True)
class Assessment:
    """A strategic needs assessment, ready to write (``svduty.products.assessment.build.write``)."""

    area: Area
    period: Period
    partnership: str
    definition_version: str
    sections: tuple[Section, ...]
    findings: tuple[Finding, ...]
    recommendations: tuple[Recommendation, ...]
    headline: Finding
    timings: dict[str, float] = field(default_factory=dict, compare=False)
    # how recent the data are, in one sentence: the period's annual figures and the latest
    # police.uk months after it, labelled (svduty.products.assessment.recent)
    recency: str = ""
    recency_public: str = ""  # the same with no count, for the public summary

    @property
    def figures(self) -> tuple[Figure, ...]:
        return tuple(f for s in self.sections for f in s.figures)

    @property
    def summary(self) -> tuple[Finding, ...]:
        """Every finding about violence (no caveats), ranked: highest score first."""
        return tuple(f for f in self.findings if f.kind == FINDING)

    @property
    def caveats(self) -> tuple[Finding, ...]:
        """What the data cannot show or how far to trust them: shown apart from the findings."""
        return tuple(f for f in self.findings if f.kind == CAVEAT)

    @property
    def key_findings(self) -> tuple[Finding, ...]:
        """The board version's findings: the top of the ranking (rank.KEY_FINDINGS says how
        many), the headline apart (it opens the summary as the scale of the problem)."""
        from svduty.products.assessment.rank import key_findings  # the rule lives with the rank

        return key_findings(self.summary)

    @property
    def actions(self) -> tuple[Recommendation, ...]:
        return tuple(r for r in self.recommendations if r.kind == PARTNERSHIP_ACTION)

    @property
    def data_actions(self) -> tuple[Recommendation, ...]:
        return tuple(r for r in self.recommendations if r.kind == DATA_ACTION)

    @property
    def synthetic(self) -> bool:
        return any(s.synthetic for s in self.sections)

    def figure(self, figure_id: str) -> Figure:
        for f in self.figures:
            if f.id == figure_id:
                return f
        raise KeyError(f"no figure {figure_id!r} in this assessment")

    def figure_numbers(self) -> dict[str, int]:
        """Each figure's number in reading order (Figure 1, Figure 2, ...)."""
        return {f.id: i for i, f in enumerate(self.figures, start=1)}

    def anchors(self) -> set[str]:
        """Every id a link in the document may point at."""
        ids = {s.id for s in self.sections} | {f.id for f in self.figures}
        ids |= {p.id for s in self.sections for p in s.parts if isinstance(p, Table | Heading)}
        ids |= {f.id for f in self.findings} | {r.id for r in self.recommendations}
        return ids

    def as_dict(self) -> dict:
        """The findings and recommendations as plain data, with the figures they point at."""
        numbers = self.figure_numbers()
        return {
            "area": self.area.id,
            "area_name": self.area.name,
            "period": self.period.label,
            "first_month": self.period.first,
            "last_month": self.period.last,
            "definition_version": self.definition_version,
            "software": SOFTWARE,
            "synthetic": self.synthetic,
            "headline": self.headline.as_dict(),
            "findings": [f.as_dict() for f in self.findings],
            "recommendations": [r.as_dict() for r in self.recommendations],
            "figures": [
                {
                    "id": f.id,
                    "number": numbers[f.id],
                    "title": f.title,
                    "source": f.source,
                    "synthetic": f.synthetic,
                }
                for f in self.figures
            ],
        }
