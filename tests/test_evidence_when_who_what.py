"""The when, who and what of the evidence base, on small partner files loaded through the real
feeds. Every expected value is worked out by hand from the rows written here (see the comments
beside them), never read back from the code under test; the Wilson limits and the XmR centre
line and limits are recomputed here from their formulas."""

from __future__ import annotations

import itertools
import json
import math
from datetime import date, timedelta

import pytest
from scipy import stats

from svduty.analysis.evidence import what, when, who
from svduty.privacy.pseudonymise import Pseudonymiser
from svduty.warehouse import connect
from svduty.warehouse.feed_ingest import ingest_feed

KEY = Pseudonymiser(b"k" * 32)
POLICE_HEADER = (
    "Crime reference,Offence code,Recorded date,Offence from,Offence to,LSOA code,"
    "Location type,Victim age,Victim sex,Suspect age,Knife or sharp instrument,Firearm,"
    "Domestic abuse,Alcohol related,Drug related,Exploitation or county lines"
)
# ref, code, recorded, offence from, offence to, LSOA, place, victim age, victim sex,
# suspect age, knife, firearm, domestic abuse, alcohol, drugs, exploitation.
# Weekday of offence from, and the asvrp-2023 rule that takes the row:
# P1 Fri knife-crime; P2 Sat alcohol-related-violence; P3 Fri (no time) wounding-gbh;
# P4 Sat robbery; P5 Sat domestic-abuse; P6 (a window of days) domestic-abuse;
# P7 Sun weapons-possession; P8 Sat (no time) vawg; P9 Sat wounding-gbh;
# P10 Sat alcohol-related-violence; P11 (a window of days) county-lines-victim;
# P12 Sun, out of scope (no victim age, no sex, so no rule takes it).
POLICE = [
    "P1,8N,2023-03-04,2023-03-03 23:40,,E01014399,street,18,M,22,Y,N,N,Y,N,N",
    "P2,8N,2023-03-05,2023-03-04 01:10,,E01014399,licensed_premises,17,F,16,N,N,N,Y,N,N",
    "P3,5D,2023-03-10,2023-03-10,,E01014485,street,24,M,,Y,N,N,N,N,N",
    "P4,34B,2023-03-12,2023-03-11 22:15,,,street,10,M,17,Y,,N,N,N,N",
    "P5,8N,2023-04-02,2023-04-01 23:05,,E01014485,dwelling,34,F,36,N,N,Y,Y,N,N",
    "P6,8N,2023-04-03,2023-04-01,2023-04-03,,dwelling,35,F,45,N,N,Y,,,N",
    "P7,10A,2023-04-10,2023-04-09 14:00,,,street,,,18,Y,N,N,N,N,N",
    "P8,8N,2023-04-15,2023-04-15,,,street,70,F,,,,,,,",
    "P9,5D,2023-05-06,2023-05-06 02:30,,,street,21,M,23,Y,N,N,N,Y,N",
    "P10,8N,2023-05-07,2023-05-06 23:50,,,street,8,F,25,N,N,N,Y,N,N",
    "P11,106,2023-05-20,2023-05-01,2023-05-19,,dwelling,16,F,28,,,N,N,N,Y",
    "P12,8N,2023-05-21,2023-05-21 12:00,,,street,,,50,N,Y,N,N,N,N",
]
ED_HEADER = (
    "Site code,Reporting period start,Reporting period end,Assault date and time,"
    "Assault method,Assault location type,LSOA code,Age band,Sex,Synthetic"
)
# assault (weekday), method, place, LSOA, age band as sent, sex
ED = [
    "2024-03-02 00:40,Knife or sharp object,60,E01014540,18-24,Male",  # Sat 0h
    "2024-03-03 01:30,Body part,Licensed premises,,25-34,Female",  # Sun 1h
    "2024-03-09 23:05,Bottle/glass,Pub,E01014485,20-29,M",  # Sat 23h; band across 18-24/25-34
    "2024-03-12,Knife,10,,35-44,F",  # Tue, no time; inside 35-49
    "2024-03-16 02:00,Gun,Street,E01014399,16-17,Male",  # Sat 2h
    "2024-03-17,Unknown,Other,,,",  # Sun, no time; nothing known
    "2024-03-23 22:30,Body part,Street,E01014399,65+,Female",  # Sat 22h
    "2024-03-24 03:15,Body part,Public place,,All ages,Male",  # Sun 3h
]


def ed_file(tmp_path, site, start, end, rows, synthetic="N"):
    path = tmp_path / f"{site}_{start}.csv"
    lines = [f"{site},{start},{end},{r},{synthetic}" for r in rows]
    path.write_text("\n".join([ED_HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def police_file(tmp_path, name, rows):
    path = tmp_path / name
    path.write_text("\n".join([POLICE_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def load(wh, source, *paths):
    results = ingest_feed(wh, source, list(paths), pseudonymiser=KEY, loaded_by="t")
    assert all(r.status == "loaded" and r.rows_quarantined == 0 for r in results), results
    return results


def build_profile(url, tmp_path):
    wh = connect(url)
    load(wh, "police-crime", police_file(tmp_path, "police.csv", POLICE))
    load(wh, "ed-assaults", ed_file(tmp_path, "RA701", "2024-03-01", "2024-03-31", ED))
    return wh


@pytest.fixture(scope="module")
def profile_wh(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("profile")
    wh = build_profile(f"duckdb:///{tmp / 'w.duckdb'}", tmp)
    yield wh
    wh.close()


def wilson(x, n, level=0.95):
    """Wilson score limits, written out from docs/sources.md ("Rates and intervals")."""
    z = stats.norm.ppf(1 - (1 - level) / 2)
    root = z * math.sqrt(z * z + 4 * x * (1 - x / n))
    return (2 * x + z * z - root) / (2 * (n + z * z)), (2 * x + z * z + root) / (2 * (n + z * z))


def cell(frame, **where):
    rows = frame
    for k, v in where.items():
        rows = rows[rows[k] == v]
    assert len(rows) == 1, (where, rows)
    return rows.iloc[0]


# ---- when: day of week by hour -------------------------------------------------------------


def test_police_day_by_hour_counts_known_times_and_reports_the_rest(profile_wh):
    r = when.day_hour(profile_wh, "police_crime")
    assert r.times_available and r.source == "police_crime" and r.synthetic is False
    # P3, P6, P8, P11 have a date only; P6 and P11 span several days (no day either)
    assert (r.rows, r.time_known, r.time_not_known, r.day_not_known) == (12, 8, 4, 2)
    assert len(r.grid) == 168 and r.grid["count"].sum() == 8
    expected = {("Friday", 23): 1, ("Saturday", 1): 1, ("Saturday", 2): 1, ("Saturday", 22): 1,
                ("Saturday", 23): 2, ("Sunday", 12): 1, ("Sunday", 14): 1}  # fmt: skip
    got = {(d, h): n for d, h, n in r.grid[["day", "hour", "count"]].values if n}
    assert got == expected
    friday = cell(r.by_weekday, day="Friday")
    saturday = cell(r.by_weekday, day="Saturday")
    assert (friday.time_known, friday.time_not_known) == (1, 1)  # P1; P3 (date only)
    assert (saturday.time_known, saturday.time_not_known) == (5, 1)  # P2 P4 P5 P9 P10; P8
    assert r.by_weekday["count"].sum() == 10  # the two multi-day windows have no day
    assert any("4 of 12 rows" in c and "2 have neither day nor time" in c for c in r.caveats)


def test_ed_day_by_hour_uses_the_assault_hour_and_weekday(profile_wh):
    r = when.day_hour(profile_wh, "ed_assault")
    assert (r.rows, r.time_known, r.time_not_known, r.day_not_known) == (8, 6, 2, 0)
    got = {(d, h): n for d, h, n in r.grid[["day", "hour", "count"]].values if n}
    assert got == {("Saturday", 0): 1, ("Sunday", 1): 1, ("Saturday", 23): 1,
                   ("Saturday", 2): 1, ("Saturday", 22): 1, ("Sunday", 3): 1}  # fmt: skip
    tuesday, sunday = cell(r.by_weekday, day="Tuesday"), cell(r.by_weekday, day="Sunday")
    assert (tuesday.time_known, tuesday.time_not_known) == (0, 1)
    assert (sunday.time_known, sunday.time_not_known) == (2, 1)


def test_police_uk_says_it_has_no_times(profile_wh):
    r = when.day_hour(profile_wh, "police_uk_street")
    assert r.times_available is False and r.grid.empty
    assert "no day of the week or time of day" in r.caveats[0]


# ---- who ------------------------------------------------------------------------------------


def test_victims_and_suspects_by_age_band_with_not_known_reported(profile_wh):
    r = who.police_people(profile_wh)
    victims = r.by_age[r.by_age.role == "victim"].set_index("age_band")["count"].to_dict()
    # ages 18 17 24 10 34 35 - 70 21 8 16 - (band edges 10, 18 and 35 among them)
    assert victims == {"0-9": 1, "10-17": 3, "18-24": 3, "25-34": 1, "35-49": 1,
                       "50-64": 0, "65+": 1, "not known": 2}  # fmt: skip
    suspects = r.by_age[r.by_age.role == "suspect"].set_index("age_band")["count"].to_dict()
    # ages 22 16 - 17 36 45 18 - 23 25 28 50
    assert suspects == {"0-9": 0, "10-17": 2, "18-24": 3, "25-34": 2, "35-49": 2,
                        "50-64": 1, "65+": 0, "not known": 2}  # fmt: skip
    sex = r.by_age_sex[r.by_age_sex.role == "victim"].groupby("sex")["count"].sum().to_dict()
    assert sex == {"Male": 4, "Female": 6, "Not known": 2}
    assert cell(r.by_age_sex, role="victim", age_band="18-24", sex="Male")["count"] == 3
    assert set(r.by_age_sex[r.by_age_sex.role == "suspect"].sex) == {"not recorded"}


def test_under_25_share_has_the_wilson_interval_of_the_known_ages(profile_wh):
    victim, suspect = who.police_people(profile_wh).under_25
    assert (victim["numerator"], victim["denominator"], victim["not_known"]) == (7, 10, 2)
    assert (suspect["numerator"], suspect["denominator"], suspect["not_known"]) == (5, 10, 2)
    low, high = wilson(7, 10)
    assert victim["value"] == pytest.approx(0.7)
    assert (victim["lower_95"], victim["upper_95"]) == pytest.approx((low, high), rel=1e-9)
    low, high = wilson(5, 10, 0.998)
    assert (suspect["lower_998"], suspect["upper_998"]) == pytest.approx((low, high), rel=1e-9)


def test_ed_age_bands_are_placed_where_they_fit_and_kept_as_sent(profile_wh):
    r = who.ed_people(profile_wh)
    bands = r.by_age.set_index("age_band")["count"].to_dict()
    assert bands == {"0-9": 0, "10-17": 1, "18-24": 1, "25-34": 1, "35-49": 1, "50-64": 0,
                     "65+": 1, "not comparable": 1, "not known": 2}  # fmt: skip
    assert cell(r.by_age_sex, age_band="not comparable")["age_band_sent"] == "20-29"
    assert cell(r.by_age_sex, age_band="35-49")["age_band_sent"] == "35-44"
    assert r.by_age_sex.groupby("sex")["count"].sum().to_dict() == {
        "Male": 4, "Female": 3, "Not known": 1}  # fmt: skip
    # under 25: 18-24 and 16-17 yes; 25-34, 35-44, 65+ no; 20-29, blank, All ages not known
    (share,) = r.under_25
    assert (share["numerator"], share["denominator"], share["not_known"]) == (2, 5, 3)
    assert (share["lower_95"], share["upper_95"]) == pytest.approx(wilson(2, 5), rel=1e-9)


# ---- what -----------------------------------------------------------------------------------


def test_rules_and_strands_of_the_definition(profile_wh):
    r = what.rules(profile_wh, "asvrp-2023")
    assert r.definition_version == "asvrp-2023 2023/24"
    assert (r.rows, r.in_scope, r.out_of_scope) == (12, 11, 1)
    taken = {k: v for k, v in r.by_rule.set_index("rule")["count"].items() if v}
    assert taken == {"robbery": 1, "wounding-gbh": 2, "knife-crime": 1, "weapons-possession": 1,
                     "alcohol-related-violence": 2, "county-lines-victim": 1,
                     "domestic-abuse": 2, "vawg": 1}  # fmt: skip
    assert r.by_strand.set_index("strand")["count"].to_dict() == {"priority": 8, "wider": 3}
    assert r.by_rule["count"].sum() == 11 and len(r.by_rule) == 16  # every rule, even at zero


def test_offence_mix_of_the_rows_in_scope(profile_wh):
    r = what.offence_mix(profile_wh, "asvrp-2023")
    assert r.rows == 11  # P12 is out of scope
    # 8N: P1 P2 P5 P6 P8 P10; 5D: P3 P9
    assert r.by_code.set_index("offence_code")["count"].to_dict() == {
        "8N": 6, "5D": 2, "34B": 1, "10A": 1, "106": 1}  # fmt: skip
    assert cell(r.by_group, offence_group="violence with injury")["count"] == 8
    assert cell(r.by_code, offence_code="8N")["share"] == pytest.approx(6 / 11)
    assert cell(r.by_code, offence_code="5D")["share_of_group"] == pytest.approx(2 / 8)
    priority = what.offence_mix(profile_wh, "asvrp-2023", strand="priority")
    # P1 P2 P10 (8N), P3 P9 (5D), P4, P7, P11
    assert priority.by_code.set_index("offence_code")["count"].to_dict() == {
        "8N": 3, "5D": 2, "34B": 1, "10A": 1, "106": 1}  # fmt: skip


def test_weapon_shares_count_blank_flags_as_not_known(profile_wh):
    r = what.weapons(profile_wh, "police_crime").frame.set_index("name")
    # knife Y: P1 P3 P4 P7 P9; blank: P8 P11. firearm Y: P12; blank: P4 P8 P11
    assert tuple(r.loc["knife", ["numerator", "denominator", "not_known"]]) == (5, 10, 2)
    assert tuple(r.loc["firearm", ["numerator", "denominator", "not_known"]]) == (1, 9, 3)
    assert r.loc["knife", "share_of_all"] == pytest.approx(5 / 12)
    low, high = wilson(1, 9)
    assert (r.loc["firearm", "lower_95"], r.loc["firearm", "upper_95"]) == pytest.approx(
        (low, high), rel=1e-9
    )
    ed = what.weapons(profile_wh, "ed_assault").frame.set_index("name")
    assert tuple(ed.loc["knife", ["numerator", "denominator", "not_known"]]) == (2, 7, 1)
    assert tuple(ed.loc["firearm", ["numerator", "denominator"]]) == (1, 7)


def test_flag_shares(profile_wh):
    r = what.flags(profile_wh).frame.set_index("name")
    got = {k: tuple(int(v) for v in r.loc[k, ["numerator", "denominator", "not_known"]])
           for k in r.index}  # fmt: skip
    assert got == {"domestic_abuse": (2, 11, 1), "alcohol": (4, 10, 2), "drugs": (1, 10, 2),
                   "exploitation": (1, 11, 1)}  # fmt: skip
    assert (r.loc["alcohol", "lower_95"], r.loc["alcohol", "upper_95"]) == pytest.approx(
        wilson(4, 10), rel=1e-9
    )


def test_a_strand_narrows_every_profile(profile_wh):
    wider = who.police_people(profile_wh, definition="asvrp-2023", strand="wider")
    # P5 (34), P6 (41), P8 (70): no victim under 25
    assert wider.under_25[0]["numerator"] == 0 and wider.under_25[0]["denominator"] == 3
    assert wider.definition_version == "asvrp-2023 2023/24"
    times = when.day_hour(profile_wh, "police_crime", definition="asvrp-2023", strand="wider")
    assert (times.rows, times.time_known, times.day_not_known) == (3, 1, 1)


def test_results_are_json(profile_wh):
    for r in (
        when.day_hour(profile_wh, "police_crime"),
        when.monthly(profile_wh, "ed_assault"),
        when.seasonal(profile_wh, "police_crime"),
        who.ed_people(profile_wh),
        what.rules(profile_wh, "asvrp-2023", "ed_assault"),
        what.weapons(profile_wh, "ed_assault"),
    ):
        d = json.loads(json.dumps(r.as_dict()))
        assert {"source", "definition_version", "synthetic", "caveats"} <= set(d)


# ---- when: months, seasons, XmR ---------------------------------------------------------------

# A steady series with a large moving range, then a small step up that stays inside the limits:
# only the run of points above the mean can flag it (the last 4-8 alternation point joins it).
SHIFT = [4, 8, 4, 8, 4, 8, 4, 8, 4, 8, 8, 9, 8, 9, 8, 9, 8, 9]
FIRST = date(2022, 1, 1)


def months(n, first=FIRST):
    out, y, m = [], first.year, first.month
    for _ in range(n):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


@pytest.fixture(scope="module")
def series_wh(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("series")
    rows = []
    for month, n in zip(months(len(SHIFT)), SHIFT, strict=True):
        for i in range(n):
            day = (month + timedelta(days=14)).isoformat()
            rows.append(f"S{month:%Y%m}-{i},8N,{day},{day} 12:00,,,street,30,F,,,,,,,")
    wh = connect(f"duckdb:///{tmp / 'w.duckdb'}")
    load(wh, "police-crime", police_file(tmp, "series.csv", rows))
    # ED returns for January, February and April 2024: March never came; April is synthetic
    one = ["2024-{m}-05 21:00,Body part,Street,,18-24,Male"]
    load(
        wh,
        "ed-assaults",
        ed_file(tmp, "RA701", "2024-01-01", "2024-01-31", [one[0].format(m="01")] * 3),
        ed_file(tmp, "RA701", "2024-02-01", "2024-02-29", [one[0].format(m="02")] * 2),
        ed_file(tmp, "RA701", "2024-04-01", "2024-04-30", [one[0].format(m="04")] * 4, "Y"),
    )
    yield wh
    wh.close()


def test_xmr_flags_the_planted_shift(series_wh):
    r = when.monthly(series_wh, "police_crime")
    assert list(r.frame["count"]) == SHIFT and r.gaps == ()
    mean = sum(SHIFT) / len(SHIFT)
    mr = sum(abs(a - b) for a, b in itertools.pairwise(SHIFT)) / (len(SHIFT) - 1)
    assert r.mean == pytest.approx(mean)
    assert r.upper_process_limit == pytest.approx(mean + 2.66 * mr)
    assert r.lower_process_limit == pytest.approx(mean - 2.66 * mr)
    assert max(SHIFT) < r.upper_process_limit  # nothing is outside the limits ...
    flagged = list(r.frame.loc[r.frame.special_cause.astype(bool), "month"])
    # ... but the nine months from the tenth on are all above the mean (7.11)
    assert flagged == [f"{d:%Y-%m}" for d in months(len(SHIFT))[9:]]
    assert set(r.frame.loc[r.frame.special_cause.astype(bool), "special_cause_type"]) == {
        "7 points above the mean"
    }
    # more violence is a concern
    assert r.variation == "Special cause concerning"


def test_a_missing_month_is_a_gap_not_a_zero(series_wh):
    r = when.monthly(series_wh, "ed_assault")
    assert list(r.frame["month"]) == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert list(r.frame["covered"]) == [True, True, False, True]
    assert r.frame["count"].tolist()[:2] == [3, 2] and r.frame["count"].tolist()[3] == 4
    assert r.frame["count"].isna().tolist() == [False, False, True, False]
    assert r.gaps == ("2024-03",)
    assert any("2024-03" in c and "not a zero" in c for c in r.caveats)
    # the April return is synthetic: the result says so first
    assert r.synthetic is True and r.caveats[0].startswith("SYNTHETIC DATA")


def test_seasons_and_months_of_the_year(series_wh):
    r = when.seasonal(series_wh, "police_crime")
    assert list(r.by_season_year.label) == [
        "winter 2021/22", "spring 2022", "summer 2022", "autumn 2022", "winter 2022/23",
        "spring 2023", "summer 2023"]  # fmt: skip
    # 2022-01 .. 2023-06: winter 2021/22 is Jan-Feb 2022 only (4 + 8)
    first = cell(r.by_season_year, label="winter 2021/22")
    assert (first.months_covered, first["count"], first.complete) == (2, 12, False)
    # winter 2022/23 = Dec 2022 (9), Jan 2023 (8), Feb 2023 (9)
    w = cell(r.by_season_year, label="winter 2022/23")
    assert (w.months_covered, w["count"], w.complete) == (3, 26, True)
    summer = cell(r.by_season, season="summer")  # Jun, Jul, Aug 2022 and Jun 2023
    assert (summer.months, summer["count"]) == (4, 8 + 4 + 8 + 9)
    assert summer.mean_per_month == pytest.approx(29 / 4)
    january = cell(r.by_month_of_year, month=1)  # 2022-01 (4), 2023-01 (8)
    assert (january.months, january["count"], january.mean_per_month) == (2, 12, 6)
    december = cell(r.by_month_of_year, month=12)  # 2022-12 only
    assert (december.months, december["count"]) == (1, 9)


# ---- the same on PostgreSQL ---------------------------------------------------------------------


def everything(wh) -> dict:
    return {
        "day_hour": [when.day_hour(wh, s).as_dict() for s in ("police_crime", "ed_assault")],
        "monthly": when.monthly(wh, "police_crime").as_dict(),
        "people": [who.police_people(wh).as_dict(), who.ed_people(wh).as_dict()],
        "rules": what.rules(wh, "asvrp-2023").as_dict(),
        "mix": what.offence_mix(wh, "asvrp-2023", strand="priority").as_dict(),
        "weapons": what.weapons(wh, "ed_assault").as_dict(),
        "flags": what.flags(wh, definition="asvrp-2023").as_dict(),
    }


@pytest.mark.postgres
def test_postgres_gives_the_same_answers(pg_url, profile_wh, tmp_path):
    wh = build_profile(pg_url, tmp_path)
    try:
        on_pg = everything(wh)
    finally:
        wh.close()
    assert on_pg == everything(profile_wh)
    assert on_pg["day_hour"][0]["time_known"] == 8
    assert on_pg["people"][0]["under_25"][0]["numerator"] == 7
