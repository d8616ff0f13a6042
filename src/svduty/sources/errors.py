"""The errors a feed raises when a whole file cannot be read."""

from __future__ import annotations

from pathlib import Path

from svduty.errors import InputError


class FileRefused(InputError):
    """A file that cannot be read at all: nothing from it is loaded.

    The message names the file and says what would fix it.
    """

    def __init__(self, path: Path | str, reason: str, *, code: str):
        self.path = Path(path)
        self.reason = reason
        self.code = code
        super().__init__(f"{self.path.name}: {reason}")
