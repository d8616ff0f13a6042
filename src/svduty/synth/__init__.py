"""Synthetic partner extracts for any force area: `generate(seed, out)` (`svduty synth`).

Record-level partner data is never public, so svduty makes realistic synthetic extracts of each
feed, seeded and calibrated to published figures, to show and test every feature end to end
(docs/synthetic.md). One folder per feed under `out`; every file name starts with `SYNTHETIC-`,
every row has `Synthetic` = Y, and `out/README.txt` says so with the seed and the svduty version.
The same seed and version give byte-identical files.

- police-crime: one record per real police.uk crime (police.py): of the bundled Avon and
  Somerset months by default; for another force area (`area`, svduty.synth.force), of that
  force's own police.uk rows (`real`, or its street files in `folder`);
- ed-assaults: monthly ISTV returns of the emergency departments (health.py): Avon and
  Somerset's six; elsewhere one unnamed department per local authority;
- hospital-admissions: admissions for assault by local authority and year (health.py);
- youth-justice, probation, fire, education: yearly counts by local authority (aggregates.py);
- community-voice: a survey of residents' and young people's views each year (voice.py).

This package imports svduty.sources and svduty.reference only (not the warehouse).
"""

from __future__ import annotations

import contextvars
import json
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from svduty import __version__
from svduty.synth import aggregates, areas, calibration, force, health, police, voice
from svduty.synth.force import SynthArea
from svduty.synth.output import PREFIX, Written

FEEDS: tuple[str, ...] = (
    "police-crime",
    "ed-assaults",
    "hospital-admissions",
    "youth-justice",
    "probation",
    "fire",
    "education",
    "community-voice",
)
README = "README.txt"
MANIFEST = "manifest.json"

__all__ = ["FEEDS", "Manifest", "SynthFile", "generate"]


@dataclass(frozen=True)
class SynthFile:
    feed: str
    path: str  # relative to the output folder, with / separators
    rows: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """What `generate` wrote. Everything but `seconds` and `out` is also in manifest.json."""

    seed: int
    version: str
    out: Path
    area: SynthArea
    months: tuple[str, ...]
    years: tuple[int, ...]  # years (ending March) of the yearly feeds
    files: tuple[SynthFile, ...]
    knife: tuple[dict, ...]  # per year: the ONS share and the synthetic share
    firearms: tuple[dict, ...]
    seconds: float = field(default=0.0, compare=False)

    def rows_by_feed(self) -> dict[str, int]:
        return {f: sum(x.rows for x in self.files if x.feed == f) for f in FEEDS}

    def files_by_feed(self) -> dict[str, int]:
        return {f: sum(1 for x in self.files if x.feed == f) for f in FEEDS}

    def document(self) -> dict:
        """manifest.json: reproducible, so no timings and no absolute paths."""
        where = (
            {}  # Avon and Somerset's manifest stays as it was (the demo's files are tested)
            if self.area.is_default
            else {
                "force": self.area.slug,
                "police_force_area": self.area.pfa,
                "local_authorities": list(self.area.las),
            }
        )
        return {
            "synthetic": True,
            "generator": "svduty synth",
            "svduty_version": self.version,
            "seed": self.seed,
            **where,
            "police_uk_months": list(self.months),
            "years_ending": list(self.years),
            "rows_by_feed": self.rows_by_feed(),
            "knife_share_by_year": list(self.knife),
            "firearm_flags_by_year": list(self.firearms),
            "files": [f.__dict__ for f in self.files],
        }

    def as_dict(self) -> dict:
        return self.document() | {"out": str(self.out), "seconds": round(self.seconds, 2)}


def generate(
    seed: int,
    out: Path,
    *,
    months: Sequence[str] | None = None,
    area: SynthArea | None = None,
    real: pa.Table | None = None,
    folder: Path | None = None,
) -> Manifest:
    """Write every synthetic feed under `out` and return what was written.

    `area`: the force area (default Avon and Somerset, from its bundled police.uk files). For
    any other, its own police.uk crimes are needed: `real` (a table as police.real_rows gives,
    e.g. read from the warehouse) or `folder` (its street files).

    `months` (YYYY-MM) limits the police months (and so the ED months and the years of the
    yearly feeds) to some of the bundled police.uk months; by default every one up to
    police.LAST_SYNTH_MONTH (not the 2025 months). Earlier synthetic files in the feed folders
    are removed first, so the folder holds one run.
    """
    started = time.perf_counter()
    area = area or force.AVON_AND_SOMERSET
    if not area.is_default and real is None and folder is None:
        raise ValueError(
            f"synthetic data for {area.name} are built on its own police.uk crimes: pass `real` "
            "or `folder` (the bundled police.uk files are Avon and Somerset's)"
        )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _clear(out)
    with force.using(area):
        return _generate(seed, out, months, area, real, folder, started)


def _generate(seed, out, months, area, real, folder, started) -> Manifest:
    with ThreadPoolExecutor(max_workers=1) as pool:
        # the reference tables load while the police.uk files are read (the worker thread
        # runs in a copy of this context, so it sees the run's force area)
        warm = [
            pool.submit(contextvars.copy_context().run, f)
            for f in (areas.lsoas, areas.population, calibration.csp_groups)
        ]
        police_result = police.generate(seed, out, months, real=real, folder=folder)
        for w in warm:
            w.result()
    police_months = sorted({f.path.name[-14:-7] for f in police_result.files})
    years = aggregates.years_of(police_months)
    written: list[Written] = list(police_result.files)
    written += health.generate_ed(seed, out, police_result.violence_with_injury, police_months)
    written += health.generate_admissions(seed, out, years)
    written += aggregates.youth_justice(seed, out, years)
    written += aggregates.probation(seed, out, years)
    written += aggregates.fire(seed, out, years)
    written += aggregates.education(seed, out, years)
    written += voice.generate(seed, out, years)
    manifest = Manifest(
        seed=int(seed),
        version=__version__,
        out=out,
        area=area,
        months=tuple(police_months),
        years=tuple(years),
        files=tuple(
            SynthFile(w.feed, w.path.relative_to(out).as_posix(), w.rows, w.sha256) for w in written
        ),
        knife=tuple(police_result.knife),
        firearms=tuple(police_result.firearms),
    )
    (out / MANIFEST).write_text(json.dumps(manifest.document(), indent=1) + "\n")
    (out / README).write_text(readme(manifest))
    return Manifest(**(manifest.__dict__ | {"seconds": time.perf_counter() - started}))


def _clear(out: Path) -> None:
    for feed in FEEDS:
        folder = out / feed
        if folder.is_dir():
            for path in sorted(folder.glob(f"{PREFIX}*")):
                path.unlink()
    for name in (README, MANIFEST):
        (out / name).unlink(missing_ok=True)


def readme(m: Manifest) -> str:
    rows, files = m.rows_by_feed(), m.files_by_feed()
    lines = [
        "SYNTHETIC DATA: NOT REAL RECORDS",
        "",
        f"Every file in this folder was made by `svduty synth` (svduty {m.version}) with seed "
        f"{m.seed}. No row is a real crime, attendance, admission or person. Every file name "
        "starts with SYNTHETIC- and every row has the column Synthetic = Y, which svduty loads "
        "into `synthetic` so that nothing made from these files can pass for real data.",
        "",
        "The same seed and svduty version give byte-identical files (manifest.json lists "
        "each file with its SHA-256).",
        "",
        "One folder per feed; load one with `svduty ingest <feed> <folder>`:",
    ]
    for feed in FEEDS:
        lines.append(f"  {feed + '/':22} {files[feed]:4} files {rows[feed]:9,} rows")
    lines += [
        "",
        f"police-crime holds one record per real police.uk crime (not anti-social behaviour) of "
        f"the {len(m.months)} {'bundled ' if m.area.is_default else ''}{m.area.name} months "
        f"({m.months[0]} to {m.months[-1]}"
        "): by LSOA, month and police.uk crime type the counts equal police.uk exactly. "
        "Offence codes, times, places, victims, suspects, flags and references are drawn; the "
        "knife flag matches the ONS share of selected offences per year:",
    ]
    for k in m.knife:
        lines.append(
            f"  year ending March {k['year_ending_march']}: {k['flagged']:,} of "
            f"{k['selected_offences']:,} selected offences ({k['percent']}%); ONS "
            f"{k['ons_period']}: {k['ons_percent']}%"
        )
    lines += [
        "",
        f"The yearly feeds cover the years ending {m.years[0]} to {m.years[-1]} for "
        + _authorities(m.area)
        + ". Every calibration figure, its source and what is assumed are in "
        "docs/synthetic.md.",
        *_departments(m.area),
        "",
        "Built on police.uk and ONS data: contains public sector information licensed under the "
        "Open Government Licence v3.0.",
        "",
    ]
    return "\n".join(lines)


def _authorities(area: SynthArea) -> str:
    if area.is_default:  # as the demo's README has always said it
        return "the five local authorities (E06000022-E06000025, E06000066)"
    return (
        f"the {len(area.las)} local authorities of {area.name} ({', '.join(area.las)})"
        if len(area.las) > 1
        else f"the local authority of {area.name} ({area.las[0]})"
    )


def _departments(area: SynthArea) -> list[str]:
    if area.real_sites:
        return []
    return [
        "",
        "No list of emergency departments is bundled for this force area, so ed-assaults "
        "has one unnamed department per local authority (Emergency department A, B, ...; site "
        f"codes {health.GENERIC_SITE_PREFIX}A, ..., which are not ODS codes). They stand for no "
        "real hospital.",
    ]
