"""Theme coding of community voice responses: the codebook applied, an analyst's corrections,
and the agreement between the two (Cohen's kappa recomputed here from its definition, not by
statsmodels, which the code uses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from svduty.analysis.voice.coding import EXAMPLE, NONE, agreement, load_codebook
from svduty.analysis.voice.responses import coded, told_us
from svduty.errors import InputError
from svduty.privacy.pseudonymise import Pseudonymiser

ROOT = Path(__file__).resolve().parents[1]
KEY = Pseudonymiser(b"k" * 32)

BOOK = """
version: t1
themes:
  - code: dark
    label: After dark
    words: [dark, street light*]
  - code: knives
    label: Knives
    words: [knife, stab*]
"""


def _book(tmp_path: Path, text: str = BOOK) -> Path:
    path = tmp_path / "codebook.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_codebook_words_whole_words_prefixes_and_ties(tmp_path):
    book = load_codebook(_book(tmp_path))
    assert book.code("it is DARK and the street lights are out") == (
        "dark",
        {"dark": ["dark", "street light*"]},
    )
    assert book.code("someone got stabbed")[0] == "knives"
    assert book.code("knifepoint")[0] == NONE  # `knife` is a whole word, no star
    assert book.code("darkness")[0] == NONE
    # one word each: the tie goes to the theme listed first
    theme, words = book.code("a knife in the dark")
    assert theme == "dark" and set(words) == {"dark", "knives"}
    assert book.code(None) == (NONE, {})


def test_the_example_codebook_loads():
    book = load_codebook(EXAMPLE)
    assert book.example and len(book.themes) >= 5


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("themes: []", "needs `themes:`"),
        ("themes:\n  - {code: Bad Code, label: x, words: [a]}", "themes[0].code"),
        ("themes:\n  - {code: none, label: x, words: [a]}", "themes[0].code"),
        (
            "themes:\n  - {code: a, label: x, words: [a]}\n  - {code: a, label: y, words: [b]}",
            "themes[1].code",
        ),
        ("themes:\n  - {code: a, words: [a]}", "needs a label"),
        ("themes:\n  - {code: a, label: x, words: []}", "words must be"),
        ("themes: [", "not valid YAML"),
    ],
)
def test_a_bad_codebook_names_file_theme_and_fix(tmp_path, text, fragment):
    with pytest.raises(InputError) as exc:
        load_codebook(_book(tmp_path, text))
    assert fragment in str(exc.value) and "codebook.yaml" in str(exc.value)


def _kappa_by_hand(pairs):
    n = len(pairs)
    po = sum(a == b for a, b in pairs) / n
    left, right = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    pe = sum(left[c] * right[c] for c in set(left) | set(right)) / n**2
    return (po - pe) / (1 - pe)


@pytest.mark.parametrize(
    "pairs",
    [
        [("a", "a"), ("a", "b"), ("b", "b"), ("b", "b"), ("c", "c"), ("c", "a"), ("none", "c")],
        [("a", "b"), ("b", "a"), ("a", "b"), ("b", "a")],  # worse than chance: negative
        [("a", "a")] * 5 + [("b", "b")] * 3,  # perfect
    ],
)
def test_kappa_matches_its_definition(pairs):
    result = agreement(pairs)
    assert result.kappa == pytest.approx(_kappa_by_hand(pairs))
    assert (result.responses, result.agreed) == (len(pairs), sum(a == b for a, b in pairs))


def test_kappa_undefined_when_everything_is_one_theme():
    assert agreement([("a", "a")] * 4).kappa is None
    assert agreement([("a", "b")]).kappa is None


def _row(ref, text, *, age="16-17", area="E06000023", consent=True):
    return {
        "response_ref": KEY.token(ref),
        "collected_on": "2024-06-01",
        "age_band": age,
        "area_code": area,
        "response_text": text,
        "consent_to_quote": consent,
        "synthetic": True,
    }


def test_told_us_gates_counts_and_quotes_only_the_consented(tmp_path):
    book = load_codebook(_book(tmp_path))
    rows = [_row(f"d{i}", f"too dark on the path {i}", consent=i == 0) for i in range(12)]
    rows += [_row(f"k{i}", "people carry a knife", age="18-24") for i in range(3)]
    rows += [_row("k-nc", "a knife again", consent=False)]
    result = told_us(coded(rows, book, {}), book)
    by = {t.code: t for t in result.themes}
    # 12 responses round to 10; 4 on knives is 1 to 7: suppressed, never shown as 0
    assert by["dark"].total == 10 and by["knives"].total is None
    assert by["dark"].quotes == ["too dark on the path 0"]
    assert "a knife again" not in by["knives"].quotes
    assert all(v is None or v % 5 == 0 for t in result.themes for v in t.by_age.values())
    assert result.synthetic


def test_told_us_with_no_responses(tmp_path):
    book = load_codebook(_book(tmp_path))
    result = told_us([], book)
    assert result.themes == [] and result.kappa is None


def test_a_consented_quote_that_names_someone_is_not_shown(tmp_path):
    book = load_codebook(_book(tmp_path))
    rows = [_row(f"d{i}", "dark here", consent=True) for i in range(9)]
    rows[0]["response_text"] = "Mr Jones says it is dark"  # got past the door somehow
    shown = told_us(coded(rows, book, {}), book).themes[0].quotes
    assert "Mr Jones says it is dark" not in shown


HEADER = (
    "Response reference,Collected date,Method,Age band,Area code,Feel safe,Seen violence,"
    "Response text,Consent to quote,Synthetic"
)


def _cli(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "svduty", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_voice_code_cli_applies_corrections_and_reports_kappa(tmp_path):
    home = tmp_path / "home"
    env = os.environ | {"SVDUTY_HOME": str(home), "PYTHONPATH": str(ROOT / "src")}
    (home / "keys").mkdir(parents=True)
    from svduty.privacy.pseudonymise import generate_key_file

    generate_key_file(home / "keys" / "partnership.key")
    texts = [
        "too dark",
        "a knife",
        "dark and a knife fight",
        "bored",
        "stabbing and a knife in the dark",
    ]
    lines = [HEADER] + [
        f"R{i},2024-06-0{i + 1},survey,16-17,E06000023,,,{t},Y,Y" for i, t in enumerate(texts)
    ]
    data = tmp_path / "voice.csv"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = _cli(env, "ingest", "community-voice", str(data), "--json")
    assert done.returncode == 0, done.stderr + done.stdout
    (home / "voice").mkdir()
    _book(home / "voice")
    # the analyst names R1 by its survey reference, R4 by the token svduty shows
    first = json.loads(_cli(env, "voice", "code", "--json").stdout)
    token_r4 = first["responses"][4]["response"]
    (home / "voice" / "corrections.csv").write_text(
        f"Response,Theme\nR1,knives\nR2,knives\nR3,none\n{token_r4},dark\nR0,dark\n",
        encoding="utf-8",
    )
    done = _cli(env, "voice", "code", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    auto = [r["automatic_theme"] for r in report["responses"]]
    assert auto == ["dark", "knives", "dark", NONE, "knives"]
    assert [r["theme"] for r in report["responses"]] == ["dark", "knives", "knives", NONE, "dark"]
    pairs = list(zip(auto, ["dark", "knives", "knives", NONE, "dark"], strict=True))
    assert report["agreement"]["kappa"] == pytest.approx(_kappa_by_hand(pairs))
    assert report["agreement"]["responses"] == 5 and report["synthetic"]
    assert "R1" not in done.stdout  # references are tokens in the warehouse and the report
    # a correction naming a theme the codebook lacks is refused with its line
    (home / "voice" / "corrections.csv").write_text("Response,Theme\nR1,guns\n", encoding="utf-8")
    bad = _cli(env, "voice", "code")
    assert bad.returncode == 1 and "line 2" in bad.stderr + bad.stdout
