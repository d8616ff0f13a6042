"""The community-voice feed: survey and consultation responses, free text screened row by row.

Each kind of identifier (name, phone number, email, full postcode, NHS number with a valid
check digit) holds its response back: quarantined with the kind found, never the words, and
nowhere in the warehouse (checked by dumping every table as text). Clean responses load.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import warehouse_text
from svduty.privacy.pseudonymise import Pseudonymiser
from svduty.sources import screen
from svduty.sources.feeds import FEEDS
from svduty.warehouse.feed_ingest import ingest_feed

KEY = Pseudonymiser(b"k" * 32)
HEADER = (
    "Response reference,Collected date,Method,Age band,Area code,Feel safe,Seen violence,"
    "Response text,Consent to quote"
)

# An NHS number with a valid modulus 11 check digit, worked by hand: 943 476 5919
# (9*10+4*9+3*8+4*7+7*6+6*5+5*4+9*3+1*2 = 299; 299 mod 11 = 2; 11 - 2 = 9).
NHS_VALID = "943 476 5919"
NHS_BAD_CHECK = "943 476 5918"

IDENTIFYING = {
    "nhs_number": f"the clinic has my number {NHS_VALID} on file",
    "email": "write to me at jo.bloggs@example.org about the youth club",
    "phone": "ring 07700 900123 if you want to know more",
    "postcode": "the alley behind BS5 6XY is where it happens",
    "name": "my name is Tamsin and I do not feel safe on the bus",
}
CLEAN = [
    "there is nothing to do after school so people hang about in the park",
    "more street lights on the cycle path please",
    f"the bus number {NHS_BAD_CHECK} is not an nhs number because its check digit is wrong",
]


def test_nhs_check_digit_is_modulus_11():
    assert screen.nhs_number_valid(NHS_VALID.replace(" ", ""))
    assert not screen.nhs_number_valid(NHS_BAD_CHECK.replace(" ", ""))
    # 1*10 + 1*2 = 12, remainder 1, check 11 - 1 = 10: no last digit makes it valid
    assert not any(screen.nhs_number_valid("100000001" + str(d)) for d in range(10))


@pytest.mark.parametrize("kind", sorted(IDENTIFYING))
def test_each_kind_is_found(kind):
    assert kind in screen.find(IDENTIFYING[kind])


@pytest.mark.parametrize(
    "text",
    [
        "My name is Tamsin",
        "my name is tamsin",  # after "my name is", any word
        "Mr Okafor at the shop is lovely",
        "my friend Kez got hurt",
        "follow @safer_streets_bs",
        "Harry and me walk home that way",  # a common first name
    ],
)
def test_names_are_held_back(text):
    assert screen.find(text) == ["name"]


@pytest.mark.parametrize(
    "text",
    ["call 0117 496 0123", "+44 7700 900123", "(01632) 960 001"],
)
def test_phone_numbers_in_their_usual_forms(text):
    assert screen.find(text) == ["phone"]


@pytest.mark.parametrize("text", [*CLEAN, "we called the police", "the BS5 area is better now"])
def test_clean_text_passes(text):
    assert screen.find(text) == []


def _file(tmp_path: Path, texts: list[str], name="voice.csv") -> Path:
    lines = [HEADER]
    for i, text in enumerate(texts, start=1):
        quoted = '"' + text.replace('"', '""') + '"'
        lines.append(f"R-{i:03d},2024-06-{i:02d},survey,16-17,E06000023,a bit unsafe,N,{quoted},Y")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_identifying_responses_are_held_back_and_never_stored(tmp_path, warehouse):
    texts = CLEAN + [IDENTIFYING[k] for k in sorted(IDENTIFYING)]
    [result] = ingest_feed(
        warehouse, "community-voice", [_file(tmp_path, texts)], pseudonymiser=KEY, loaded_by="t"
    )
    assert result.status == "loaded", result.message
    assert (result.rows_read, result.rows_loaded) == (len(texts), len(CLEAN))
    assert result.rows_quarantined == len(IDENTIFYING)
    rows = warehouse._raw.execute(
        "SELECT line, field, reason_code, reason, row_json FROM quarantine ORDER BY line"
    ).fetchall()
    first_held = len(CLEAN) + 2  # header is line 1
    for (line, field, code, reason, row_json), kind in zip(rows, sorted(IDENTIFYING), strict=True):
        assert line == first_held + sorted(IDENTIFYING).index(kind)
        assert (field, code) == ("Response text", "identifier_in_text")
        assert screen.KINDS[kind] in reason
        assert "(withheld)" in row_json
    loaded = [
        r[0]
        for r in warehouse._raw.execute(
            "SELECT response_text FROM community_voice ORDER BY line"
        ).fetchall()
    ]
    assert loaded == CLEAN
    dump = warehouse_text(warehouse)
    for needle in ("5919", "jo.bloggs", "900123", "6XY", "Tamsin", "R-001"):
        assert needle not in dump, needle


def test_a_postcode_in_another_column_still_refuses_the_file(tmp_path, warehouse):
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER + "\nR-1,2024-06-01,survey,16-17,BS5 6XY,very safe,N,fine,N\n", encoding="utf-8"
    )
    [result] = ingest_feed(warehouse, "community-voice", [path], pseudonymiser=KEY, loaded_by="t")
    assert result.status == "refused"
    assert "Area code" in result.message and "6XY" not in result.message


def test_feed_is_registered_with_a_screened_text_column():
    feed = FEEDS["community-voice"]
    assert feed.screened
    assert [c.name for c in feed.columns if c.kind == "text"] == ["response_text"]
