"""The community voice responses as coded, and what may be said of them in a product.

`coded` reads the loaded responses (the `community_voice` table; none when the table is absent
or empty: every product works without responses), codes each with the codebook and applies the
analyst's corrections (the analyst's theme wins). `told_us` is the needs assessment's "what
people told us": themes by age band and by area with every count passed through the disclosure
gate (privacy.disclosure, record-level source: 1 to 7 suppressed, the rest rounded to 5, and
secondary suppression across each theme's total and its parts), and consented quotes only, each
screened again (sources.screen) before it is shown.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from svduty.analysis.voice.coding import NONE, Codebook, agreement
from svduty.privacy.disclosure import Cell, Source, Total, protect
from svduty.sources import screen

NOT_GIVEN = "not given"
QUOTES_PER_THEME = 2
TABLE = "community_voice"


@dataclass(frozen=True)
class Response:
    token: str
    collected_on: object
    age_band: str | None
    area_code: str | None
    text: str | None
    consent: bool
    synthetic: bool
    auto: str
    words: dict[str, list[str]]
    analyst: str | None

    @property
    def theme(self) -> str:
        return self.analyst or self.auto

    def as_dict(self, labels: dict[str, str]) -> dict:
        return {
            "response": self.token,
            "collected_on": str(self.collected_on),
            "age_band": self.age_band,
            "area_code": self.area_code,
            "text": self.text,
            "consent_to_quote": self.consent,
            "synthetic": self.synthetic,
            "automatic_theme": self.auto,
            "matched_words": self.words,
            "analyst_theme": self.analyst,
            "theme": self.theme,
            "theme_label": labels[self.theme],
        }


def loaded(warehouse) -> list[dict]:
    """The current responses as rows (empty when there is no table or nothing loaded)."""
    if not warehouse.has_table(TABLE):
        return []
    t = warehouse.table(TABLE)
    frame = t.order_by(["collected_on", "load_id", "line"]).execute()
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def coded(rows: list[dict], codebook: Codebook, corrections: dict[str, str]) -> list[Response]:
    out = []
    for r in rows:
        auto, words = codebook.code(r["response_text"])
        out.append(
            Response(
                token=r["response_ref"],
                collected_on=r["collected_on"].date()
                if hasattr(r["collected_on"], "date")
                else r["collected_on"],
                age_band=r["age_band"],
                area_code=r["area_code"],
                text=r["response_text"],
                consent=bool(r["consent_to_quote"]),
                synthetic=bool(r["synthetic"]),
                auto=auto,
                words=words,
                analyst=corrections.get(r["response_ref"]),
            )
        )
    return out


def coding_report(responses: list[Response], codebook: Codebook) -> dict:
    """What `svduty voice code --json` prints: each response and the agreement."""
    labels = codebook.labels()
    pairs = [(r.auto, r.analyst) for r in responses if r.analyst is not None]
    return {
        "codebook": {
            "file": codebook.path.name,
            "example": codebook.example,
            "version": codebook.version,
            "themes": labels,
        },
        "responses": [r.as_dict(labels) for r in responses],
        "themes": dict(Counter(r.theme for r in responses).most_common()),
        "agreement": agreement(pairs).as_dict(),
        "synthetic": any(r.synthetic for r in responses),
    }


@dataclass(frozen=True)
class ThemeSummary:
    code: str
    label: str
    total: int | None  # None: suppressed
    by_age: dict[str, int | None]
    by_area: dict[str, int | None]
    quotes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ToldUs:
    responses: int | None  # all responses, gated
    themes: list[ThemeSummary]
    synthetic: bool
    codebook: str
    corrected: int  # responses whose theme an analyst set
    kappa: float | None


def told_us(responses: list[Response], codebook: Codebook) -> ToldUs:
    """Themes by age band and area, gated; consented, screened quotes."""
    labels = codebook.labels()
    src = Source.RECORD_LEVEL
    cells, totals = [], []
    themes = [t for t in labels if any(r.theme == t for r in responses)]
    all_parts = []
    for theme in themes:
        mine = [r for r in responses if r.theme == theme]
        ages = Counter(r.age_band or NOT_GIVEN for r in mine)
        areas = Counter(r.area_code or NOT_GIVEN for r in mine)
        cells.append(Cell((theme, "all"), len(mine), src))
        all_parts.append((theme, "all"))
        cells += [Cell((theme, "age", a), n, src) for a, n in ages.items()]
        cells += [Cell((theme, "area", a), n, src) for a, n in areas.items()]
        totals.append(Total((theme, "all"), tuple((theme, "age", a) for a in ages)))
        totals.append(Total((theme, "all"), tuple((theme, "area", a) for a in areas)))
    cells.append(Cell(("all",), len(responses), src))
    if all_parts:
        totals.append(Total(("all",), tuple(all_parts)))
    release = protect(cells, totals)
    summaries = []
    for theme in themes:
        mine = [r for r in responses if r.theme == theme]
        quotes = [
            r.text
            for r in mine
            if r.consent and r.text and not screen.find(r.text)  # screened again, as shown
        ][:QUOTES_PER_THEME]
        summaries.append(
            ThemeSummary(
                code=theme,
                label=labels[theme],
                total=release.value((theme, "all")),
                by_age={
                    a: release.value((theme, "age", a))
                    for a in sorted({r.age_band or NOT_GIVEN for r in mine})
                },
                by_area={
                    a: release.value((theme, "area", a))
                    for a in sorted({r.area_code or NOT_GIVEN for r in mine})
                },
                quotes=quotes,
            )
        )
    summaries.sort(key=lambda s: (-(s.total or 0), s.code == NONE, s.code))
    pairs = [(r.auto, r.analyst) for r in responses if r.analyst is not None]
    return ToldUs(
        responses=release.value(("all",)),
        themes=summaries,
        synthetic=any(r.synthetic for r in responses),
        codebook=codebook.version or codebook.path.name,
        corrected=len(pairs),
        kappa=agreement(pairs).kappa,
    )
