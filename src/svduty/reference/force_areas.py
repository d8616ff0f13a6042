"""The bodies of each police force area of England and Wales, from the 2024 ONS lookups.

What `svduty init --force NAME` writes into a partnership file, and what a partnership file is
checked against: for each of the 43 police force areas, its current local authorities, the
community safety partnerships the lookup gives them, the fire and rescue authorities, and the
health bodies (integrated care boards in England, local health boards in Wales).

- local authority -> community safety partnership -> police force area: ONS "LAD (May 2024) to
  CSP to PFA" (``lookup_ltla24_csp24_pfa24``);
- local authority -> fire and rescue authority: ONS "LAD (May 2024) to FRA"
  (``lookup_ltla24_fra24``);
- LSOA 2021 -> integrated care board: ONS "LSOA (2021) to SICBL to ICB (2024)"
  (``lookup_lsoa21_icb24``), joined to LSOA 2021 -> local authority
  (``lookup_lsoa21_ward24_ltla24``) so that an authority whose LSOAs lie in two boards is
  given both;
- Welsh local authority -> local health board: ``wales_la_lhb19.csv``, typed from the ONS "Local
  Health Boards (April 2019) Names and Codes in Wales" and the orders that set their areas
  (docs/sources.md), since the ICB lookup covers England only.

The May 2024 lookups still carry some codes that ONS has since replaced (Barnsley E08000016 is
E08000038 now): every authority is given under its CURRENT code (``la_all_codes``), so one
authority is one area whatever edition a file uses.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from svduty.errors import InputError
from svduty.reference import ReferenceDataError, read_csv
from svduty.reference.forces import FORCES
from svduty.reference.geography import current_la, la_all_codes_raw, lsoa21_ward24_raw

CSP_PFA_FILE = "geography/lookup_ltla24_csp24_pfa24.csv.gz"
FRA_FILE = "geography/lookup_ltla24_fra24.csv.gz"
ICB_FILE = "geography/lookup_lsoa21_icb24.csv.gz"
WALES_LHB_FILE = "geography/wales_la_lhb19.csv"


class UnknownForce(InputError):
    """`--force NAME` names no police force area of England and Wales."""


@dataclass(frozen=True)
class HealthBody:
    code: str
    name: str
    kind: str  # "integrated care board" or "local health board"
    lsoas: int  # how many of the force area's 2021 LSOAs it covers
    source: str  # the bundled file it came from


@dataclass(frozen=True)
class ForceArea:
    pfa_code: str
    pfa_name: str  # as ONS spells it ("Devon & Cornwall", "London, City of")
    police_uk_slug: str
    police_uk_name: str
    #: (current code, current name), in code order
    local_authorities: tuple[tuple[str, str], ...]
    #: current la code -> ((csp code, csp name), ...) as the lookup gives them
    csps: dict[str, tuple[tuple[str, str], ...]]
    #: (fra code, fra name, (current la codes...)), in code order
    fire_and_rescue: tuple[tuple[str, str, tuple[str, ...]], ...]
    health_bodies: tuple[HealthBody, ...]
    lsoas: int  # 2021 LSOAs in the force area

    @property
    def name(self) -> str:
        """The force area's name for a reader: "City of London", not ONS's "London, City of"."""
        return display_name(self.pfa_name)

    @property
    def country(self) -> str:
        return "Wales" if self.pfa_code.startswith("W") else "England"

    @property
    def la_codes(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.local_authorities)


def display_name(ons_name: str) -> str:
    """ONS's "Bristol, City of" as a reader says it: "City of Bristol"."""
    head, sep, tail = ons_name.partition(", ")
    return f"{tail} {head}" if sep else ons_name


@functools.cache
def _current_names() -> dict[str, str]:
    return {r["la_code"]: r["la_name"] for r in la_all_codes_raw().to_pylist()}


@functools.cache
def _active() -> dict[str, tuple[str, str]]:
    return current_la()


def _current(code: str, source: str) -> str:
    active = _active()
    if code not in active:
        raise ReferenceDataError(f"{source}: local authority {code} is not in la_all_codes")
    return active[code][0]


@functools.cache
def _csp_rows() -> tuple[dict, ...]:
    return tuple(
        read_csv(
            CSP_PFA_FILE,
            {
                "ltla24_code": "la_code",
                "csp24_code": "csp_code",
                "csp24_name": "csp_name",
                "pfa24_code": "pfa_code",
                "pfa24_name": "pfa_name",
            },
        ).to_pylist()
    )


@functools.cache
def la_force_area() -> dict[str, str]:
    """Current local authority code -> its police force area code (cheap: one small file).

    Raises :class:`ReferenceDataError` when the lookup puts an authority in two force areas.
    """
    pfa_of: dict[str, str] = {}
    for r in _csp_rows():
        la = _current(r["la_code"], CSP_PFA_FILE)
        if pfa_of.setdefault(la, r["pfa_code"]) != r["pfa_code"]:
            raise ReferenceDataError(f"{CSP_PFA_FILE}: {la} is in two police force areas")
    return pfa_of


def force_area_names() -> dict[str, str]:
    """PFA code -> its name as a reader says it ("City of London")."""
    return {code: display_name(name) for code, name in _csp_lookup()[0].items()}


@functools.cache
def _csp_lookup() -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
    pfa_names: dict[str, str] = {}
    csps: dict[str, list[tuple[str, str]]] = {}
    for r in _csp_rows():
        la = _current(r["la_code"], CSP_PFA_FILE)
        pfa_names[r["pfa_code"]] = r["pfa_name"]
        pair = (r["csp_code"], r["csp_name"])
        if pair not in csps.setdefault(la, []):
            csps[la].append(pair)
    return pfa_names, csps


@functools.cache
def force_areas() -> dict[str, ForceArea]:
    """Every police force area of England and Wales, keyed by PFA code (cached: do not mutate).

    Raises :class:`ReferenceDataError` when the lookups disagree: an authority in two force
    areas, an authority with no fire and rescue authority, a PFA with no police.uk force.
    """
    pfa_of = la_force_area()
    pfa_names, csps = _csp_lookup()
    names = _current_names()

    fra_of: dict[str, tuple[str, str]] = {}
    for r in read_csv(
        FRA_FILE, {"ltla24_code": "la_code", "fra24_code": "code", "fra24_name": "name"}
    ).to_pylist():
        la = _current(r["la_code"], FRA_FILE)
        if fra_of.setdefault(la, (r["code"], r["name"])) != (r["code"], r["name"]):
            raise ReferenceDataError(f"{FRA_FILE}: {la} has two fire and rescue authorities")
    if missing := sorted(set(pfa_of) - set(fra_of)):
        raise ReferenceDataError(f"{FRA_FILE}: no fire and rescue authority for {missing}")

    # health bodies: counted over each authority's 2021 LSOAs
    la_of_lsoa = {
        r["lsoa21_code"]: _current(r["la_code"], "lookup_lsoa21_ward24_ltla24")
        for r in lsoa21_ward24_raw().to_pylist()
    }
    icb_of_lsoa = {
        r["lsoa21_code"]: (r["code"], r["name"])
        for r in read_csv(
            ICB_FILE, {"lsoa21_code": "lsoa21_code", "icb24_code": "code", "icb24_name": "name"}
        ).to_pylist()
    }
    lhb_of_la = {
        r["la_code"]: (r["code"], r["name"])
        for r in read_csv(
            WALES_LHB_FILE, {"la_code": "la_code", "lhb19_code": "code", "lhb19_name": "name"}
        ).to_pylist()
    }
    health: dict[str, dict[tuple[str, str, str, str], int]] = {}
    lsoas: dict[str, int] = {}
    for lsoa, la in la_of_lsoa.items():
        pfa = pfa_of.get(la)
        if pfa is None:
            raise ReferenceDataError(f"LSOA {lsoa}'s authority {la} is in no police force area")
        lsoas[pfa] = lsoas.get(pfa, 0) + 1
        if lsoa.startswith("W"):
            if la not in lhb_of_la:
                raise ReferenceDataError(f"{WALES_LHB_FILE}: no local health board for {la}")
            key = (*lhb_of_la[la], "local health board", WALES_LHB_FILE)
        else:
            if lsoa not in icb_of_lsoa:
                raise ReferenceDataError(f"{ICB_FILE}: no integrated care board for {lsoa}")
            key = (*icb_of_lsoa[lsoa], "integrated care board", ICB_FILE)
        bodies = health.setdefault(pfa, {})
        bodies[key] = bodies.get(key, 0) + 1

    slugs = {name: (slug, police_uk) for name, slug, police_uk in FORCES if name is not None}
    out: dict[str, ForceArea] = {}
    for pfa, pfa_name in sorted(pfa_names.items()):
        if pfa_name not in slugs:
            raise ReferenceDataError(
                f"{CSP_PFA_FILE}: PFA {pfa} {pfa_name!r} has no police.uk force"
            )
        las = sorted(la for la, p in pfa_of.items() if p == pfa)
        fras: dict[tuple[str, str], list[str]] = {}
        for la in las:
            fras.setdefault(fra_of[la], []).append(la)
        out[pfa] = ForceArea(
            pfa_code=pfa,
            pfa_name=pfa_name,
            police_uk_slug=slugs[pfa_name][0],
            police_uk_name=slugs[pfa_name][1],
            local_authorities=tuple((la, names[la]) for la in las),
            csps={la: tuple(csps[la]) for la in las},
            fire_and_rescue=tuple(
                (code, name, tuple(members)) for (code, name), members in sorted(fras.items())
            ),
            health_bodies=tuple(
                HealthBody(code, name, kind, n, source)
                for (code, name, kind, source), n in sorted(health.get(pfa, {}).items())
            ),
            lsoas=lsoas.get(pfa, 0),
        )
    return out


def find_force(name: str) -> ForceArea:
    """The force area named by a police.uk slug (``south-wales``), a PFA code (``W15000003``)
    or its name (``South Wales``, or the police.uk force's), in any case.

    Raises :class:`UnknownForce` listing the choices.
    """
    wanted = " ".join(name.split()).casefold()
    areas = force_areas()
    for area in areas.values():
        keys = {area.pfa_code, area.police_uk_slug, area.pfa_name, area.name, area.police_uk_name}
        if wanted in {k.casefold() for k in keys}:
            return area
    choices = "; ".join(
        f"{a.police_uk_slug} ({a.pfa_code}, {a.name})"
        for a in sorted(areas.values(), key=lambda a: a.police_uk_slug)
    )
    raise UnknownForce(
        f"{name!r} is not a police force area of England and Wales. Name one by its police.uk "
        f"id, its force area code or its name: {choices}"
    )
