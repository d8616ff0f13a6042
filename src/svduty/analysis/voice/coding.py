"""Coding responses to themes from an editable codebook, with an analyst's corrections.

The codebook is YAML (the shipped example is codebook.yaml beside this module; a partnership's
own is $SVDUTY_HOME/voice/codebook.yaml). Coding is deliberately simple and transparent: the
words of each theme are looked for in the text, and the words that matched are reported with
the theme, so a reader can see why a response was coded as it was and an analyst can correct it.

Agreement between the automatic coding and the analyst's is Cohen's kappa over the responses
the analyst coded, computed by statsmodels (statsmodels.stats.inter_rater.cohens_kappa) from the
square table of the two codings; kappa is chance-corrected, so a codebook that puts everything in
one theme does not look good by agreeing often.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from svduty.errors import InputError

EXAMPLE = Path(__file__).with_name("codebook.yaml")
NONE = "none"  # the code of a response no theme's words appear in
_CODE = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Theme:
    code: str
    label: str
    words: tuple[str, ...]
    pattern: re.Pattern

    def matches(self, text: str) -> list[str]:
        """The codebook words found in `text`, each once, in codebook order."""
        found = {m.lastgroup for m in self.pattern.finditer(text)}
        return [w for i, w in enumerate(self.words) if f"w{i}" in found]


@dataclass(frozen=True)
class Codebook:
    path: Path
    version: str
    themes: tuple[Theme, ...]

    @property
    def example(self) -> bool:
        return self.path == EXAMPLE

    def labels(self) -> dict[str, str]:
        return {t.code: t.label for t in self.themes} | {NONE: "No theme"}

    def code(self, text: str | None) -> tuple[str, dict[str, list[str]]]:
        """The theme of `text` (most words matched; ties to the theme listed first; NONE when
        no words match) and the words each matching theme matched."""
        hits = {t.code: t.matches(text or "") for t in self.themes}
        hits = {k: v for k, v in hits.items() if v}
        if not hits:
            return NONE, {}
        best = max(hits.values(), key=len)
        theme = next(k for k, v in hits.items() if len(v) == len(best))
        return theme, hits


def _word_regex(word: str) -> str:
    parts = [re.escape(p) for p in word.rstrip("*").split()]
    body = r"\s+".join(parts)
    return r"\b" + body + (r"\w*" if word.endswith("*") else r"\b")


def load_codebook(path: Path | None = None) -> Codebook:
    """Read and check a codebook; an InputError names the file, the theme and what to fix."""
    path = path or EXAMPLE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: the codebook cannot be read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: the codebook is not valid YAML ({exc})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("themes"), list) or not raw["themes"]:
        raise InputError(
            f"{path}: a codebook needs `themes:`, a list of themes each with code, label and "
            f"words (see the example, {EXAMPLE.name})"
        )
    themes, seen = [], set()
    for i, item in enumerate(raw["themes"]):
        where = f"{path}: themes[{i}]"
        if not isinstance(item, dict):
            raise InputError(f"{where} is not a mapping of code, label and words")
        code, label, words = item.get("code"), item.get("label"), item.get("words")
        if not isinstance(code, str) or not _CODE.fullmatch(code) or code == NONE:
            raise InputError(
                f"{where}.code {code!r} must be lower-case snake_case (e.g. nothing_to_do), "
                f"and not {NONE!r}, which means no theme"
            )
        if code in seen:
            raise InputError(f"{where}.code {code!r} is used by an earlier theme; codes are unique")
        seen.add(code)
        if not isinstance(label, str) or not label.strip():
            raise InputError(f"{where} ({code}) needs a label: what a reader sees")
        if (
            not isinstance(words, list)
            or not words
            or not all(isinstance(w, str) and w.strip("* ") for w in words)
        ):
            raise InputError(f"{where} ({code}).words must be a list of words or phrases")
        words = tuple(" ".join(str(w).lower().split()) for w in words)
        pattern = re.compile(
            "|".join(f"(?P<w{n}>{_word_regex(w)})" for n, w in enumerate(words)), re.IGNORECASE
        )
        themes.append(Theme(code, label.strip(), words, pattern))
    return Codebook(path, str(raw.get("version", "")), tuple(themes))


def read_corrections(
    path: Path, codebook: Codebook, known: Iterable[str], tokenise: Callable[[str], str]
) -> dict[str, str]:
    """An analyst's corrections: a CSV of `Response,Theme`. A response is named by the token
    `svduty voice code` shows or by the survey's own reference (tokenised here with the
    partnership key, as the feed does). Returns token -> theme code; an InputError names the
    line and the field of anything that does not fit."""
    known = set(known)
    codes = set(codebook.labels())
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: the corrections file cannot be read ({exc.strerror})") from None
    reader = csv.DictReader(io.StringIO(text))
    header = {h.strip().lower(): h for h in reader.fieldnames or []}
    if not {"response", "theme"} <= set(header):
        raise InputError(
            f"{path}: line 1 must name the columns Response and Theme (the response's token "
            "or reference, and the theme code the analyst gives it)"
        )
    out: dict[str, str] = {}
    for line, row in enumerate(reader, start=2):
        response = (row.get(header["response"]) or "").strip()
        theme = (row.get(header["theme"]) or "").strip()
        if not response and not theme:
            continue
        token = response if response in known else tokenise(response)
        if token not in known:
            raise InputError(
                f"{path}: line {line}, Response: no loaded response has this reference or "
                "token (the value is not repeated: it may be a survey tool's reference); copy "
                "it from `svduty voice code`"
            )
        if theme not in codes:
            raise InputError(
                f"{path}: line {line}, Theme {theme!r} is not a code of the codebook "
                f"({codebook.path.name}): use one of {', '.join(sorted(codes))}"
            )
        if out.get(token, theme) != theme:
            raise InputError(
                f"{path}: line {line}, Response is corrected twice with different themes; "
                "keep one line per response"
            )
        out[token] = theme
    return out


@dataclass(frozen=True)
class Agreement:
    responses: int  # responses both codings cover (those the analyst coded)
    agreed: int
    kappa: float | None  # None when fewer than two responses or no variation to correct for
    method: str = "Cohen's kappa (statsmodels.stats.inter_rater.cohens_kappa)"

    def as_dict(self) -> dict:
        return {
            "responses": self.responses,
            "agreed": self.agreed,
            "observed_agreement": self.agreed / self.responses if self.responses else None,
            "kappa": self.kappa,
            "method": self.method,
        }


def agreement(pairs: list[tuple[str, str]]) -> Agreement:
    """Agreement of (automatic, analyst) theme pairs: counts and Cohen's kappa."""
    agreed = sum(a == b for a, b in pairs)
    if len(pairs) < 2:
        return Agreement(len(pairs), agreed, None)
    categories = sorted({c for pair in pairs for c in pair})
    index = {c: i for i, c in enumerate(categories)}
    table = np.zeros((len(categories), len(categories)))
    for a, b in pairs:
        table[index[a], index[b]] += 1
    expected = (table.sum(axis=1) @ table.sum(axis=0)) / table.sum() ** 2
    if expected >= 1:  # both codings put every response in one theme: kappa is undefined
        return Agreement(len(pairs), agreed, None)
    from statsmodels.stats.inter_rater import cohens_kappa

    return Agreement(len(pairs), agreed, float(cohens_kappa(table, return_results=False)))


@dataclass(frozen=True)
class Inputs:
    """What a product codes responses with: the codebook and the analyst's corrections (token ->
    theme), as `svduty voice code` reads them from the data directory."""

    codebook: Codebook
    corrections: dict[str, str]

    @classmethod
    def example(cls) -> Inputs:
        return cls(load_codebook(EXAMPLE), {})
