"""Keyed pseudonymisation of record-level identifiers, applied before anything is stored.

An identifier (a crime reference, a person's reference number) becomes HMAC-SHA256 under the
partnership key. The same identifier gives the same token in every load, so records link
across loads and feeds; without the key nobody can reverse a token or test a guess against it,
which a plain hash would allow (crime references are short and guessable).

The key lives in a file outside the warehouse (SVDUTY_KEY_FILE) and is never written to it.
The warehouse records only the key's fingerprint with each load, so a rotation (docs/keys.md)
can tell which loads were made under which key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

KEY_BYTES = 32
_PREFIX = "svk1:"  # the file format, so a future format can be told apart


class KeyProblem(Exception):
    """The key file is missing or malformed; the message says what to do."""


class Pseudonymiser:
    """Turns identifiers into tokens under one key."""

    def __init__(self, key: bytes):
        if len(key) < KEY_BYTES:
            raise KeyProblem(f"a pseudonymisation key must be at least {KEY_BYTES} bytes")
        # The keyed state is made once; each token copies it (cheaper than hmac.new per value).
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)
        # Identifies the key without revealing it: a hash of a hash, never of the key alone.
        self.fingerprint = hashlib.sha256(b"svduty-key-fingerprint" + key).hexdigest()[:16]

    def token(self, identifier: str | None) -> str | None:
        """The token for one identifier; blank stays None (nothing to link).

        Case and surrounding spaces are not part of an identifier ("ab/123 " and "AB/123"
        are the same crime), so they are normalised away before hashing.
        """
        if identifier is None:
            return None
        normal = " ".join(identifier.split()).upper()
        if not normal:
            return None
        mac = self._keyed.copy()
        mac.update(normal.encode("utf-8"))
        return mac.hexdigest()

    def tokens(self, identifiers: Iterable[str | None]) -> list[str | None]:
        return [self.token(i) for i in identifiers]

    def __repr__(self) -> str:  # never show the key, even in a traceback
        return f"Pseudonymiser(fingerprint={self.fingerprint})"


def generate_key_file(path: Path) -> bool:
    """Write a new random key to `path` (mode 0600) unless one is there; True if written."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(_PREFIX + secrets.token_hex(KEY_BYTES) + "\n")
    return True


def load_key_file(path: Path) -> Pseudonymiser:
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        raise KeyProblem(
            f"no pseudonymisation key at {path}; run `svduty init` to create one, or set "
            "SVDUTY_KEY_FILE to where the partnership keeps its key"
        ) from None
    if not text.startswith(_PREFIX):
        raise KeyProblem(f"{path} is not an svduty key file (it should start with {_PREFIX!r})")
    try:
        key = bytes.fromhex(text.removeprefix(_PREFIX))
    except ValueError:
        raise KeyProblem(f"{path} is damaged: the key is not hexadecimal") from None
    return Pseudonymiser(key)
