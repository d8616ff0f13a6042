"""Privacy-preserving record linkage: a person's name, date of birth, sex and postcode district
turned into a Bloom-filter encoding (a CLK, Schnell et al. 2011) on the partner's own machine.

Each partner encodes its records under the same shared *linkage key* and the schema bundled in
svduty (src/svduty/data/linkage/schema-v1.json, built by clkhash). Similar details give similar
encodings, so the same young person recorded with a typo or a nickname by two services can be
linked by the Dice similarity of the encodings (analysis.evidence.linkage) without svduty ever
receiving who they are. Without the key nobody can test a guess (a name and a date of birth)
against an encoding.

The linkage key is a different secret from the pseudonymisation key (docs/keys.md): it is held
by the partners' data leads, never by svduty's data directory or warehouse, and never logged.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path

from svduty.errors import InputError

SCHEMA_ID = "svduty-linkage-v1"
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "data" / "linkage" / "schema-v1.json"
KEY_BYTES = 32
_PREFIX = "svl1:"  # not "svk1:": a pseudonymisation key file can never be read as this key
ENCODING_BITS = 1024
# 1024 bits in base64: 128 bytes -> 172 characters, one '=' of padding.
ENCODING_PATTERN = r"[A-Za-z0-9+/]{171}="

# Nicknames and short forms mapped to the formal name before encoding, because n-grams cannot
# see that "Bob" is "Robert". Common English forms only (a partnership may extend the list; a
# change makes a new schema version, as encodings made with different lists do not compare).
NICKNAMES: dict[str, str] = {
    "abby": "abigail", "alex": "alexander", "alfie": "alfred", "andy": "andrew",
    "ben": "benjamin", "beth": "elizabeth", "bill": "william", "billy": "william",
    "bob": "robert", "bobby": "robert", "charlie": "charles", "chris": "christopher",
    "dan": "daniel", "danny": "daniel", "dave": "david", "ed": "edward", "eddie": "edward",
    "ellie": "eleanor", "freddie": "frederick", "harry": "henry", "izzy": "isabel",
    "jack": "john", "jake": "jacob", "jim": "james", "jimmy": "james", "jo": "joanne",
    "joe": "joseph", "johnny": "john", "kate": "katherine", "katie": "katherine",
    "lizzie": "elizabeth", "liz": "elizabeth", "matt": "matthew", "mike": "michael",
    "mick": "michael", "nick": "nicholas", "ollie": "oliver", "pete": "peter",
    "rob": "robert", "robbie": "robert", "sam": "samuel", "steve": "stephen",
    "tom": "thomas", "tommy": "thomas", "tony": "anthony", "will": "william",
    "zac": "zachary", "zach": "zachary", "jess": "jessica", "becky": "rebecca",
    "sophie": "sophia", "maddie": "madison", "josh": "joshua", "nate": "nathan",
}  # fmt: skip


class LinkageKeyProblem(InputError):
    """The linkage key is missing, malformed or kept where it must not be."""


def _normal_name(value: str | None, nicknames: bool = False) -> str:
    """Lower case letters only (accents, spaces, hyphens and apostrophes dropped)."""
    if not value:
        return ""
    text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z]", "", text)
    return NICKNAMES.get(text, text) if nicknames else text


def _normal_dob(value: str | None) -> str:
    """YYYYMMDD from YYYY-MM-DD or DD/MM/YYYY; blank when not a date (never guessed)."""
    if not value or not value.strip():
        return ""
    for form in ("%Y-%m-%d", "%d/%m/%Y", "%Y%m%d"):
        try:
            return datetime.strptime(value.strip(), form).date().strftime("%Y%m%d")
        except ValueError:
            continue
    return ""


def _dob_parts(yyyymmdd: str) -> tuple[str, str, str, str]:
    """Year, month, day, and day and month in either order (smaller first): whole values, not
    digits, since two people's digits of a date mostly agree by chance (20.., 0., 1.); the
    unordered pair keeps a swapped day and month half alike."""
    if not yyyymmdd:
        return ("", "", "", "")
    y, m, d = yyyymmdd[:4], yyyymmdd[4:6], yyyymmdd[6:]
    return (y, m, d, "-".join(sorted((m, d))))


def _normal_sex(value: str | None) -> str:
    v = (value or "").strip().lower()
    return {"m": "M", "male": "M", "1": "M", "f": "F", "female": "F", "2": "F"}.get(v, "")


_OUTWARD = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})?$")


def postcode_district(value: str | None) -> str:
    """The outward code (district) of a postcode, 'BS5 6XY' -> 'BS5'; blank when not one."""
    text = re.sub(r"\s+", " ", (value or "").strip().upper())
    m = _OUTWARD.match(text)
    return m.group(1) if m else ""


def encodable(given: str | None, family: str | None, dob: str | None) -> bool:
    """Whether a record has enough to encode: a name with letters in it (after accents are
    dropped: a name in another script is not, yet) and a date of birth the encoder reads.
    Without them an encoding would rest on sex and district alone and link strangers."""
    return bool(_normal_name(given) or _normal_name(family)) and bool(_normal_dob(dob))


def age_on(dob: str | None, when: date) -> int | None:
    """Age in whole years on `when`, from a date of birth in a form the encoder reads."""
    d = _normal_dob(dob)
    if not d:
        return None
    born = date(int(d[:4]), int(d[4:6]), int(d[6:]))
    return when.year - born.year - ((when.month, when.day) < (born.month, born.day))


@functools.cache
def _schema():
    from clkhash import schema

    with SCHEMA_PATH.open() as f:
        return schema.from_json_file(f)


class LinkageKey:
    """The partners' shared linkage secret. Never shown, even in a traceback."""

    def __init__(self, key: bytes):
        if len(key) < KEY_BYTES:
            raise LinkageKeyProblem(f"a linkage key must be at least {KEY_BYTES} bytes")
        self._key = key
        # Tells partners whether they used the same key, without revealing it.
        self.fingerprint = hashlib.sha256(b"svduty-linkage-fingerprint" + key).hexdigest()[:16]

    def encode(self, records: Sequence[Sequence[str | None]]) -> list[str]:
        """Encodings of (given name, family name, date of birth, sex, postcode) records."""
        from clkhash import clk
        from clkhash.serialization import serialize_bitarray

        rows = [
            [
                _normal_name(given, nicknames=True),
                _normal_name(family),
                *_dob_parts(_normal_dob(dob)),
                _normal_sex(sex),
                postcode_district(postcode),
            ]
            for given, family, dob, sex, postcode in records
        ]
        if not rows:
            return []
        # clkhash encodes with worker processes by default; one process is enough and
        # keeps the secret in this one.
        bits = clk.generate_clks(rows, _schema(), self._key.hex(), validate=True, max_workers=1)
        return [serialize_bitarray(b).strip() for b in bits]

    def __repr__(self) -> str:
        return f"LinkageKey(fingerprint={self.fingerprint})"


def generate_linkage_key(path: Path, forbidden: Iterable[Path] = ()) -> None:
    """Write a new random linkage key to `path` (mode 0600); never over an existing file."""
    _refuse_place(path, forbidden)
    if path.exists():
        raise LinkageKeyProblem(f"{path} exists; svduty never overwrites a key")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(_PREFIX + secrets.token_hex(KEY_BYTES) + "\n")


def load_linkage_key(path: Path, forbidden: Iterable[Path] = ()) -> LinkageKey:
    """The key in `path`; refused when the file is inside a forbidden directory (svduty's data
    directory: a linkage key kept beside the warehouse would let whoever holds both test
    guesses against the encodings)."""
    _refuse_place(path, forbidden)
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        raise LinkageKeyProblem(
            f"no linkage key at {path}; the partnership's data leads share one linkage key "
            "(`svduty linkage-key new PATH` makes it); ask yours for the file"
        ) from None
    if not text.startswith(_PREFIX):
        raise LinkageKeyProblem(
            f"{path} is not a linkage key file (it should start with {_PREFIX!r}); the "
            "pseudonymisation key is a different secret and cannot be used here"
        )
    try:
        key = bytes.fromhex(text.removeprefix(_PREFIX))
    except ValueError:
        raise LinkageKeyProblem(f"{path} is damaged: the key is not hexadecimal") from None
    return LinkageKey(key)


def _refuse_place(path: Path, forbidden: Iterable[Path]) -> None:
    where = path.resolve()
    for directory in forbidden:
        if where.is_relative_to(directory.resolve()):
            raise LinkageKeyProblem(
                f"the linkage key file {path} is inside svduty's data directory ({directory}); "
                "keep it outside (with the partner's data lead, e.g. in your secrets store): the "
                "linkage key must never sit beside the warehouse"
            )
