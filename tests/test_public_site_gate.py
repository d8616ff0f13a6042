"""The public site publishes no count the disclosure gate did not pass.

The site is built for the force area and Somerset from the demo warehouse, then every file of it
is walked: HTML (count cells, which the templates mark data-kind="count" with the key the gate
released them under, and all free text), CSV, XLSX and GeoJSON. Every count must be "[c]", a
multiple of 5, or an official statistic, and must be what the gate's Release says for its key.

Then the site is checked against the warehouse, counted independently (the measures of
svduty.analysis and, for the map, a plain query of police.uk rows): every published count is the
true count rounded to 5, every true count of 1 to 7 is withheld, and in every published
hierarchy (force area and its authorities, an authority and its MSOAs, all ages and under 25s)
no relation leaves exactly one cell unknown to a reader who knows every figure that is not
withheld. Finally publish raises, rather than passes through, a count it cannot protect.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from svduty import partnership
from svduty.analysis.measures import Catalogue, Geography, Measure, compute, load
from svduty.privacy.disclosure import DisclosureError, Source, Status
from svduty.products import area as areas
from svduty.products.site import publish
from svduty.products.site.gate import Gate, count_key, source_kind
from svduty.products.site.series import collect, declare
from svduty.warehouse import connect

AREAS = ("avon-and-somerset", "somerset")
PFA = "E23000036"
SOMERSET = "E06000066"
CONFIDENTIAL = "[c]"
# A small whole number right before what it counts ("3 victims", "5 knife crimes"): free text
# must never say that
SMALL_COUNT = re.compile(
    r"(?<![\d.,])\b([1-7])\s+(?:[a-z-]+\s+){0,2}(?:crimes?|offences?|attendances?|admissions?|"
    r"people|persons?|victims?|homicides?|incidents?|children|young people|cases|assaults?)\b",
    re.IGNORECASE,
)
# (part, whole) measures the site publishes for the same areas and years
PAIRS = (("knife-police-under-25", "knife-police"), ("homicide-under-25", "homicide"))

_BUILT: dict[str, object] = {}


@pytest.fixture(scope="session")
def public_site(demo_config, tmp_path_factory):
    """The site for Avon and Somerset and for Somerset, built once for both test modules
    (test_publish imports this fixture; the cache makes the two registrations share one build).
    """
    if "site" not in _BUILT:
        wh = connect(demo_config.warehouse_url, read_only=True)
        p = partnership.load(demo_config.partnership_path)
        out = tmp_path_factory.mktemp("public") / "site"
        manifest = publish(wh, p, out, areas=[areas.resolve(p, a) for a in AREAS])
        wh.close()
        _BUILT["site"] = manifest
    return _BUILT["site"]


@pytest.fixture(scope="module")
def wh(demo_config):
    warehouse = connect(demo_config.warehouse_url, read_only=True)
    yield warehouse
    warehouse.close()


@pytest.fixture(scope="module")
def truth(wh, demo_config):
    """The true counts of every measure by (measure, area code, financial year), and the rows
    not placed in an authority, from svduty.analysis (not from publish)."""
    p = partnership.load(demo_config.partnership_path)
    geo = Geography.load(wh, p.police_force_area, p.police_uk_force)
    rows = compute(wh, load(), geo, period_types=("financial_year",))
    counts = {(r["measure"], r["area_code"], r["period"]): r for r in rows}
    return counts


# ---- walking every file ------------------------------------------------------------------------


class _Page(HTMLParser):
    """Count cells (with their keys), the columns headed "Number", and the free text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[tuple[str | None, str]] = []
        self.text: list[str] = []
        self.unmarked_numbers: list[str] = []
        self._cell: list | None = None
        self._svg = 0
        self._headings: list[str] = []
        self._column = -1
        self._in_th = False
        self._th_text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg":
            self._svg += 1
        if tag == "table":
            self._headings = []
        if tag == "tr":
            self._column = -1
        if tag in ("td", "th"):
            self._column += 1
            self._in_th = tag == "th" and a.get("scope") == "col"
            self._th_text = ""
            is_number = (
                tag == "td"
                and 0 <= self._column < len(self._headings)
                and self._headings[self._column] == "Number"
            )
            if is_number and a.get("data-kind") != "count":
                self.unmarked_numbers.append(str(attrs))
        if a.get("data-kind") == "count":
            self._cell = [a.get("data-key"), ""]

    def handle_endtag(self, tag):
        if tag == "svg":
            self._svg -= 1
        if tag == "th" and self._in_th:
            self._headings.append(self._th_text.strip())
            self._in_th = False
        if self._cell is not None and tag in ("td", "dd"):
            self.cells.append((self._cell[0], self._cell[1].strip()))
            self._cell = None

    def handle_data(self, data):
        if self._in_th:
            self._th_text += data
        if self._cell is not None:
            self._cell[1] += data
        elif not self._svg:
            self.text.append(data)


def _value(text) -> int | str:
    """A published count as a number, or "[c]"; anything else fails the test."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    text = str(text).strip()
    if text == CONFIDENTIAL:
        return text
    assert re.fullmatch(r"\d{1,3}(,\d{3})*|\d+", text), f"{text!r} is not a count or [c]"
    return int(text.replace(",", ""))


def _key_of(record: dict) -> tuple[str, ...]:
    return count_key(record["measure"], record["area_code"], str(record["period"]))


def walk(site: Path) -> dict[str, dict]:
    """Every file of the site: its counts as (key, value) and its free text."""
    found: dict[str, dict] = {}
    for path in sorted(site.rglob("*")):
        if path.is_dir():
            continue
        name = path.relative_to(site).as_posix()
        counts: list[tuple[tuple, int | str]] = []
        text: list[str] = []
        unmarked: list[str] = []
        if name.startswith("assets/"):
            # the site's styles and scripts (the map's vendored Leaflet too) come from the
            # package: byte for byte the packaged file, so no figure can have got into them
            packaged = resources.files("svduty.products") / "static" / name.removeprefix("assets/")
            assert packaged.is_file(), f"{name}: not a file svduty ships"
            assert packaged.read_bytes() == path.read_bytes(), f"{name}: differs from svduty's"
        elif path.suffix == ".html":
            page = _Page()
            page.feed(path.read_text(encoding="utf-8"))
            counts = [(tuple(json.loads(k)), _value(v)) for k, v in page.cells]
            text, unmarked = page.text, page.unmarked_numbers
        elif path.suffix == ".csv":
            with path.open(encoding="utf-8", newline="") as f:
                for rec in csv.DictReader(f):
                    counts.append((_key_of(rec), _value(rec["count"])))
                    text.append(rec["title"])
        elif path.suffix == ".xlsx":
            book = load_workbook(path, read_only=True)
            for sheet in book.worksheets:
                rows = list(sheet.iter_rows(values_only=True))
                if sheet.title == "Notes":
                    text += [str(v) for row in rows for v in row if v is not None]
                    continue
                header = list(rows[0])
                for row in rows[1:]:
                    rec = dict(zip(header, row, strict=True))
                    counts.append((_key_of(rec), _value(rec["count"])))
            book.close()
        elif path.suffix == ".geojson":
            collection = json.loads(path.read_text(encoding="utf-8"))
            text += collection.get("notes", [])
            for feature in collection["features"]:
                rec = feature["properties"]
                counts.append((_key_of(rec), _value(rec["count"])))
        else:
            pytest.fail(
                f"{name}: the walker cannot read a {path.suffix} file, so cannot vouch for it"
            )
        found[name] = {"counts": counts, "text": " ".join(text), "unmarked": unmarked}
    return found


@pytest.fixture(scope="module")
def walked(public_site):
    return walk(public_site.out)


def test_every_file_is_walked_and_holds_counts_where_expected(public_site, walked):
    assert set(walked) >= set(public_site.files)
    kinds = {Path(n).suffix for n in walked if not n.startswith("assets/")}
    assert kinds == {".html", ".csv", ".xlsx", ".geojson"}
    assert {"assets/svduty.css", "assets/svduty-map.js"} <= set(walked)
    for area_id in AREAS:
        for name in ("measures.html", "map.html", "data/measures.csv", "data/measures.xlsx"):
            assert walked[f"{area_id}/{name}"]["counts"], f"{area_id}/{name} shows no counts"


def test_every_count_is_withheld_rounded_or_official(public_site, walked):
    release = public_site.release
    checked = 0
    for name, got in walked.items():
        for key, value in got["counts"]:
            if value == CONFIDENTIAL:
                continue
            checked += 1
            if release.cells[key].status == Status.OFFICIAL:
                continue
            assert value % 5 == 0, f"{name}: {key} = {value} is neither rounded to 5 nor [c]"
    assert checked > 500


def test_every_count_is_what_the_gate_released_for_its_key(public_site, walked):
    """The walker finds no count the gate did not pass."""
    release = public_site.release
    for name, got in walked.items():
        allowed = public_site.keys(name)
        for key, value in got["counts"]:
            assert key in allowed, f"{name} shows {key}, which the manifest does not list for it"
            if key in public_site.suppressed_at_source:
                assert value == CONFIDENTIAL, f"{name}: {key} arrived suppressed but shows {value}"
                continue
            assert key in release.cells, f"{name}: {key} never passed the gate"
            released = release.value(key)
            expected = CONFIDENTIAL if released is None else released
            assert value == expected, f"{name}: {key} shows {value}, the gate released {expected}"


def test_number_columns_are_all_marked_as_counts(walked):
    for name, got in walked.items():
        assert not got["unmarked"], f"{name}: a 'Number' cell without data-kind=count"


def test_no_free_text_quotes_a_small_count(walked):
    for name, got in walked.items():
        hit = SMALL_COUNT.search(got["text"])
        assert hit is None, f"{name} says {hit.group(0)!r}"


def test_the_small_count_pattern_finds_what_it_is_meant_to():
    assert SMALL_COUNT.search("In 2020, 3 knife crimes were recorded")
    assert SMALL_COUNT.search("7 young people were admitted")
    assert not SMALL_COUNT.search("15 crimes; 1,234 offences; 2.5 per 1,000 people")
    assert not SMALL_COUNT.search("Counts of 1 to 7 arrive suppressed")


def test_the_manifest_is_kept_outside_the_site(public_site):
    out = public_site.out
    assert public_site.path.exists() and out not in public_site.path.parents
    recorded = json.loads(public_site.path.read_text())
    assert set(recorded["files"]) == set(public_site.files)
    # the statuses (which cells were small) are in the manifest, never in the site
    for path in out.rglob("*"):
        if path.suffix in (".html", ".csv", ".geojson"):
            body = path.read_text(encoding="utf-8")
            assert '"status"' not in body and "suppressed at source" not in body, path


# ---- against the warehouse, counted independently ----------------------------------------------


def test_published_counts_are_the_true_counts_rounded_or_withheld(public_site, walked, truth):
    release = public_site.release
    compared = 0
    for name, got in walked.items():
        for key, value in got["counts"]:
            row = truth.get(key[1:])
            if row is None or row["suppressed"]:
                continue  # MSOA counts are checked below; partner-suppressed stay [c]
            true = int(row["count"])
            if release.cells[key].status == Status.OFFICIAL:
                assert value == true, f"{name}: official {key} changed from {true} to {value}"
            elif 1 <= true <= 7:
                assert value == CONFIDENTIAL, f"{name}: {key} is {true} but shows {value}"
            elif value != CONFIDENTIAL:
                assert abs(value - true) <= 2 and value % 5 == 0, f"{name}: {key} {true}->{value}"
            compared += 1
    assert compared > 300


def _csv(public_site, name: str) -> dict[tuple, dict]:
    with (public_site.out / name).open(encoding="utf-8", newline="") as f:
        return {_key_of(r): r for r in csv.DictReader(f)}


def _unknown(public_site, published: list, remainder: tuple) -> int:
    """Cells of one relation a reader cannot know: the published [c] cells, and the remainder
    (never published: rows with no location, in no MSOA, aged 25 or over) when the gate withheld
    it. A remainder the gate did not withhold counts as known: the worst case. A relation with
    no remainder (a partner's total is the sum of its authorities) has none in the release."""
    cell = public_site.release.cells.get(remainder)
    withheld = cell is not None and cell.status in (Status.PRIMARY, Status.SECONDARY)
    return sum(v == CONFIDENTIAL for v in published) + withheld


def test_no_force_area_total_gives_away_a_withheld_authority(public_site, truth):
    force = _csv(public_site, "avon-and-somerset/data/measures.csv")
    checked = 0
    for (_, measure, code, period), rec in force.items():
        if code != PFA:
            continue
        las = {k: r for k, r in force.items() if k[1] == measure and k[3] == period and k[2] != PFA}
        if len(las) < 5:
            continue  # the authorities of that year are not all published together
        values = [_value(rec["count"])] + [_value(r["count"]) for r in las.values()]
        remainder = ("not-placed", measure, PFA, period)
        if 1 <= truth[(measure, PFA, period)]["not_placed"] <= 7:
            assert public_site.release.suppressed(remainder), remainder
        hidden = _unknown(public_site, values, remainder)
        assert hidden != 1, f"{measure} {period}: one cell of the force area total is recoverable"
        checked += 1
    assert checked >= 8


def test_no_all_ages_figure_gives_away_a_withheld_under_25_figure(public_site, truth):
    checked = 0
    for area_id, code in (("avon-and-somerset", PFA), ("somerset", SOMERSET)):
        rows = _csv(public_site, f"{area_id}/data/measures.csv")
        for part, whole in PAIRS:
            for period in {k[3] for k in rows if k[1] == whole}:
                p, w = (
                    rows.get(count_key(part, code, period)),
                    rows.get(count_key(whole, code, period)),
                )
                if p is None or w is None:
                    continue
                rest = truth[(whole, code, period)]["count"] - truth[(part, code, period)]["count"]
                remainder = ("rest", part, whole, code, period)
                if 1 <= rest <= 7:
                    assert public_site.release.suppressed(remainder), remainder
                hidden = _unknown(public_site, [_value(p["count"]), _value(w["count"])], remainder)
                assert hidden != 1, f"{part} within {whole}, {code} {period}: recoverable"
                checked += 1
    assert checked >= 8


def _police_uk_violence_by_msoa(wh, start: str, end: str) -> tuple[dict, dict, dict]:
    """police.uk violence by 2011 MSOA and by authority, counted with a plain query (an MSOA
    is the LSOA name without its final letter)."""
    t = wh.table("police_uk_street")
    t = t.filter(
        (t.force == "avon-and-somerset")
        & (t.crime_type == "Violence and sexual offences")
        & (t.month >= start)
        & (t.month <= end)
    )
    by_lsoa = t.group_by("lsoa_code").aggregate(n=t.count()).execute()
    lsoa = wh.table("ref_lsoa")
    ref = lsoa.filter(lsoa.pfa_code == PFA).select("lsoa_code", "lsoa_name", "in_2011", "la_code")
    ref = ref.execute().set_index("lsoa_code")
    b = wh.table("ref_boundary")
    msoa_code = dict(
        b.filter(b.level == "msoa11").select("name", "code").execute().itertuples(index=False)
    )
    msoa, la, lost = defaultdict(int), defaultdict(int), defaultdict(int)
    for code, n in by_lsoa.itertuples(index=False):
        if code not in ref.index:
            continue
        row = ref.loc[code]
        la[row["la_code"]] += int(n)
        name = msoa_code.get(row["lsoa_name"][:-1]) if row["in_2011"] else None
        if name is None:
            lost[row["la_code"]] += int(n)
        else:
            msoa[name] += int(n)
    return msoa, la, lost


def test_map_counts_match_an_independent_count_and_protect_each_authority(
    public_site, wh, demo_config
):
    rows = _csv(public_site, "avon-and-somerset/data/msoa-police-uk-violence.csv")
    period = next(iter(rows))[3]
    start, end = f"{period[:4]}-04-01", f"{int(period[:4]) + 1}-03-31"
    true_msoa, true_la, lost = _police_uk_violence_by_msoa(wh, start, end)
    for key, rec in rows.items():
        true, value = true_msoa.get(key[2], 0), _value(rec["count"])
        if 1 <= true <= 7:
            assert value == CONFIDENTIAL, f"MSOA {key[2]}: {true} published as {value}"
        elif value != CONFIDENTIAL:
            assert abs(value - true) <= 2 and value % 5 == 0, f"MSOA {key[2]}: {true}->{value}"
    names = {
        la.name: la.code for la in partnership.load(demo_config.partnership_path).local_authorities
    }
    table = public_site.tables["avon-and-somerset/police-uk-violence/by-msoa"]
    la_of = {r.labels["msoa_code"]: names[r.labels["la"]] for r in table.rows}
    force = _csv(public_site, "avon-and-somerset/data/measures.csv")
    for la_code in true_la:
        la_row = force[count_key("police-uk-violence", la_code, period)]
        mine = [_value(r["count"]) for k, r in rows.items() if la_of[k[2]] == la_code]
        # a 2021-only LSOA may find its MSOA through its 2011 parent, so the site's remainder
        # is at most this simpler count's
        remainder = ("no-msoa", "police-uk-violence", la_code, period)
        assert public_site.release.cells[remainder].value is None or lost[la_code] >= 0
        hidden = _unknown(public_site, [_value(la_row["count"]), *mine], remainder)
        assert hidden != 1, f"{la_code}: one cell of the authority's MSOA table is recoverable"


def test_rates_come_from_the_released_counts(public_site):
    """A rate times its published population gives back the published count, never more."""
    rows = _csv(public_site, "somerset/data/measures.csv")
    checked = 0
    for rec in rows.values():
        if rec["rate"] == "" or rec["count"] == CONFIDENTIAL:
            continue
        count, population, per = int(rec["count"]), float(rec["population"]), int(rec["rate_per"])
        digits = len(rec["rate"].split(".")[1]) if "." in rec["rate"] else 0
        assert float(rec["rate"]) == pytest.approx(
            round(count / population * per, digits), abs=1e-9
        )
        checked += 1
    assert checked > 20


# ---- the relations, on tables small enough to check by hand ------------------------------------

KNIFE = Measure(
    id="knife", title="Knife crime", source="police_crime", definition="d", strand="knife"
)
KNIFE_U25 = Measure(
    id="knife-u25", title="Knife crime, under 25", source="police_crime", definition="d",
    strand="knife", under_25=True,
)  # fmt: skip


def _row(measure, code, count, not_placed=0, period="2020/21"):
    return {
        "measure": measure.id, "area_code": code, "area_name": code, "period": period,
        "period_type": "financial_year", "period_start": "2020-04-01", "complete": True,
        "count": count, "suppressed": False, "not_placed": not_placed, "synthetic": False,
        "denominator": 100000.0,
    }  # fmt: skip


def _declared(rows):
    catalogue = Catalogue(Path("test"), 2019, (KNIFE, KNIFE_U25))
    series = collect(
        rows, catalogue, pfa_code="F", la_codes=["A", "B", "C"], period_type="financial_year"
    )
    gate = Gate()
    declare(gate, series, pfa_code="F")
    gate.protect()
    return gate


def _hidden(gate, keys) -> int:
    return sum(gate.released(k) == CONFIDENTIAL for k in keys)


def test_one_small_authority_is_not_left_alone_under_its_force_total():
    # F = A + B + C + 10 rows with no location; A is 3
    rows = [
        _row(KNIFE, "F", 100, 10),
        _row(KNIFE, "A", 3),
        _row(KNIFE, "B", 40),
        _row(KNIFE, "C", 47),
    ]
    gate = _declared(rows)
    cells = [count_key("knife", c, "2020/21") for c in "FABC"]
    assert gate.released(cells[1]) == CONFIDENTIAL
    assert _hidden(gate, [*cells, ("not-placed", "knife", "F", "2020/21")]) >= 2


def test_a_small_difference_between_all_ages_and_under_25_is_protected():
    # all ages 40 and under 25 36 would give away that 4 victims were 25 or over
    rows = [_row(KNIFE, "F", 40), _row(KNIFE_U25, "F", 36)]
    gate = _declared(rows)
    assert (
        _hidden(gate, [count_key("knife", "F", "2020/21"), count_key("knife-u25", "F", "2020/21")])
        == 1
    )
    assert gate.release.suppressed(("rest", "knife-u25", "knife", "F", "2020/21"))


def test_a_small_authority_is_protected_inside_its_msoas():
    from svduty.products.site import msoa

    geography = msoa.MsoaGeography(
        lsoa_msoa={},
        msoas=pd.DataFrame(
            {"msoa_code": ["M1", "M2", "M3"], "msoa_name": ["M1", "M2", "M3"],
             "la_code": ["A", "A", "A"], "population": [8000.0, 8000.0, 8000.0]}
        ).set_index("msoa_code", drop=False),
    )  # fmt: skip
    rows = [_row(KNIFE, "F", 100, 10), _row(KNIFE, "A", 50), _row(KNIFE, "B", 40)]
    catalogue = Catalogue(Path("test"), 2019, (KNIFE,))
    series = collect(
        rows, catalogue, pfa_code="F", la_codes=["A", "B"], period_type="financial_year"
    )
    mapped = [
        msoa.MsoaCounts(KNIFE, "2020/21", {"M1": 2, "M2": 30, "M3": 18}, {"A": 0}, False, geography)
    ]
    gate = Gate()
    declare(gate, series, pfa_code="F")
    msoa.declare(gate, mapped, series)
    gate.protect()
    keys = [count_key("knife", c, "2020/21") for c in ("A", "M1", "M2", "M3")]
    assert gate.released(keys[1]) == CONFIDENTIAL
    # the remainder is 0, which discloses nobody and so cannot hide M1: a published cell must
    assert _hidden(gate, keys) >= 2


# ---- what the gate refuses ---------------------------------------------------------------------


def test_an_unknown_source_kind_is_refused_by_the_gate():
    gate = Gate()
    gate.add(("count", "x", "E06000066", "2020/21"), 3, "prison_records")  # not a Source
    with pytest.raises(DisclosureError, match="Source"):
        gate.protect()


def test_a_measure_from_an_unknown_source_is_refused_not_passed_through():
    prison = Measure(id="prison-assaults", title="Assaults in prison", source="prison_records")
    with pytest.raises(DisclosureError, match="prison_records"):
        source_kind(prison)
    row = {
        "measure": "prison-assaults", "area_code": PFA, "period": "2020/21",
        "period_type": "financial_year", "period_start": "2020-04-01", "complete": True,
        "count": 3, "suppressed": False, "not_placed": 0, "synthetic": False,
    }  # fmt: skip
    catalogue = Catalogue(Path("test"), 2019, (prison,))
    with pytest.raises(DisclosureError, match="prison_records"):
        collect([row], catalogue, pfa_code=PFA, la_codes=[SOMERSET], period_type="financial_year")


def test_publish_refuses_a_catalogue_with_an_unknown_source(demo_config, tmp_path):
    wh = connect(demo_config.warehouse_url, read_only=True)
    p = partnership.load(demo_config.partnership_path)
    shipped = load()
    odd = Measure(id="prison-assaults", title="Assaults in prison", source="prison_records")
    catalogue = Catalogue(shipped.path, shipped.baseline_year, (*shipped.measures, odd))
    try:
        with pytest.raises(DisclosureError, match="prison_records"):
            publish(
                wh, p, tmp_path / "site", areas=[areas.resolve(p, "somerset")], catalogue=catalogue
            )
    finally:
        wh.close()
    assert not (tmp_path / "site").exists(), "nothing is published when the gate refuses"


def test_a_partner_suppressed_cell_that_the_others_would_reveal_is_refused():
    """A partner withheld one authority, but sent the total and every other authority."""
    gate = Gate()
    total, a, b = ("count", "m", "F", "y"), ("count", "m", "A", "y"), ("count", "m", "B", "y")
    gate.add(total, 40, Source.HEALTH)
    gate.add(a, None, Source.HEALTH)  # suppressed by the partner; the others give away 12
    gate.add(b, 28, Source.HEALTH)
    gate.relate(total, [a, b], Source.HEALTH)
    with pytest.raises(DisclosureError, match="arrived suppressed"):
        gate.protect()


def test_a_partner_suppressed_small_cell_makes_the_gate_hide_another():
    gate = Gate()
    total, a, b = ("count", "m", "F", "y"), ("count", "m", "A", "y"), ("count", "m", "B", "y")
    gate.add(total, 40, Source.HEALTH)
    gate.add(a, None, Source.HEALTH)  # really 3
    gate.add(b, 37, Source.HEALTH)
    gate.relate(total, [a, b], Source.HEALTH)
    gate.protect()
    assert gate.released(a) == CONFIDENTIAL
    assert CONFIDENTIAL in (gate.released(total), gate.released(b))


def test_gated_tables_cannot_be_made_by_hand():
    from svduty.products.site.gate import GatedTable

    with pytest.raises(TypeError, match=r"Gate\.table"):
        GatedTable(
            id="x", title="x", label_columns=(), rows=(), measure=load().measures[0],
            source=Source.RECORD_LEVEL, synthetic=False, rate_unit=None, rate_digits=1,
            comparator=None,
        )  # fmt: skip


def test_a_withheld_year_breaks_the_trend_line_instead_of_being_joined_over():
    from svduty.products.site.figures import trend_figure
    from svduty.products.site.gate import RowSpec

    gate = Gate()
    periods = ["2019/20", "2020/21", "2021/22"]
    for period, count in zip(periods, [40, 3, 45], strict=True):  # 3 is suppressed
        gate.add(count_key("knife", "A", period), count, Source.RECORD_LEVEL)
    gate.protect()
    table = gate.table(
        id="t", title="Knife crime", measure=KNIFE, synthetic=False,
        label_columns=[("area", "Area"), ("period", "Year")], rate_unit="per 100,000",
        rows=[RowSpec({"area": "A", "period": p}, count_key("knife", "A", p), 100000.0)
              for p in periods],
    )  # fmt: skip
    figure = trend_figure(table, id="f", area_field="area", x_title="Year", source="test")
    (line,) = re.findall(r'aria-roledescription="line mark" d="([^"]+)"', figure.svg)
    assert line.count("M") == 2  # two pieces: 2019/20 alone, then 2021/22 on
    ticks = re.findall(r"<text[^>]*>(20\d\d/\d\d)</text>", figure.svg)
    assert ticks == periods  # the withheld year keeps its place on the axis
    assert "Withheld to protect people: 2020/21" in figure.alt
