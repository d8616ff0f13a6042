"""Synthetic community voice: survey responses for the community-voice feed.

Nothing here is calibrated to a published survey: there is no open record-level survey of
residents' views on violence in any force area. The responses are an illustration of the feed
and of theme coding, with shares chosen by hand [U] and every sentence written for svduty, so
that no real person's words appear. One file per survey (one a year, collected in June), about
120 responses, across the force area's authorities in proportion to their population; every row has
Synthetic = Y and nothing in the text identifies anyone (each file passes the feed's screen).
"""

from __future__ import annotations

from pathlib import Path

from svduty.sources import community_voice as feed
from svduty.synth import areas
from svduty.synth.output import PREFIX, Written, stream, write_rows

RESPONSES_PER_SURVEY = 120
AGE_BANDS = ("11-15", "16-17", "18-24", "25-64", "65+")
AGE_SHARES = (0.25, 0.2, 0.2, 0.25, 0.1)  # [U] a youth-led survey with some adults
CONSENT_SHARE = 0.6  # [U]
SEEN_VIOLENCE_SHARE = 0.3  # [U]
SAFETY = ("very safe", "fairly safe", "a bit unsafe", "very unsafe", "don't know")
SAFETY_SHARES = (0.15, 0.4, 0.28, 0.12, 0.05)  # [U]

# What people say, by the theme of the shipped example codebook it is written to illustrate.
# Some sentences touch two themes, so the automatic coding has ties and choices to make.
SAYINGS: dict[str, tuple[str, ...]] = {
    "safety_after_dark": (
        "the street lights on our road are broken so it is really dark walking home",
        "I do not go out at night any more",
        "the lighting by the shops is poor in the evenings",
        "it feels unsafe once it gets dark in winter",
    ),
    "knives_and_weapons": (
        "lots of people at school carry a knife because they are scared",
        "someone was stabbed near the shops last year and nothing changed",
        "young people think they need a blade to protect themselves",
        "there should be more knife bins and talks about weapons",
    ),
    "nothing_to_do": (
        "there is nothing to do after school so people hang about",
        "the youth club closed and we are bored",
        "we need more activities for teenagers in the holidays",
        "bring back the youth centre on our estate",
    ),
    "drugs_and_exploitation": (
        "older lads are dealing drugs outside the station",
        "kids get groomed into county lines and nobody notices",
        "gangs use younger children to carry drugs",
    ),
    "trust_in_services": (
        "I would not report anything to the police because nobody listens",
        "when we rang about fighting the response took hours",
        "people do not trust that reporting changes anything",
    ),
    "transport_and_public_spaces": (
        "the bus station is scary in the evenings",
        "groups hang around in the park and the underpass",
        "the alley behind the shops needs cameras",
        "the cycle path by the river is where trouble happens",
    ),
    "none": (
        "it is mostly fine round here",
        "no comment",
        "thank you for asking us",
    ),
}
# Which themes each age band talks about most (weights, in SAYINGS order) [U].
THEME_WEIGHTS: dict[str, tuple[float, ...]] = {
    "11-15": (0.15, 0.2, 0.3, 0.05, 0.05, 0.15, 0.1),
    "16-17": (0.15, 0.25, 0.2, 0.1, 0.1, 0.15, 0.05),
    "18-24": (0.2, 0.15, 0.1, 0.2, 0.15, 0.15, 0.05),
    "25-64": (0.25, 0.1, 0.1, 0.2, 0.2, 0.1, 0.05),
    "65+": (0.35, 0.05, 0.05, 0.1, 0.2, 0.15, 0.1),
}


def generate(seed: int, out: Path, years: list[int]) -> list[Written]:
    """One survey per year ending March in `years`, collected in June before it ends."""
    rng = stream(seed, "community-voice")
    las = areas.las()  # the run's force area's authorities (svduty.synth.force)
    people = [areas.total(la) for la in las]
    weights = [p / sum(people) for p in people]
    themes = list(SAYINGS)
    written = []
    for year in years:
        rows = []
        for i in range(RESPONSES_PER_SURVEY):
            band = AGE_BANDS[rng.choice(len(AGE_BANDS), p=AGE_SHARES)]
            theme = themes[rng.choice(len(themes), p=THEME_WEIGHTS[band])]
            sayings = SAYINGS[theme]
            text = sayings[rng.integers(len(sayings))]
            if rng.random() < 0.15:  # a second thought, of another theme
                other = SAYINGS[themes[rng.integers(len(themes) - 1)]]
                text = f"{text} and {other[rng.integers(len(other))]}"
            rows.append(
                {
                    "response_ref": f"SYN-{year - 1}-{i + 1:04d}",
                    "collected_on": f"{year - 1}-06-{rng.integers(1, 31):02d}",
                    "method": "survey" if rng.random() < 0.8 else "youth forum",
                    "age_band": band,
                    "area_code": las[rng.choice(len(weights), p=weights)],
                    "feel_safe": SAFETY[rng.choice(len(SAFETY), p=SAFETY_SHARES)],
                    "seen_violence": "Y" if rng.random() < SEEN_VIOLENCE_SHARE else "N",
                    "response_text": text,
                    "consent_to_quote": "Y" if rng.random() < CONSENT_SHARE else "N",
                }
            )
        path = out / feed.SOURCE / f"{PREFIX}{feed.SOURCE}-{year - 1}.csv"
        written.append(write_rows(feed.FEED, path, rows))
    return written
