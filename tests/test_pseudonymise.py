"""The keyed pseudonymiser: stable, keyed, irreversible without the key, key kept safe."""

from __future__ import annotations

import hashlib
import hmac
import stat

import pytest

from svduty.privacy.pseudonymise import (
    KeyProblem,
    Pseudonymiser,
    generate_key_file,
    load_key_file,
)


def test_token_is_hmac_sha256_of_the_normalised_identifier():
    key = bytes(range(32))
    expected = hmac.new(key, b"AS/23/012345", hashlib.sha256).hexdigest()
    p = Pseudonymiser(key)
    assert p.token("AS/23/012345") == expected
    # case and surrounding or repeated spaces are not part of an identifier
    assert p.token("  as/23/012345 ") == expected
    assert p.token("") is None and p.token("   ") is None and p.token(None) is None


def test_tokens_differ_between_keys_and_between_identifiers():
    a, b = Pseudonymiser(b"a" * 32), Pseudonymiser(b"b" * 32)
    assert a.token("AS/23/1") != b.token("AS/23/1")
    assert a.token("AS/23/1") != a.token("AS/23/2")
    # a plain (unkeyed) hash would let anyone test a guess; the token is not that hash
    assert a.token("AS/23/1") != hashlib.sha256(b"AS/23/1").hexdigest()


def test_short_keys_are_refused():
    with pytest.raises(KeyProblem):
        Pseudonymiser(b"short")


def test_key_file_is_private_stable_and_never_overwritten(tmp_path):
    path = tmp_path / "keys" / "partnership.key"
    assert generate_key_file(path) is True
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = path.read_text()
    assert generate_key_file(path) is False
    assert path.read_text() == first
    p1, p2 = load_key_file(path), load_key_file(path)
    assert p1.token("X1") == p2.token("X1")
    assert p1.fingerprint == p2.fingerprint
    # the fingerprint and the repr do not reveal the key
    key_hex = first.strip().split(":", 1)[1]
    assert key_hex not in repr(p1) and p1.fingerprint not in key_hex


def test_missing_or_damaged_key_file_says_what_to_do(tmp_path):
    with pytest.raises(KeyProblem, match="svduty init"):
        load_key_file(tmp_path / "nope.key")
    bad = tmp_path / "bad.key"
    bad.write_text("not a key")
    with pytest.raises(KeyProblem, match="not an svduty key file"):
        load_key_file(bad)
