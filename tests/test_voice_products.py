"""The voice in the products: the needs assessment's "What people told us" and the strategy's
"You said, we did", built from SYNTHETIC responses loaded into a real warehouse, and from none.

Expected counts are worked out here from the file's rows (Python Counter over the CSV), then
rounded to 5 or withheld by the rule of docs/disclosure.md, not read back from the section."""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from svduty.analysis.voice.coding import Inputs
from svduty.analysis.voice.responses import coded, loaded, told_us
from svduty.partnership import load as load_partnership
from svduty.privacy.pseudonymise import Pseudonymiser
from svduty.products.area import resolve
from svduty.products.assessment.model import Bullets, Paragraph, Table
from svduty.products.assessment.voice import voice_section
from svduty.products.strategy import file as st
from svduty.products.strategy import page as strategy_page
from svduty.synth import voice as synth_voice
from svduty.warehouse.feed_ingest import ingest_feed

KEY = Pseudonymiser(b"k" * 32)
STRATEGIES = Path(st.__file__).with_name("examples")


@pytest.fixture(scope="module")
def partnership():
    return load_partnership()


@pytest.fixture
def survey(tmp_path) -> Path:
    [written] = synth_voice.generate(7, tmp_path, [2024])
    return written.path


def _ctx(wh, partnership, area_id):
    area = resolve(partnership, area_id)
    # the section reads only these of the assessment's Context
    return SimpleNamespace(
        wh=wh, area=area, partnership=partnership, lsoas=(), definition_version="test"
    )


def _gated(n: int) -> str:
    if 1 <= n <= 7:
        return "[c]"
    return f"{5 * round(n / 5):,}"  # n / 5 is never a half: no tie to break


def test_what_people_told_us_from_synthetic_responses(warehouse, partnership, survey):
    [result] = ingest_feed(warehouse, "community-voice", [survey], pseudonymiser=KEY, loaded_by="t")
    assert result.rows_quarantined == 0
    built = voice_section(_ctx(warehouse, partnership, "avon-and-somerset"))
    assert built.gaps == []
    section = built.section
    assert section.synthetic
    first = section.parts[0]
    assert isinstance(first, Paragraph) and first.text.startswith("SYNTHETIC")
    by_age = next(p for p in section.parts if isinstance(p, Table))
    # the themes' totals, recounted from the file with the codebook applied here
    book = Inputs.example().codebook
    with survey.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    counts = Counter(book.code(r["Response text"])[0] for r in rows)
    labels = book.labels()
    shown = dict(zip(by_age.frame["Theme"], by_age.frame["All responses"], strict=True))
    for theme, n in counts.items():
        value = shown[labels[theme]]
        if 1 <= n <= 7:
            assert value == "[c]"
        elif value != "[c]":  # secondary suppression may withhold more; never less
            assert abs(int(value.replace(",", "")) - n) <= 2.5
    text = " ".join(str(v) for v in by_age.frame.to_numpy().ravel())
    assert "None" not in text and "nan" not in text
    quotes = next(p for p in section.parts if isinstance(p, Bullets)).items
    consented = {r["Response text"] for r in rows if r["Consent to quote"] == "Y"}
    assert quotes and all(q.split("\u201c", 1)[1].rstrip("\u201d") in consented for q in quotes)


def test_no_responses_says_so_and_lists_the_gap(warehouse, partnership):
    built = voice_section(_ctx(warehouse, partnership, "somerset"))
    assert "No survey or consultation responses" in built.section.parts[0].text
    assert built.gaps and built.gaps[0][1] == "voice"


def test_a_local_authority_sees_only_its_own_responses(warehouse, partnership, survey):
    ingest_feed(warehouse, "community-voice", [survey], pseudonymiser=KEY, loaded_by="t")
    somerset = resolve(partnership, "somerset")
    with survey.open(encoding="utf-8") as f:
        theirs = sum(r["Area code"] in somerset.la_codes for r in csv.DictReader(f))
    built = voice_section(_ctx(warehouse, partnership, "somerset"))
    first = built.section.parts[0].text
    assert f"About {_gated(theirs)} responses" in first


@pytest.mark.parametrize("loaded_any", [True, False])
def test_you_said_we_did(tmp_path, warehouse, partnership, survey, loaded_any):
    if loaded_any:
        ingest_feed(warehouse, "community-voice", [survey], pseudonymiser=KEY, loaded_by="t")
    book = Inputs.example().codebook
    told = told_us(coded(loaded(warehouse), book, {}), book)
    s = st.load(STRATEGIES / "somerset.yaml")
    out = strategy_page.write(
        s, tmp_path, partnership=partnership, area=s.area, today=date(2025, 1, 1), voice=told
    )
    page = out.read_text(encoding="utf-8")
    assert 'id="you-said"' in page
    if not loaded_any:
        assert "No survey or consultation responses are loaded" in page
        return
    assert "SYNTHETIC" in page
    answered = {t for p in s.priorities for t in p.themes}
    assert '<th scope="row">No theme</th>' not in page  # nothing to answer
    for t in [t for t in told.themes if t.code != "none"]:
        row = page.split(f'<th scope="row">{t.label}</th>', 1)[1].split("</tr>", 1)[0]
        if t.code in answered:
            assert 'href="#priority-' in row
        else:
            assert "No priority answers this yet" in row


def test_the_strategy_page_without_voice_leaves_the_section_out(tmp_path, partnership):
    s = st.load(STRATEGIES / "somerset.yaml")
    out = strategy_page.write(s, tmp_path, partnership=partnership, area=s.area)
    assert 'id="you-said"' not in out.read_text(encoding="utf-8")


def test_a_priority_theme_must_be_a_code(tmp_path):
    text = (STRATEGIES / "somerset.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "somerset.yaml"
    bad.write_text(text.replace("themes: [knives_and_weapons]", "themes: [Knives!]"), "utf-8")
    with pytest.raises(st.StrategyError, match="themes"):
        st.load(bad)


def test_the_demo_products_carry_the_synthetic_voice(demo_result):
    """The demo loads svduty synth's survey: the assessment's "What people told us" and the
    strategy's "You said, we did" are built from it, labelled SYNTHETIC, with no missing value
    shown as None or nan."""
    for area, made in demo_result["products"]["areas"].items():
        annex = Path(made["sna"]).with_name("annex.html").read_text(encoding="utf-8")
        section = annex.split('id="voice"', 1)[1].split("</section>", 1)[0]
        assert "SYNTHETIC" in section and "In their own words" in section, area
        assert not re.search(r"\b(None|nan)\b", section), area
        strategy = Path(made["strategy"]).read_text(encoding="utf-8")
        said = strategy.split('id="you-said"', 1)[1].split("<h2", 1)[0]
        assert "SYNTHETIC" in said and 'href="#priority-' in said, area
    voice = demo_result["partner_feeds"]["community-voice"]
    assert voice and all(f["rows_quarantined"] == 0 and f["synthetic"] for f in voice)


@pytest.mark.browser
def test_you_said_we_did_is_accessible_in_chromium(tmp_path, warehouse, partnership, survey, page):
    from browser import assert_clean, check_page, serve_dir

    ingest_feed(warehouse, "community-voice", [survey], pseudonymiser=KEY, loaded_by="t")
    book = Inputs.example().codebook
    told = told_us(coded(loaded(warehouse), book, {}), book)
    s = st.load(STRATEGIES / "somerset.yaml")
    strategy_page.write(
        s, tmp_path / "s", partnership=partnership, area=s.area, voice=told, assessment_href=None
    )
    with serve_dir(tmp_path / "s") as base:
        report = check_page(page, base + "index.html")
    assert_clean(report)
    assert "No theme" not in (tmp_path / "s" / "index.html").read_text(encoding="utf-8")
