"""Running the portal's manage commands in a process of their own, with an environment of the
test's making (settings are read once per process, so a new environment needs a new process)."""

from __future__ import annotations

import subprocess
import sys


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "svduty.portal", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
