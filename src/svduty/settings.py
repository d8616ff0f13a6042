"""Every setting svduty reads from the environment, in one place.

docs/settings.md is checked against SETTINGS by the tests, so a setting added here and not
documented there fails CI.
"""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from svduty.errors import InputError


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    meaning: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "SVDUTY_HOME",
        "./svduty-data",
        "The data directory: the warehouse file, the partnership configuration, keys and the "
        "products built there (the table above).",
    ),
    Setting(
        "SVDUTY_WAREHOUSE_URL",
        "duckdb:///$SVDUTY_HOME/warehouse.duckdb",
        "Where the warehouse lives: `duckdb:///path/to/file.duckdb` (embedded) or "
        "`postgres://user@host:port/database` (a shared server).",
    ),
    Setting(
        "SVDUTY_PARTNERSHIP",
        "$SVDUTY_HOME/partnership.yaml",
        "The partnership configuration written by `svduty init`.",
    ),
    Setting(
        "SVDUTY_KEY_FILE",
        "$SVDUTY_HOME/keys/partnership.key",
        "The partnership's pseudonymisation key (written by `svduty init`, mode 0600). Keep it "
        "outside the warehouse and back it up: without it new loads no longer link to old ones. "
        "See docs/keys.md for rotation.",
    ),
    Setting(
        "SVDUTY_MEASURES",
        "the shipped catalogue (svduty/analysis/measures/measures.yaml)",
        "A measures file of the partnership's own, in the form of the shipped one "
        "(docs/measures.md). Every command that reads measures (`measures`, `sna`, `strategy`, "
        "`review`, `publish`) and the portal's dashboard and product builds use it.",
    ),
    Setting(
        "SVDUTY_LOADED_BY",
        "user@host of the process",
        "Who or what is recorded in the `loads` table as having loaded a file "
        "(set it in automation, e.g. `nightly-police-uk-job`).",
    ),
    Setting(
        "SVDUTY_TEST_POSTGRES_URL",
        "postgresql://postgres@127.0.0.1:5432/test",
        "Tests only: the PostgreSQL server the warehouse tests run against.",
    ),
    Setting(
        "SVDUTY_FAULT_PAUSE_BEFORE_COMMIT",
        "(unset)",
        "Tests only: a file path. A load writes this file and then sleeps just before it "
        "commits, so the crash-consistency test can kill it mid-transaction.",
    ),
    Setting(
        "SVDUTY_FAULT_PAUSE_IN_UPLOAD",
        "(unset)",
        "Tests only: a file path. The portal writes the step of an upload it is in (`store` "
        "while the web process writes the file, `check` in the background worker) into this "
        "file and sleeps there, so the crash tests can kill the process part way through.",
    ),
)


WAREHOUSE_SCHEMES = ("duckdb://", "postgres://", "postgresql://")


@dataclass(frozen=True)
class Config:
    """The resolved settings for one process."""

    home: Path
    warehouse_url: str
    partnership_path: Path
    key_file: Path
    loaded_by: str
    measures_path: Path | None = None
    fault_pause_before_commit: Path | None = None
    fault_pause_in_upload: Path | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        env = os.environ if environ is None else environ
        home = Path(env.get("SVDUTY_HOME") or "svduty-data").expanduser().resolve()
        url = env.get("SVDUTY_WAREHOUSE_URL") or f"duckdb:///{home / 'warehouse.duckdb'}"
        if not url.startswith(WAREHOUSE_SCHEMES):
            raise InputError(
                f"SVDUTY_WAREHOUSE_URL={url!r} is neither duckdb:///path/to/file.duckdb nor "
                "postgres://user@host:port/database (docs/settings.md)"
            )
        partnership = Path(env.get("SVDUTY_PARTNERSHIP") or home / "partnership.yaml")
        key_file = Path(env.get("SVDUTY_KEY_FILE") or home / "keys" / "partnership.key")
        loaded_by = env.get("SVDUTY_LOADED_BY") or _default_loader()
        pause = env.get("SVDUTY_FAULT_PAUSE_BEFORE_COMMIT")
        pause_upload = env.get("SVDUTY_FAULT_PAUSE_IN_UPLOAD")
        measures = env.get("SVDUTY_MEASURES")
        return cls(
            home=home,
            warehouse_url=url,
            partnership_path=partnership.expanduser().resolve(),
            key_file=key_file.expanduser().resolve(),
            loaded_by=loaded_by,
            fault_pause_before_commit=Path(pause) if pause else None,
            fault_pause_in_upload=Path(pause_upload) if pause_upload else None,
            measures_path=Path(measures).expanduser().resolve() if measures else None,
        )


def _default_loader() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry inside some containers
        user = "unknown"
    return f"{user}@{socket.gethostname()}"
