"""The disclosure gate: boundaries pinned, refusals, rates, and generated tables checked against
an independent linear programme (scipy's HiGHS), not against the module's own linear algebra."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from svduty.privacy.disclosure import (
    ROUND_TO,
    SUPPRESS_MAX,
    SUPPRESS_MIN,
    Cell,
    DisclosureError,
    Release,
    Source,
    Status,
    Total,
    protect,
    protect_count,
)

RL, HEALTH, PARTNER, OFFICIAL = (
    Source.RECORD_LEVEL,
    Source.HEALTH,
    Source.PARTNER_AGGREGATE,
    Source.OFFICIAL_STATISTIC,
)
PROTECTED = (RL, HEALTH, PARTNER)


def nearest_multiple(count: int, step: int) -> int:
    """Independent rounding: the multiple of `step` closest to `count` (ties cannot occur)."""
    below = count - count % step
    return below if count - below < below + step - count else below + step


# --- boundaries ------------------------------------------------------------------------------


def test_the_constants_are_the_nhs_convention():
    # HES/ECDS disclosure control (docs/sources.md, "Disclosure control"): 1 to 7 suppressed,
    # the rest to 5
    assert (SUPPRESS_MIN, SUPPRESS_MAX, ROUND_TO) == (1, 7, 5)


@pytest.mark.parametrize("source", PROTECTED)
@pytest.mark.parametrize("count", range(1, 8))
def test_one_to_seven_is_suppressed(count, source):
    released = protect_count(count, source)
    assert released.value is None and released.suppressed
    assert released.status == Status.PRIMARY == "suppressed"


@pytest.mark.parametrize("source", PROTECTED)
@pytest.mark.parametrize(
    "count, shown",
    [(0, 0), (8, 10), (9, 10), (10, 10), (12, 10), (13, 15), (17, 15), (18, 20), (1002, 1000),
     (1003, 1005)],
)  # fmt: skip
def test_other_counts_are_rounded_to_five_and_zero_stays_zero(count, shown, source):
    released = protect_count(count, source)
    assert released.value == shown and released.status == Status.PUBLISHED
    assert not released.suppressed


@pytest.mark.parametrize("count", [0, 3, 7, 8, 13, 1234])
def test_official_statistics_pass_unchanged(count):
    released = protect_count(count, OFFICIAL)
    assert released.value == count and released.status == Status.OFFICIAL


def test_numpy_integers_are_counts_and_come_back_as_int():
    assert protect_count(np.int64(5), RL).suppressed
    released = protect_count(np.int32(13), HEALTH)
    assert released.value == 15 and type(released.value) is int


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "count", [True, False, 7.0, 12.5, math.nan, "7", np.float64(9), None, np.bool_(True)]
)
def test_a_count_that_is_not_a_whole_number_is_refused(count):
    with pytest.raises(DisclosureError, match=r"\('x',\).*whole counts only"):
        protect([Cell(("x",), count, RL)])


def test_a_negative_count_is_refused():
    with pytest.raises(DisclosureError, match=r"\('x',\).*-1.*cannot be\s+negative"):
        protect([Cell(("x",), -1, RL)])
    with pytest.raises(DisclosureError, match="negative"):
        protect_count(np.int64(-3), HEALTH)


@pytest.mark.parametrize("source", ["record_level", "official_statistic", None, 1])
def test_a_source_that_is_not_a_source_member_is_refused(source):
    # the string "record_level" equals Source.RECORD_LEVEL, but only a member says it was meant
    with pytest.raises(DisclosureError, match=r"source of \('x',\).*Source\.RECORD_LEVEL"):
        protect([Cell(("x",), 10, source)])


def test_duplicate_keys_are_refused():
    with pytest.raises(DisclosureError, match=r"\('a', '2023'\) is given twice"):
        protect([Cell(("a", "2023"), 10, RL), Cell(("a", "2023"), 20, HEALTH)])


@pytest.mark.parametrize("key", ["a", ("a", 2023), ["a"], None])
def test_a_key_that_is_not_a_tuple_of_strings_is_refused(key):
    with pytest.raises(DisclosureError, match="tuple of strings"):
        protect([Cell(key, 10, RL)])


def test_things_that_are_not_cells_or_totals_are_refused():
    with pytest.raises(DisclosureError, match="not a Cell"):
        protect([(("a",), 10, RL)])
    with pytest.raises(DisclosureError, match="not a Total"):
        protect([Cell(("a",), 10, RL)], [(("a",), (("a",),))])


def table(*counts, source=RL):
    """Parts p0, p1, ... and their total t, with the relation."""
    cells = [Cell((f"p{i}",), c, source) for i, c in enumerate(counts)]
    cells.append(Cell(("t",), sum(counts), source))
    return cells, [Total(("t",), tuple((f"p{i}",) for i in range(len(counts))))]


def test_a_total_naming_a_key_not_among_the_cells_is_refused():
    cells, _ = table(10, 20)
    with pytest.raises(DisclosureError, match=r"names \('p9',\), which is not among the cells"):
        protect(cells, [Total(("t",), (("p0",), ("p9",)))])
    with pytest.raises(DisclosureError, match=r"names \('u',\)"):
        protect(cells, [Total(("u",), (("p0",), ("p1",)))])


def test_a_total_that_does_not_add_up_is_refused():
    cells, totals = table(10, 20)
    cells[-1] = Cell(("t",), 31, RL)
    with pytest.raises(DisclosureError, match=r"parts of \('t',\) add up to 30, not its count 31"):
        protect(cells, totals)


def test_a_total_with_no_parts_or_a_repeated_key_is_refused():
    cells, _ = table(10, 20)
    with pytest.raises(DisclosureError, match="at least one part"):
        protect(cells, [Total(("t",), ())])
    with pytest.raises(DisclosureError, match="more than once"):
        protect(cells, [Total(("p0",), (("p0",),))])


def test_official_and_partner_counts_in_one_total_are_refused():
    cells = [Cell(("a",), 3, RL), Cell(("b",), 40, OFFICIAL), Cell(("t",), 43, OFFICIAL)]
    with pytest.raises(DisclosureError, match=r"mixes official statistics.*cannot be suppressed"):
        protect(cells, [Total(("t",), (("a",), ("b",)))])


def test_a_key_the_gate_never_saw_cannot_be_read_from_a_release():
    release = protect([Cell(("a",), 10, RL)])
    with pytest.raises(DisclosureError, match=r"\('b',\) is not in this release"):
        release.value(("b",))


# --- secondary suppression, worked by hand ---------------------------------------------------


def test_one_small_part_takes_the_smallest_other_part_with_it():
    # p0 = 3 is primary; with t and p1, p2 published, p0 = t - p1 - p2. Hiding the smallest
    # other part (p1 = 20) leaves only p0 + p1 = 33 known.
    release = protect(*table(3, 20, 30))
    assert [release.cells[(k,)].status for k in ("p0", "p1", "p2", "t")] == [
        Status.PRIMARY,
        Status.SECONDARY,
        Status.PUBLISHED,
        Status.PUBLISHED,
    ]
    assert release.value(("p2",)) == 30 and release.value(("t",)) == 55


def test_two_small_parts_protect_each_other():
    release = protect(*table(3, 4, 30))
    assert release.suppressed(("p0",)) and release.suppressed(("p1",))
    assert not release.suppressed(("p2",)) and not release.suppressed(("t",))


def test_zeros_are_published_and_never_hidden():
    # p0 = 3 and all else 0: the total is 3 and primary; zeros are known, so p0 = t is all
    # anyone learns and both stay hidden. Nothing else needs hiding.
    release = protect(*table(3, 0, 0))
    assert release.suppressed(("p0",)) and release.suppressed(("t",))
    assert release.value(("p1",)) == release.value(("p2",)) == 0
    assert all(r.status != Status.SECONDARY for r in release.cells.values())


def test_a_difference_cannot_give_back_a_small_count():
    # "the area" and "the area without one LSOA" published together would reveal the LSOA
    cells = [Cell(("lsoa",), 3, RL), Cell(("rest",), 47, RL), Cell(("area",), 50, RL)]
    release = protect(cells, [Total(("area",), (("lsoa",), ("rest",)))])
    assert release.suppressed(("lsoa",))
    assert release.suppressed(("rest",)) or release.suppressed(("area",))


def test_a_small_cell_in_a_two_way_table_takes_a_rectangle_and_leaves_the_margins():
    # The fewest cells that hide a = r1c1 form a rectangle through it (four cells, each row and
    # column then holding two); of the rectangles, the inner one hides parts, not margins.
    x = {("r1", "c1"): 3, ("r1", "c2"): 10, ("r2", "c1"): 20, ("r2", "c2"): 30}
    cells = [Cell(k, v, RL) for k, v in x.items()]
    cells += [Cell((r, "all"), sum(v for k, v in x.items() if k[0] == r), RL) for r in ("r1", "r2")]
    cells += [Cell(("all", c), sum(v for k, v in x.items() if k[1] == c), RL) for c in ("c1", "c2")]
    cells.append(Cell(("all", "all"), sum(x.values()), RL))
    totals = [Total((r, "all"), ((r, "c1"), (r, "c2"))) for r in ("r1", "r2")]
    totals += [Total(("all", c), (("r1", c), ("r2", c))) for c in ("c1", "c2")]
    totals.append(Total(("all", "all"), (("r1", "all"), ("r2", "all"))))
    totals.append(Total(("all", "all"), (("all", "c1"), ("all", "c2"))))
    release = protect(cells, totals)
    assert {k for k, r in release.cells.items() if r.suppressed} == set(x)
    assert release.value(("all", "all")) == 65 and release.value(("r1", "all")) == 15


def test_a_cycle_of_relations_that_pins_small_counts_is_broken():
    # a + b, b + c and a + c are each published through a total with one published part: no
    # equation has a lone hidden cell, yet a = (T1 - p1 - (T2 - p2) + T3 - p3) / 2. Only the rank
    # test sees this; the independent linear programme checks the result.
    counts = {"a": 3, "b": 4, "c": 5, "p1": 20, "p2": 30, "p3": 40}
    sums = {"T1": ("a", "b", "p1"), "T2": ("b", "c", "p2"), "T3": ("a", "c", "p3")}
    cells = [Cell((k,), v, RL) for k, v in counts.items()]
    cells += [Cell((t,), sum(counts[p] for p in ps), RL) for t, ps in sums.items()]
    totals = [Total((t,), tuple((p,) for p in ps)) for t, ps in sums.items()]
    release = protect(cells, totals)
    assert any(r.status == Status.SECONDARY for r in release.cells.values())
    assert_nothing_suppressed_is_recoverable(cells, totals, release)


# --- rates -----------------------------------------------------------------------------------


def test_a_rate_from_a_suppressed_count_is_withheld():
    release = protect([Cell(("a",), 4, HEALTH)])
    assert release.rate(("a",), denominator=2000, per=100_000) is None


def test_a_rate_is_computed_from_the_rounded_count():
    release = protect([Cell(("a",), 13, RL), Cell(("o",), 13, OFFICIAL), Cell(("z",), 0, RL)])
    # 13 is published as 15: 15 / 2000 * 1000 = 7.5 (the true count would give 6.5)
    assert release.rate(("a",), denominator=2000, per=1000) == 7.5
    assert release.rate(("o",), denominator=2000, per=1000) == 6.5  # official: unchanged
    assert release.rate(("z",), denominator=2000, per=1000) == 0.0
    assert release.rate(("a",), denominator=3, per=100, digits=2) == 500.0
    assert release.rate(("a",), denominator=7, per=1, digits=3) == 2.143


@pytest.mark.parametrize("bad", [0, -5, math.nan, math.inf, True, "100", None])
def test_a_rate_needs_a_positive_finite_denominator(bad):
    release = protect([Cell(("a",), 13, RL)])
    with pytest.raises(DisclosureError, match="finite number above 0"):
        release.rate(("a",), denominator=bad, per=1000)
    with pytest.raises(DisclosureError, match="finite number above 0"):
        release.rate(("a",), denominator=1000, per=bad)
    with pytest.raises(DisclosureError, match="finite number above 0"):
        release.ratio(("a",), ("a",), per=bad)


@pytest.mark.parametrize("digits", [-1, 1.0, True])
def test_rate_digits_must_be_a_whole_number(digits):
    with pytest.raises(DisclosureError, match="digits"):
        protect([Cell(("a",), 13, RL)]).rate(("a",), 1000, 100, digits=digits)


def test_a_share_is_withheld_when_either_count_is_suppressed_or_the_base_is_zero():
    cells, totals = table(3, 20, 30)
    cells.append(Cell(("zero",), 0, RL))
    release = protect(cells, totals)
    assert release.ratio(("p0",), ("t",)) is None  # numerator primary
    assert release.ratio(("p2",), ("p1",)) is None  # denominator secondary
    assert release.ratio(("p2",), ("zero",)) is None
    assert release.ratio(("p2",), ("t",)) == round(30 / 55 * 100, 1)  # the released counts


# --- generated tables ------------------------------------------------------------------------

small_or_not = st.one_of(st.integers(0, 12), st.integers(0, 80))
protected_source = st.sampled_from(PROTECTED)


@st.composite
def one_way(draw, name):
    counts = draw(st.lists(small_or_not, min_size=1, max_size=6))
    cells = [Cell((name, f"p{i}"), c, draw(protected_source)) for i, c in enumerate(counts)]
    cells.append(Cell((name, "all"), sum(counts), draw(protected_source)))
    return cells, [Total((name, "all"), tuple(c.key for c in cells[:-1]))]


@st.composite
def two_way(draw, name):
    """Rows by columns with row and column margins and a grand total (two relations)."""
    n_rows, n_cols = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    x = [[draw(small_or_not) for _ in range(n_cols)] for _ in range(n_rows)]
    source = draw(protected_source)
    rows, cols = [f"r{i}" for i in range(n_rows)], [f"c{j}" for j in range(n_cols)]
    cells = [
        Cell((name, r, c), x[i][j], source) for i, r in enumerate(rows) for j, c in enumerate(cols)
    ]
    cells += [Cell((name, r, "all"), sum(x[i]), source) for i, r in enumerate(rows)]
    cells += [Cell((name, "all", c), sum(row[j] for row in x), source) for j, c in enumerate(cols)]
    cells.append(Cell((name, "all", "all"), sum(map(sum, x)), source))
    totals = [Total((name, r, "all"), tuple((name, r, c) for c in cols)) for r in rows]
    totals += [Total((name, "all", c), tuple((name, r, c) for r in rows)) for c in cols]
    totals.append(Total((name, "all", "all"), tuple((name, r, "all") for r in rows)))
    totals.append(Total((name, "all", "all"), tuple((name, "all", c) for c in cols)))
    return cells, totals


@st.composite
def hierarchy(draw, name):
    """LSOAs sum to local authorities, which sum to the force area; sometimes also the force
    area without its first local authority (a difference)."""
    source = draw(protected_source)
    cells, totals, las = [], [], []
    for a in range(draw(st.integers(1, 3))):
        lsoas = draw(st.lists(small_or_not, min_size=1, max_size=4))
        parts = [(name, f"la{a}", f"lsoa{b}") for b in range(len(lsoas))]
        cells += [Cell(k, c, source) for k, c in zip(parts, lsoas, strict=True)]
        cells.append(Cell((name, f"la{a}", "all"), sum(lsoas), source))
        totals.append(Total((name, f"la{a}", "all"), tuple(parts)))
        las.append(sum(lsoas))
    force = (name, "force")
    cells.append(Cell(force, sum(las), source))
    totals.append(Total(force, tuple((name, f"la{a}", "all") for a in range(len(las)))))
    if draw(st.booleans()):
        cells.append(Cell((name, "force-but-la0"), sum(las) - las[0], source))
        totals.append(Total(force, ((name, "la0", "all"), (name, "force-but-la0"))))
    return cells, totals


@st.composite
def overlapping(draw, name):
    """Groupings that overlap (say age bands and a partnership's own areas): each total is the
    sum of its own subset of the same parts, so hidden cells can be pinned without any equation
    having a lone hidden cell."""
    counts = draw(st.lists(small_or_not, min_size=2, max_size=6))
    source = draw(protected_source)
    cells = [Cell((name, f"p{i}"), c, source) for i, c in enumerate(counts)]
    groups = draw(
        st.lists(
            st.frozensets(st.integers(0, len(counts) - 1), min_size=1),
            min_size=1,
            max_size=5,
            unique=True,
        )
    )
    totals = []
    for g, members in enumerate(groups):
        cells.append(Cell((name, f"g{g}"), sum(counts[i] for i in members), source))
        totals.append(Total((name, f"g{g}"), tuple((name, f"p{i}") for i in sorted(members))))
    return cells, totals


@st.composite
def official_table(draw, name):
    counts = draw(st.lists(small_or_not, min_size=1, max_size=4))
    cells = [Cell((name, f"p{i}"), c, OFFICIAL) for i, c in enumerate(counts)]
    cells.append(Cell((name, "all"), sum(counts), OFFICIAL))
    return cells, [Total((name, "all"), tuple(c.key for c in cells[:-1]))]


SHAPES = [one_way, two_way, hierarchy, overlapping, official_table]


@st.composite
def tables(draw):
    """One to three tables of different shapes, protected together in one call."""
    shapes = draw(st.lists(st.sampled_from(SHAPES), min_size=1, max_size=3))
    cells, totals = [], []
    for i, shape in enumerate(shapes):
        c, t = draw(shape(f"t{i}"))
        cells += c
        totals += t
    return cells, totals


def assert_nothing_suppressed_is_recoverable(cells, totals, release: Release):
    """For each suppressed cell, minimise and maximise it over every table that agrees with the
    relations, the published cells at their TRUE (unrounded) counts and the suppressed cells
    >= 0. If the minimum equals the maximum, the cell is recoverable."""
    true = {c.key: c.count for c in cells}
    hidden = sorted(k for k, r in release.cells.items() if r.suppressed)
    where = {k: i for i, k in enumerate(hidden)}
    a_eq, b_eq = [], []
    for t in totals:
        row, rhs = np.zeros(len(hidden)), 0.0
        for key, coef in [(t.total, 1), *((p, -1) for p in t.parts)]:
            if key in where:
                row[where[key]] += coef
            else:
                rhs -= coef * true[key]
        if row.any():
            a_eq.append(row)
            b_eq.append(rhs)
    for key in hidden:
        if not a_eq:
            break  # no relation touches a suppressed cell: each is free
        objective = np.zeros(len(hidden))
        objective[where[key]] = 1
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        assert low.status == 0, f"the true table should be feasible: {low.message}"
        assert low.fun <= true[key] + 1e-6
        if high.status == 3:  # unbounded above
            continue
        assert high.status == 0, high.message
        assert -high.fun - low.fun > 1e-6, f"{key} is pinned to {low.fun} by the relations"


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_generated_tables_publish_no_small_count_and_recover_no_suppressed_one(generated):
    cells, totals = generated
    release = protect(cells, totals)
    assert set(release.cells) == {c.key for c in cells}
    for cell in cells:
        out = release.cells[cell.key]
        assert out.source == cell.source
        if cell.source == OFFICIAL:
            assert out.status == Status.OFFICIAL and out.value == cell.count
            continue
        # (a) no published count of 1 to 7; primary exactly where the count is 1 to 7
        assert out.value is None or not 1 <= out.value <= 7
        assert (out.status == Status.PRIMARY) == (1 <= cell.count <= 7)
        if out.status == Status.PUBLISHED:
            # (b) a multiple of 5, and the nearest one to the true count
            assert out.value % 5 == 0 and out.value == nearest_multiple(cell.count, 5)
        if out.status == Status.SECONDARY:
            assert cell.count > 7  # never a zero: zeros are known and protect nothing
    # (c) no combination of the relations and the published cells gives back a suppressed one
    assert_nothing_suppressed_is_recoverable(cells, totals, release)


@settings(max_examples=150, deadline=None)
@given(overlapping("overlap"))
def test_overlapping_groupings_recover_no_suppressed_count(generated):
    # roughly one example in twelve needs the rank test: no equation has a lone hidden cell, yet
    # the equations together pin one
    cells, totals = generated
    release = protect(cells, totals)
    assert all(release.value(c.key) not in range(1, 8) for c in cells)
    assert_nothing_suppressed_is_recoverable(cells, totals, release)


@settings(max_examples=100, deadline=1000)
@given(tables(), st.data())
def test_the_result_is_the_same_whatever_order_the_table_comes_in(generated, data):
    cells, totals = generated
    first = protect(cells, totals)
    again = protect(data.draw(st.permutations(cells)), data.draw(st.permutations(totals)))
    assert again == first
    assert protect(cells, totals) == first
