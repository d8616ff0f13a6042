"""Statistical disclosure control: the one gate every public figure passes (docs/design.md).

A product hands `protect` the cells it will publish and the additive relations between them (a
total and its parts; a difference is the same relation read the other way round) and gets back a
`Release`, in which every cell is published rounded, suppressed, or (an official statistic)
unchanged. docs/disclosure.md gives the rules and the reason for each:

- a count of 1 to 7 from record-level, health or partner sources is suppressed (primary);
- every other such count is published rounded to the nearest 5, and a zero stays 0;
- more cells are suppressed (secondary) until no suppressed cell can be worked out exactly from
  the relations, even by someone who knew the true value of every published cell;
- a rate from a suppressed count is withheld, and every rate uses the rounded count;
- a figure already published as an official statistic passes unchanged.

Whatever the gate does not know how to protect (a float count, an unknown source, a relation that
does not add up) raises DisclosureError: nothing passes through unchecked. Only the standard
library and numpy are used, so this module can be audited on its own.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

SUPPRESS_MIN, SUPPRESS_MAX = 1, 7  # counts 1..7 from record-level or health sources are suppressed
ROUND_TO = 5  # every other published count goes to the nearest multiple of 5

# The equations have coefficients 0 and +-1. A cell they determine lies wholly in their row
# space (share 1, float error about 1e-13); one they do not has a share at most about
# 1 - 1/(cells in its component). Deciding at 1e-9 means a float error can only suppress more.
_TOL = 1e-9

Key = tuple[str, ...]


class DisclosureError(ValueError):
    """Something the gate cannot protect; the message names the cell and says what to do."""


class Source(enum.StrEnum):
    """Where a count comes from, which decides how it is protected."""

    RECORD_LEVEL = "record_level"  # police crime records, police.uk street-level, youth justice
    HEALTH = "health"  # emergency department (ISTV), hospital admissions
    PARTNER_AGGREGATE = "partner_aggregate"  # other partners' aggregates: made we know not how
    OFFICIAL_STATISTIC = "official_statistic"  # already published by ONS, the Home Office, OHID


class Status(enum.StrEnum):
    PUBLISHED = "published"  # rounded to ROUND_TO
    PRIMARY = "suppressed"  # a count of SUPPRESS_MIN..SUPPRESS_MAX
    SECONDARY = "secondary"  # suppressed so that a relation cannot recover a primary
    OFFICIAL = "official"  # an official statistic, unchanged


_PROTECTED = frozenset(Source) - {Source.OFFICIAL_STATISTIC}


@dataclass(frozen=True)
class Cell:
    """One count to publish; `key` names it, e.g. ("knife_crime", "E06000066", "2023")."""

    key: Key
    count: int
    source: Source


@dataclass(frozen=True)
class Total:
    """count(total) == sum of count(parts). A difference A - B = C is Total(A, (B, C))."""

    total: Key
    parts: tuple[Key, ...]


@dataclass(frozen=True)
class Released:
    """One cell as it may be published: `value` is None when suppressed."""

    key: Key
    value: int | None
    status: Status
    source: Source

    @property
    def suppressed(self) -> bool:
        return self.status in (Status.PRIMARY, Status.SECONDARY)


@dataclass(frozen=True)
class Release:
    """What `protect` returns: every cell it was given, as it may be published."""

    cells: Mapping[Key, Released]

    def __post_init__(self):
        object.__setattr__(self, "cells", MappingProxyType(dict(self.cells)))

    def released(self, key: Key) -> Released:
        """The released cell; a key the gate never saw raises (it was not protected)."""
        try:
            return self.cells[key]
        except (KeyError, TypeError):
            raise DisclosureError(
                f"{key!r} is not in this release: pass its Cell to protect() with the rest of "
                "the table before publishing it"
            ) from None

    def value(self, key: Key) -> int | None:
        """The value to publish, None when suppressed."""
        return self.released(key).value

    def suppressed(self, key: Key) -> bool:
        return self.released(key).suppressed

    def rate(self, key: Key, denominator: float, per: float, digits: int = 1) -> float | None:
        """The released count per `per` of `denominator` (e.g. per 100,000 residents).

        Withheld (None) when the count is suppressed. It is computed from the rounded count,
        so that the rate and a published denominator cannot give back the unrounded count.
        """
        _check_positive("denominator", denominator, key)
        _check_positive("per", per, key)
        if isinstance(digits, bool) or not isinstance(digits, int) or digits < 0:
            raise DisclosureError(f"digits for the rate of {key} must be an int >= 0")
        value = self.value(key)
        return None if value is None else round(value / denominator * per, digits)

    def ratio(
        self, numerator: Key, denominator: Key, per: float = 100.0, digits: int = 1
    ) -> float | None:
        """One released count as a share of another (per 100: a percentage).

        Withheld when either is suppressed or the released denominator is 0; both are the
        released (rounded) counts, for the same reason as in `rate`.
        """
        _check_positive("per", per, numerator)
        den = self.value(denominator)
        if den == 0:
            return None
        return self.rate(numerator, den, per, digits) if den is not None else None


def protect_count(count: int, source: Source, *, key: Key = ()) -> Released:
    """Protect a single stand-alone figure that has no related totals."""
    return protect([Cell(key, count, source)]).cells[key]


def protect(cells: Iterable[Cell], totals: Iterable[Total] = ()) -> Release:
    """Apply primary and secondary suppression and rounding to a table of counts.

    `totals` must name every additive relation a reader could use between the published cells
    (totals, subtotals, differences): the gate protects against the relations it is told about,
    so related tables published together must pass through one call.
    """
    checked = _checked_cells(cells)
    keys = sorted(checked)  # key order, not input order, makes every choice deterministic
    index = {key: i for i, key in enumerate(keys)}
    rows = _equations(totals, checked, index)
    counts = [checked[k].count for k in keys]
    sources = [checked[k].source for k in keys]
    primary = {
        i
        for i, (count, source) in enumerate(zip(counts, sources, strict=True))
        if source in _PROTECTED and SUPPRESS_MIN <= count <= SUPPRESS_MAX
    }
    # Official figures are public already and zeros disclose nobody: neither is suppressed
    # to protect another cell (docs/disclosure.md says why zeros are never needed).
    can_hide = [s in _PROTECTED and c > 0 for c, s in zip(counts, sources, strict=True)]
    margins = {row[0][0] for row in rows}  # each equation starts with its total
    secondary = _Secondary(keys, rows, counts, can_hide, margins).run(primary)
    out = {}
    for i, key in enumerate(keys):
        if sources[i] == Source.OFFICIAL_STATISTIC:
            out[key] = Released(key, counts[i], Status.OFFICIAL, sources[i])
        elif i in primary:
            out[key] = Released(key, None, Status.PRIMARY, sources[i])
        elif i in secondary:
            out[key] = Released(key, None, Status.SECONDARY, sources[i])
        else:
            out[key] = Released(key, _rounded(counts[i]), Status.PUBLISHED, sources[i])
    return Release(out)


def _rounded(count: int) -> int:
    """Nearest multiple of ROUND_TO; whole counts never tie when it is odd (halves go up)."""
    return (count + ROUND_TO // 2) // ROUND_TO * ROUND_TO


def _check_positive(name: str, number: float, key: object) -> None:
    ok = isinstance(number, int | float | np.integer | np.floating) and not isinstance(
        number, bool | np.bool_
    )
    if not ok or not math.isfinite(number) or number <= 0:
        raise DisclosureError(
            f"the {name} for the rate of {key} is {number!r}: it must be a finite number above 0"
        )


def _checked_cells(cells: Iterable[Cell]) -> dict[Key, Cell]:
    checked: dict[Key, Cell] = {}
    for cell in cells:
        if not isinstance(cell, Cell):
            raise DisclosureError(
                f"{cell!r} is not a Cell: wrap each count as Cell(key, count, source)"
            )
        key, count, source = cell.key, cell.count, cell.source
        _check_key(key, "a Cell")
        if isinstance(count, bool | np.bool_) or not isinstance(count, int | np.integer):
            raise DisclosureError(
                f"the count of {key} is {count!r} ({type(count).__name__}): the gate protects "
                "whole counts only. Pass the int count; a rate, mean or share is computed from "
                "the released count (Release.rate, Release.ratio), never protected on its own"
            )
        if count < 0:
            raise DisclosureError(
                f"the count of {key} is {count}: a count of people or events cannot be "
                "negative; check how it was computed"
            )
        if not isinstance(source, Source):
            raise DisclosureError(
                f"the source of {key} is {source!r}: it must be a Source member "
                f"({', '.join(f'Source.{s.name}' for s in Source)}), so the gate knows how "
                "to protect it"
            )
        if key in checked:
            raise DisclosureError(
                f"{key} is given twice: each published cell needs its own key (add the "
                "dimension that tells them apart, or add the counts up first)"
            )
        checked[key] = Cell(key, int(count), source)
    return checked


def _check_key(key: object, where: str) -> None:
    if not isinstance(key, tuple) or not all(isinstance(part, str) for part in key):
        raise DisclosureError(
            f"{where} has key {key!r}: a key is a tuple of strings, e.g. "
            "('knife_crime', 'E06000066', '2023') (write years and codes as strings)"
        )


Row = tuple[tuple[int, int], ...]  # (cell index, coefficient), total first with +1, parts -1


def _equations(totals: Iterable[Total], cells: dict[Key, Cell], index: dict[Key, int]) -> list[Row]:
    """The relations as linear equations over the protected cells, checked and deduplicated."""
    rows: set[Row] = set()
    for relation in totals:
        if not isinstance(relation, Total):
            raise DisclosureError(f"{relation!r} is not a Total: write it as Total(total, parts)")
        if not isinstance(relation.parts, tuple | list) or not relation.parts:
            raise DisclosureError(
                f"the Total for {relation.total} has parts {relation.parts!r}: give a tuple "
                "of at least one part key"
            )
        named = (relation.total, *relation.parts)
        for key in named:
            _check_key(key, f"the Total for {relation.total!r}")
            if key not in cells:
                raise DisclosureError(
                    f"the Total for {relation.total} names {key}, which is not among the cells: "
                    "pass its Cell too (every figure in a published relation goes through the "
                    "gate), or leave the relation out if that figure is not published"
                )
        if len(set(named)) < len(named):
            raise DisclosureError(
                f"the Total for {relation.total} names a key more than once: a cell is either "
                "the total or one of its parts, once"
            )
        added = sum(cells[p].count for p in relation.parts)
        if added != cells[relation.total].count:
            raise DisclosureError(
                f"the parts of {relation.total} add up to {added}, not its count "
                f"{cells[relation.total].count}: the gate cannot protect a table whose totals "
                "do not add up. Correct the table (for example add a part for the records "
                "with no area or category) so that every total is the sum of its parts"
            )
        official = [k for k in named if cells[k].source == Source.OFFICIAL_STATISTIC]
        if official and len(official) < len(named):
            others = [k for k in named if k not in official]
            raise DisclosureError(
                f"the Total for {relation.total} mixes official statistics {official} with "
                f"partner counts {others}: an official figure is published unchanged and is "
                "public anyway, so it cannot be suppressed to protect a partner cell. Relate "
                "official figures only to official figures, and give the partner table its own "
                "totals"
            )
        if not official:  # a relation among public figures has nothing to protect
            rows.add(((index[relation.total], 1), *sorted((index[p], -1) for p in relation.parts)))
    return sorted(rows)


class _Secondary:
    """Secondary suppression: hide more cells until no hidden cell is determined.

    A hidden cell is determined when the equations, with every other cell known, fix its value:
    exactly when its unit vector lies in the row space of the equations restricted to the hidden
    cells. Zero and official cells are never hidden here, so they count as known; every hidden
    cell is then above 0, and a cell not fixed by the equations can move both ways without any
    cell going negative, so non-negativity cannot pin it either.
    """

    def __init__(self, keys, rows, counts, can_hide, margins):
        self.keys, self.rows, self.counts = keys, rows, counts
        self.can_hide, self.margins = can_hide, margins
        self.cell_rows: list[list[int]] = [[] for _ in keys]
        for r, row in enumerate(rows):
            for c, _ in row:
                self.cell_rows[c].append(r)

    def run(self, primary: set[int]) -> set[int]:
        self.hidden: set[int] = set(primary)
        self.per_row = [sum(c in self.hidden for c, _ in row) for row in self.rows]
        added: set[int] = set()
        # Each pass hides one more cell of a finite table, so the loop ends.
        while True:
            lone = next((r for r, k in enumerate(self.per_row) if k == 1), None)
            if lone is not None:
                # Cheap and certain: a hidden cell alone in its equation is the difference of
                # known cells, and only another cell of that equation can cover it.
                [(cell, _)] = [(c, a) for c, a in self.rows[lone] if c in self.hidden]
                choice = self._choose(cell, [c for c, _ in self.rows[lone]], helps=set())
            else:
                exposed = self._exposed()
                if not exposed:
                    return added
                cell = exposed[0]
                choice = self._rescue(cell)
            self.hidden.add(choice)
            added.add(choice)
            for r in self.cell_rows[choice]:
                self.per_row[r] += 1

    def _choose(self, cell: int, candidates: Iterable[int], helps: set[int]) -> int:
        """The cell to hide for `cell`, preferring, in turn: one that is known to cover it;
        one in an equation with it; one that leaves fewer equations with a lone hidden cell;
        a part over a total; the smallest count; the first key."""
        near = {c for r in self.cell_rows[cell] for c, _ in self.rows[r]}
        options = {c for c in candidates if c not in self.hidden and self.can_hide[c]}
        if not options:
            raise DisclosureError(
                f"cannot protect {self.keys[cell]}: every cell related to it is already "
                "suppressed, zero or official. This should not happen for a table whose "
                "totals add up; please report it with the table"
            )

        def preference(c: int) -> tuple:
            lone_after = sum(
                1 if self.per_row[r] == 0 else -1 if self.per_row[r] == 1 else 0
                for r in self.cell_rows[c]
            )
            return (c not in helps, c not in near, lone_after, c in self.margins, self.counts[c], c)

        return min(options, key=preference)

    def _components(self) -> list[tuple[list[int], list[int]]]:
        """Hidden cells joined through shared equations: (cells, equations touching them)."""
        parent = {c: c for c in self.hidden}

        def root(c: int) -> int:
            while parent[c] != c:
                parent[c] = parent[parent[c]]
                c = parent[c]
            return c

        for row in self.rows:
            inside = [c for c, _ in row if c in self.hidden]
            for c in inside[1:]:
                parent[root(c)] = root(inside[0])
        groups: dict[int, tuple[list[int], list[int]]] = {}
        for c in sorted(self.hidden):
            groups.setdefault(root(c), ([], []))[0].append(c)
        for r, row in enumerate(self.rows):
            inside = [c for c, _ in row if c in self.hidden]
            if inside:
                groups[root(inside[0])][1].append(r)
        return list(groups.values())

    def _matrix(self, rows: list[int], cols: list[int]) -> np.ndarray:
        where = {c: j for j, c in enumerate(cols)}
        matrix = np.zeros((len(rows), len(cols)))
        for i, r in enumerate(rows):
            for c, a in self.rows[r]:
                if c in where:
                    matrix[i, where[c]] = a
        return matrix

    def _exposed(self) -> list[int]:
        """Hidden cells the equations determine, in key order."""
        exposed = []
        for cols, rows in self._components():
            if not rows:
                continue
            _, s, vt = np.linalg.svd(self._matrix(rows, cols), full_matrices=False)
            rank = _rank(s, len(rows), len(cols))
            share = (vt[:rank] ** 2).sum(axis=0)  # of each cell's unit vector in the row space
            exposed += [c for c, x in zip(cols, share, strict=True) if x > 1 - _TOL]
        return sorted(exposed)

    def _rescue(self, cell: int) -> int:
        """Choose a cell to hide so that `cell` is no longer determined, if one cell can do it.

        `cell` is determined because some combination y of the equations M isolates it
        (M^T y = e_cell). Hiding cell j, with column a_j, leaves it isolated exactly when one
        such combination also gives a_j . y = 0; none does when y0 . a_j != 0 for a particular
        one, y0, and a_j lies in the column space of M (so a_j . y is the same for them all),
        provided all of j's equations are already rows of M.
        """
        cols, rows = next(comp for comp in self._components() if cell in comp[0])
        u, s, vt = np.linalg.svd(self._matrix(rows, cols), full_matrices=False)
        rank = _rank(s, len(rows), len(cols))
        u = u[:, :rank]
        y0 = u @ (vt[:rank, cols.index(cell)] / s[:rank])
        in_rows = set(rows)
        candidates = sorted(
            {c for r in rows for c, _ in self.rows[r] if c not in self.hidden and self.can_hide[c]}
        )
        helps: set[int] = set()
        if candidates:
            columns = self._matrix(rows, candidates)
            outside = columns - u @ (u.T @ columns)  # the part outside M's column space
            breaks = (np.abs(y0 @ columns) > _TOL) & (np.abs(outside).max(axis=0) < _TOL)
            helps = {
                c
                for c, b in zip(candidates, breaks, strict=True)
                if b and set(self.cell_rows[c]) <= in_rows
            }
        return self._choose(cell, candidates, helps)


def _rank(s: np.ndarray, m: int, n: int) -> int:
    """Numerical rank from singular values, with numpy.linalg.matrix_rank's tolerance."""
    if not s.size:
        return 0
    return int((s > s.max() * max(m, n) * np.finfo(float).eps).sum())
