"""Fuzzing every feed's reader with generated files (issue 17, the reliability campaign).

Hypothesis writes files the way partners and spreadsheets get them wrong: headers shuffled,
re-cased, cut short, doubled or with a column too many; UTF-8 with and without a byte-order
mark, Windows-1252, UTF-16, gzip whole or truncated; LF, CRLF, CR alone or mixed, blank lines;
fields quoted, half-quoted and unquoted; values at every boundary of their column's kind; rows
too short, too long and over a megabyte. Whatever it writes, a reader must either refuse the
file whole with a message (FileRefused) or account for every row: rows read = loaded +
quarantined. No other exception, ever. And no planted identifier may come out: a postcode or
an NHS number in any column refuses the file, and a name that failed its column's check is in
no quarantine reason or row.

`make test` runs ten files per feed; `make fuzz` sets SVDUTY_FUZZ_EXAMPLES and runs thousands
(figures in docs/reliability.md). SVDUTY_FUZZ_REPORT names a JSON file to which each test adds
the count of files by outcome; SVDUTY_FUZZ_LOG one to which each file adds a line.
"""

from __future__ import annotations

import base64
import codecs
import csv
import gzip
import json
import os
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svduty.privacy.pseudonymise import Pseudonymiser
from svduty.sources import feed as feeds_base
from svduty.sources import linked_records, ons_prc, police_uk
from svduty.sources.errors import FileRefused
from svduty.sources.feeds import FEEDS

KEY = Pseudonymiser(b"f" * 32)
EXAMPLES = int(os.environ.get("SVDUTY_FUZZ_EXAMPLES", "10"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=EXAMPLES <= 10,  # the short run in `make test` is the same every time
)
OUTCOMES: Counter = Counter()

NHS = "943 476 5919"  # valid check digit
POSTCODE = "BS1 4DJ"
ENCODING = base64.b64encode(bytes(range(128))).decode()
NAME = "Jane Smyth"  # no screen can see a name: it must be withheld wherever it fails a check
FORCES = {"avon-and-somerset": "Avon and Somerset Constabulary", "kent": "Kent Police"}

# Values at the boundaries of each kind, good and bad.
BY_KIND: dict[str, list[str]] = {
    "identifier": ["AS/23/0001", "PV-1", "x", "0", " padded "],
    "text": ["Outside the shop", 'said "hi"', "line one\nline two", "a, b", "café \u2013 ok"],
    "int": ["0", "1", "-1", "999999999", "9223372036854775807", "9223372036854775808", "1.5"],
    "count": ["0", "1", "*", "c", "[c]", "[x]", "~", "-1", "12345678901", "1e3", "0x10"],
    "age": ["0", "120", "121", "-1", "17", "17.5", "00017"],
    "date": [
        *("2023-01-14", "14/01/2023", "2023-02-29", "2024-02-29", "0001-01-01"),
        *("9999-12-31", "2023-13-01", "31/02/2024", "2023-1-4", "20230114"),
    ],
    "datetime": [
        *("2023-01-13 23:40", "2023-01-13T23:40:59", "13/01/2023 24:00", "2023-01-13"),
        *("2023-01-13 23:40:60", "13/01/2023 23:40"),
    ],
    "flag": ["Y", "N", "yes", "No", "1", "0", "true", "maybe"],
    "decimal": ["-2.58", "51.45", "1e400", "nan", "inf", "-0", "-2.9434765919", "1,5"],
    "lsoa": ["E01014399", "e01014399", "E01999999", "W01000001", "E0101439"],
    "area": ["E06000023", "E01014399", "E92000001", "K04000001", "Bristol", "E99999999"],
    "age_band": ["10-17", "65+", "All ages", "24-18", "999-1000", "0-0", "18 - 24"],
    "sex": ["M", "Female", "Persons", "9", "u", "boys"],
    # a linkage encoding's form: 172 base64 characters ending in one '='
    "encoding": [ENCODING, ENCODING[:-2] + "==", ENCODING[1:], "A" * 171 + "=", ENCODING + "A"],
}
ANY = ["", " ", '""', "é", "\u2013", "\U0001f600", "'", '"', ",", "\t", "NULL", "N/A", "-", "0"]
PLANTED = [NHS, NHS.replace(" ", ""), POSTCODE, POSTCODE.replace(" ", "").lower(), NAME]


def _seeds() -> dict[str, list[dict[str, str]]]:
    """Good rows of each feed (the feed tests' fixtures, a real police.uk month) to mutate: a
    row made of each column's boundary values alone rarely passes the checks across fields."""
    import test_feed_aggregates as aggregates
    import test_feed_community_voice as voice
    import test_feed_ed_assaults as ed
    import test_feed_police_crime as crime

    def rows(header: str, lines: list[str]) -> list[dict[str, str]]:
        names = next(csv.reader([header]))
        rows = [row for row in csv.reader(lines) if len(row) == len(names)]
        return [dict(zip(names, row, strict=True)) for row in rows]

    seeds = {source: rows(aggregates.HEADER, [row]) for source, row in aggregates.BASE.items()}
    seeds["police-crime"] = rows(crime.HEADER, crime.GOOD)
    for source, events in linked_records.EVENTS.items():
        seeds[source] = [
            {"Linkage encoding": ENCODING, "Event": event, "Event date": "2023-05-01",
             "Age": "15", "Sex": "F", "Area code": "E06000023"}
            for event in events
        ]  # fmt: skip
    ed_lines = ed.GOOD.read_text(encoding="utf-8-sig").splitlines()
    seeds["ed-assaults"] = rows(ed_lines[0], ed_lines[1:])
    seeds["community-voice"] = rows(
        voice.HEADER,
        [
            f"R-{i},2024-06-0{i},survey,16-17,E06000023,a bit unsafe,N,{t},Y"
            for i, t in enumerate(voice.CLEAN[:2], 1)
        ],
    )
    street = sorted((Path(police_uk.__file__).parents[1] / "data" / "police_uk").rglob("*.gz"))
    lines = gzip.decompress(street[0].read_bytes()).decode("utf-8-sig").splitlines()
    seeds["police-uk"] = rows(lines[0], lines[1:40])
    return seeds


SEEDS = _seeds()


def _good(column: feeds_base.Column) -> list[str]:
    if column.codes:
        codes = list(column.codes)
        return codes[:3] + codes[-2:]
    return BY_KIND[column.kind]


@st.composite
def values(draw, column: feeds_base.Column | None, noise: int = 400, seed: str | None = None):
    """A value for `column` (None: any column): the seed row's, or one of its kind's boundary
    values, or with probability `noise` in 1,000 something else (a planted identifier about one
    time in 300)."""
    pick = draw(st.integers(0, 999))
    if column is not None and pick >= noise:
        if seed is not None and draw(st.integers(0, 3)):
            return seed
        return draw(st.sampled_from(_good(column)))
    pick = draw(st.integers(0, 999))
    if pick < 400:
        return draw(st.sampled_from(ANY))
    if pick < 408:
        return draw(st.sampled_from(PLANTED))
    if pick < 995:
        return draw(st.text(max_size=20))
    return "x" * draw(st.sampled_from([70_000, 200_000, (1 << 20) + 1]))


def _quoted(value: str, how: int) -> str:
    """0: quoted only when it must be; 1: always; 2: never (malformed if it must be)."""
    must = any(c in value for c in ',"\r\n')
    if how == 1 or (how == 0 and must):
        return '"' + value.replace('"', '""') + '"'
    return value


@st.composite
def header(draw, names: list[str], required: set[str]) -> list[str]:
    """The feed's header as a sender might write it, mutated."""
    keep = [n for n in names if n in required or draw(st.booleans())]
    if draw(st.integers(0, 19)) == 0 and keep:
        keep.remove(draw(st.sampled_from(keep)))  # a required column gone
    keep = draw(st.permutations(keep)) if draw(st.booleans()) else keep
    spell = draw(st.sampled_from(["as is", "upper", "lower", "underscores", "padded"]))
    keep = [
        {
            "as is": n,
            "upper": n.upper(),
            "lower": n.lower(),
            "underscores": n.replace(" ", "_"),
            "padded": f" {n} ",
        }[spell]
        for n in keep
    ]
    extra = draw(st.integers(0, 29))
    if extra == 0:
        keep.append(draw(st.sampled_from(["Notes", "NHS number", "Postcode", "Name", ""])))
    elif extra == 1 and keep:
        keep.append(keep[0])  # doubled
    elif extra == 2:
        keep.insert(0, draw(st.sampled_from(PLANTED)))  # a row of data where the header is
    return keep


@st.composite
def csv_file(
    draw,
    columns: list[feeds_base.Column | None],
    names: list[str],
    required: set[str],
    seeds: list[dict[str, str]],
    exact_header: int = 0,
):
    """A whole file's bytes: a mutated header (kept as it is `exact_header` times in 10), rows
    of seed and boundary values, mutated framing."""
    head = names if draw(st.integers(0, 9)) < exact_header else draw(header(names, required))
    by_name = {n.lower(): c for n, c in zip(names, columns, strict=True)}
    cols = [by_name.get(h.strip().lower().replace("_", " ")) for h in head]
    quoting = draw(st.integers(0, 2)) if draw(st.integers(0, 4)) == 0 else 0
    noise = draw(st.sampled_from([0, 10, 50, 200, 1000]))  # per 1,000 values: clean to junk
    lines = [",".join(_quoted(h, 0) for h in head)]
    by_header = {n.lower(): n for n in names}
    used: Counter = Counter()
    for _ in range(draw(st.integers(0, 12))):
        at = draw(st.integers(0, len(seeds) - 1))
        seed, again = seeds[at], used[at]
        used[at] += 1
        picked = [
            _another(c, seed.get(by_header.get(h.strip().lower().replace("_", " "), "")), again)
            for c, h in zip(cols, head, strict=True)
        ]
        row = [
            _quoted(draw(values(c, noise, v)), quoting) for c, v in zip(cols, picked, strict=True)
        ]
        width = draw(st.integers(0, 19))
        if width == 0 and row:
            row.pop()
        elif width == 1:
            row.append(draw(values(None)))
        lines.append(",".join(row))
        if draw(st.integers(0, 19)) == 0:
            lines.append("")  # a blank line
    eol = draw(st.sampled_from(["\n", "\r\n", "\r", "mixed"]))
    if eol == "mixed":
        text = "".join(line + draw(st.sampled_from(["\n", "\r\n", "\r"])) for line in lines)
    else:
        text = eol.join(lines) + (eol if draw(st.booleans()) else "")
    return _framed(draw, text)


def _another(column: feeds_base.Column | None, value: str | None, again: int) -> str | None:
    """A seed's value for its `again`-th use in a file: another reference, or a date as many
    years later, so that reusing a seed does not (usually) repeat a fact, which refuses a file."""
    if not again or value is None or column is None:
        return value
    if column.kind == "identifier":
        return f"{value}-{again}"
    if column.kind == "date" and value[:4].isdigit() and value[4:5] == "-":
        return f"{int(value[:4]) + again}{value[4:]}"
    return value


def _framed(draw, text: str) -> bytes:
    encoding = draw(st.sampled_from(["utf-8"] * 5 + ["utf-8-sig", "cp1252", "utf-16"]))
    data = (
        text.encode(encoding, errors="replace")
        if encoding != "utf-8-sig"
        else codecs.BOM_UTF8 + text.encode("utf-8")
    )
    wrap = draw(st.integers(0, 19))
    if wrap == 0:
        data = gzip.compress(data)
    elif wrap == 1:
        data = gzip.compress(data)[: max(2, len(data) // 2)]  # a download cut short
    elif wrap == 2:
        data = data[: draw(st.integers(0, len(data)))]  # the file cut short
    return data


def _tally(outcome: str) -> None:
    OUTCOMES[outcome] += 1
    log = os.environ.get("SVDUTY_FUZZ_LOG")
    if log:  # one line a file, so a long run shows its progress (and what it got through)
        with open(log, "a", encoding="utf-8") as f:
            f.write(outcome + "\n")


def _no_planted_value_out(quarantined) -> None:
    stored = json.dumps(quarantined.select(["reason", "row_json"]).to_pylist())
    for planted in PLANTED:
        assert planted not in stored, planted


def _read_partner(source: str, path: Path) -> str:
    feed = FEEDS[source]
    try:
        read = feeds_base.read(path, feed, KEY.token)
        checked = feeds_base.validate(feed, read)
    except FileRefused as refused:
        assert refused.reason and refused.code and path.name in str(refused)
        for planted in PLANTED[:4]:
            assert planted not in refused.reason
        return f"refused ({refused.code})"
    assert read.rows_read == checked.loaded.num_rows + checked.quarantined.num_rows
    assert all(line >= 2 for line in checked.quarantined.column("line").to_pylist())
    assert all(checked.quarantined.column("reason").to_pylist())
    _no_planted_value_out(checked.quarantined)
    # a postcode or NHS number anywhere but an identifier column refuses the file
    raw = {
        c.name: checked.loaded.column(c.name).to_pylist()
        for c in feed.all_columns
        if c.kind == "text" and c.name in checked.loaded.column_names
    }
    for texts in raw.values():
        assert not any(p in (t or "") for t in texts for p in PLANTED[:4])
    return "loaded" if checked.loaded.num_rows else "all quarantined"


def _partner(source: str):
    feed = FEEDS[source]
    columns = list(feed.all_columns)
    names = [c.header for c in columns]
    required = {c.header for c in columns if c.required}
    return csv_file(columns, names, required, SEEDS[source])


@pytest.mark.parametrize("source", sorted(FEEDS))
def test_a_partner_feed_refuses_or_accounts_for_every_row(tmp_path_factory, source):
    folder = tmp_path_factory.mktemp(source)

    @FUZZ
    @given(data=_partner(source))
    def run(data: bytes) -> None:
        path = folder / "extract.csv"
        path.write_bytes(data)
        _tally(f"{source}: {_read_partner(source, path)}")

    run()


def _street_file() -> st.SearchStrategy[bytes]:
    names = list(police_uk.COLUMNS)
    good = {
        "Crime ID": ["a" * 64, "0123456789abcdef" * 4, "", "A" * 64, "a" * 63],
        "Month": ["2023-01", "2023-1", "Jan-23", "2023-13", "01/2023"],
        "Reported by": [*FORCES.values(), "Avon"],
        "Falls within": [*FORCES.values(), "Nowhere Police"],
        "Longitude": ["-2.58", "", "181", "x"],
        "Latitude": ["51.45", "", "-91", "51.45.1"],
        "Location": ["On or near Park Street", "No location"],
        "LSOA code": ["E01014399", "", "E0101439", "W01000001"],
        "LSOA name": ["Bristol 032B", ""],
        "Crime type": ["Violence and sexual offences", "Anti-social behaviour", "Knife crime"],
        "Last outcome category": ["Under investigation", "", "Sorted"],
        "Context": ["", "note, with comma"],
    }
    columns = [
        feeds_base.Column(n, n, "code", "", codes={v: v for v in good[n]}, required=True)
        for n in names
    ]
    # police.uk's header is fixed: most files keep it, so that their rows are read
    return csv_file(columns, names, set(names), SEEDS["police-uk"], exact_header=8)


def test_the_police_uk_reader_refuses_or_accounts_for_every_row(tmp_path_factory):
    folder = tmp_path_factory.mktemp("police-uk")

    @FUZZ
    @given(data=_street_file(), named=st.integers(0, 3))
    def run(data: bytes, named: int) -> None:
        month = SEEDS["police-uk"][0]["Month"]
        name = "street.csv" if named == 0 else f"{month}-avon-and-somerset-street.csv"
        path = folder / name
        path.write_bytes(data)
        try:
            street = police_uk.read_street_file(path, FORCES)
            (checked,) = police_uk.validate([street], FORCES)
        except FileRefused as refused:
            assert refused.reason and refused.code
            _tally(f"police-uk: refused ({refused.code})")
            return
        assert street.rows_read == checked.loaded.num_rows + checked.quarantined.num_rows
        _tally("police-uk: read")

    run()


ONS_WORKBOOK = sorted(
    (Path(ons_prc.__file__).parent.parent / "data" / "ons_prc").glob("*.xlsx"),
    key=lambda p: p.stat().st_size,
)


@pytest.mark.skipif(not ONS_WORKBOOK, reason="no bundled ONS workbook")
def test_the_ons_reader_refuses_a_damaged_workbook_with_a_message(tmp_path_factory):
    """The ONS tables are one published workbook, not a partner's CSV: what makes sense to fuzz
    is the file itself (cut short, bytes changed, another format under its name)."""
    folder = tmp_path_factory.mktemp("ons-prc")
    original = ONS_WORKBOOK[0].read_bytes()

    # a workbook costs about a second when it is read whole, so `make fuzz` runs a tenth as
    # many as of each CSV target; `make test` runs ten, like the others
    @settings(FUZZ, max_examples=max(10, EXAMPLES // 10))
    @given(
        cut=st.one_of(st.just(len(original)), st.integers(0, len(original))),
        flips=st.lists(
            st.tuples(st.integers(0, len(original) - 1), st.integers(0, 255)), max_size=8
        ),
        prefix=st.sampled_from([b"", b"Area,Count\n", b"\x1f\x8b", b"PK\x03\x04"]),
    )
    def run(cut: int, flips: list[tuple[int, int]], prefix: bytes) -> None:
        data = bytearray(original[:cut])
        for at, byte in flips:
            if at < len(data):
                data[at] = byte
        path = folder / "prc-pfa.xlsx"
        path.write_bytes(prefix + bytes(data))
        try:
            book = ons_prc.read_workbook(path)
        except FileRefused as refused:
            assert refused.reason and refused.code and path.name in str(refused)
            _tally(f"ons-prc: refused ({refused.code})")
            return
        assert book.rows_read == book.loaded.num_rows + book.quarantined.num_rows
        _tally("ons-prc: read")

    run()


@pytest.fixture(autouse=True)
def _report():
    """Add this test's outcomes to SVDUTY_FUZZ_REPORT, if set, as soon as it ends."""
    yield
    report = os.environ.get("SVDUTY_FUZZ_REPORT")
    if report and OUTCOMES:
        path = Path(report)
        before = Counter(json.loads(path.read_text())) if path.exists() else Counter()
        path.write_text(json.dumps(dict(sorted((before + OUTCOMES).items())), indent=1))
    OUTCOMES.clear()
