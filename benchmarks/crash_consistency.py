"""Kill ingest with SIGKILL at random moments and check the warehouse each time.

Four ways a partner file is loaded are tried in turn: the CLI (`svduty ingest police-crime`)
and the portal's background worker (`python -m svduty.portal db_worker` loading a confirmed
upload), each into a DuckDB and into a PostgreSQL warehouse. For each kill:

1. the warehouse starts from the same baseline (one partner load: the first half of a month);
2. the load starts in a process of its own and is killed with SIGKILL after a random delay,
   drawn uniformly from zero to 110% of an uninterrupted run's time (so some kills land
   during start-up and some after the process has finished on its own);
3. every table of the warehouse is compared with the baseline and with the result of an
   uninterrupted load: it must equal one of the two (`loaded_at` aside, which is the clock);
4. the load is run again to the end (the CLI's ingest function; for the portal, the upload the
   kill left `loading` is put back in the queue and loaded as the worker's task does), and
   every table must then equal the uninterrupted result.

    .venv/bin/python benchmarks/crash_consistency.py [--kills N] [--seed S] [--modes ...]

`make crash` runs 52 kills (13 per way); tests/test_crash_consistency.py runs one per way.
Results and the machine they ran on: docs/reliability.md, "Crash consistency".
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

MODES = ("cli-duckdb", "cli-postgres", "portal-duckdb", "portal-postgres")
PG_URL = os.environ.get("SVDUTY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SEED_SYNTH = 17


@dataclass
class Outcome:
    mode: str
    delay: float  # seconds after start when the kill was sent
    share: float  # the delay as a share of an uninterrupted run
    landed: str  # "before" (nothing committed) or "after" (the load committed)
    exited_first: bool  # the process had finished before the kill
    rerun_ok: bool


@dataclass
class Mode:
    """One way of loading, with its baseline and the result an uninterrupted load gives."""

    name: str
    work: Path
    base_url: str = ""
    after: dict = field(default_factory=dict)
    before: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def warehouse_is_pg(self) -> bool:
        return self.name.endswith("postgres")

    @property
    def portal(self) -> bool:
        return self.name.startswith("portal")


# ---- the files and the baseline ---------------------------------------------------------------


def partner_files(work: Path) -> tuple[Path, Path]:
    """A synthetic police recorded crime extract split in two: the first half of the month is
    the baseline's load, the second half is the file the kills interrupt."""
    from svduty.synth import generate

    out = work / "synthetic"
    generate(SEED_SYNTH, out, months=["2023-01"])
    (source,) = (out / "police-crime").glob("*.csv.gz")
    header, *rows = gzip.decompress(source.read_bytes()).decode("utf-8").splitlines()
    day = header.split(",").index("Recorded date")
    early = [r for r in rows if int(r.split(",")[day][8:10]) <= 15]
    late = [r for r in rows if int(r.split(",")[day][8:10]) > 15]
    paths = []
    for name, part in (("early", early), ("late", late)):
        path = work / f"SYNTHETIC-police-crime-2023-01-{name}.csv"
        path.write_text("\n".join([header, *part]) + "\n", encoding="utf-8")
        paths.append(path)
    return paths[0], paths[1]


def env_for(home: Path, warehouse_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SVDUTY_")}
    return env | {
        "SVDUTY_HOME": str(home),
        "SVDUTY_WAREHOUSE_URL": warehouse_url,
        "SVDUTY_LOADED_BY": "crash-test",
        "SVDUTY_PORTAL_SECRET_KEY": "crash-test-" + "x" * 50,
        "DJANGO_SETTINGS_MODULE": "svduty.portal.settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [_src(), env.get("PYTHONPATH")])),
    }


def _src() -> str:
    import svduty

    return str(Path(svduty.__file__).resolve().parent.parent)


def run(command: list[str], env: dict) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")


def svduty(*args: str) -> list[str]:
    return [sys.executable, "-m", "svduty", *args]


def portal(*args: str) -> list[str]:
    return [sys.executable, "-m", "svduty.portal", *args]


# ---- warehouses -------------------------------------------------------------------------------


def new_pg_database(template: str | None = None) -> str:
    name = f"svduty_crash_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    return PG_URL.rsplit("/", 1)[0] + "/" + name


def drop_pg_database(url: str) -> None:
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")


def tables(url: str) -> dict[str, str]:
    """Every table, rows sorted, as CSV; `loaded_at` left out (it is the clock). Opened as a
    writer: a DuckDB reader reads the newest published snapshot, and what is checked here is
    the file itself (a kill can land between a commit and its publication)."""
    from svduty.warehouse import connect

    wh = connect(url)
    try:
        out = {}
        for name in sorted(wh.ibis.list_tables()):
            t = wh.table(name)
            t = t.drop("loaded_at") if "loaded_at" in t.columns else t
            out[name] = t.order_by(t.columns).execute().to_csv(index=False)
        return out
    finally:
        wh.close()


def fresh_warehouse(mode: Mode, home: Path) -> str:
    """A copy of the mode's baseline warehouse for one trial."""
    if mode.warehouse_is_pg:
        return new_pg_database(template=mode.base_url.rsplit("/", 1)[1])
    target = home / "warehouse.duckdb"
    shutil.copyfile(mode.base_url.removeprefix("duckdb://"), target)
    return f"duckdb://{target}"


def dispose(mode: Mode, url: str) -> None:
    if mode.warehouse_is_pg:
        drop_pg_database(url)


# ---- one trial --------------------------------------------------------------------------------


def prepare_home(mode: Mode, key: Path, late: Path) -> tuple[Path, str, dict]:
    """The data directory for a trial (always the same path, as uploads record where their
    file is): the key, a copy of the baseline warehouse and, for the portal, its database with
    the late file uploaded, checked and queued (made once, then copied)."""
    home = mode.work / "trial"
    shutil.rmtree(home, ignore_errors=True)
    template = mode.work / "template"
    if template.exists():
        shutil.copytree(template, home)
    else:
        (home / "keys").mkdir(parents=True)
        shutil.copyfile(key, home / "keys" / "partnership.key")
    url = fresh_warehouse(mode, home)
    env = env_for(home, url)
    if mode.portal and not template.exists():
        shutil.copyfile(mode.work / "portal.sqlite3", home / "portal.sqlite3")
        run([sys.executable, __file__, "--portal-step", "queue", str(late)], env)
        shutil.copytree(home, template, ignore=shutil.ignore_patterns("warehouse.duckdb*"))
    return home, url, env


def load_command(mode: Mode, late: Path) -> list[str]:
    if mode.portal:
        return portal("db_worker", "--batch", "--no-startup-delay", "--interval", "0")
    return svduty("ingest", "police-crime", str(late), "--json")


def rerun(mode: Mode, late: Path, env: dict) -> None:
    """Run the load again to the end: the CLI's own function for `svduty ingest` (in this
    process), or for the portal the stuck upload put back and loaded as the worker does."""
    if mode.portal:
        run([sys.executable, __file__, "--portal-step", "rerun", str(late)], env)
        return
    from svduty.cli import ingest_feed_files
    from svduty.settings import Config

    ingest_feed_files(Config.from_env(env), "police-crime", [late])


def trial(mode: Mode, key: Path, late: Path, rng: random.Random) -> Outcome:
    home, url, env = prepare_home(mode, key, late)
    try:
        share = rng.uniform(0, 1.1)
        delay = share * mode.seconds
        proc = subprocess.Popen(
            load_command(mode, late), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        time.sleep(delay)
        exited_first = proc.poll() is not None
        if not exited_first:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
        state = tables(url)
        if state == mode.before:
            landed = "before"
        elif state == mode.after:
            landed = "after"
        else:
            diff = [n for n in state if state[n] != mode.before.get(n)]
            raise AssertionError(
                f"{mode.name}: killed {delay:.2f}s in, the warehouse is neither as before nor "
                f"as after the load (tables that differ from before: {diff}); kept in {home}"
            )
        rerun(mode, late, env)
        rerun_ok = tables(url) == mode.after
        if not rerun_ok:
            raise AssertionError(f"{mode.name}: the rerun after a kill at {delay:.2f}s differs")
        shutil.rmtree(home)
        return Outcome(mode.name, delay, share, landed, exited_first, rerun_ok)
    finally:
        dispose(mode, url)


# ---- set-up -----------------------------------------------------------------------------------


def baseline(kind: str, work: Path, key: Path, early: Path) -> str:
    """A warehouse holding one partner load (the early half), shared by the modes of a kind:
    every trial starts from a copy of it."""
    home = work / f"base-{kind}"
    (home / "keys").mkdir(parents=True)
    shutil.copyfile(key, home / "keys" / "partnership.key")
    url = new_pg_database() if kind == "postgres" else f"duckdb://{home}/base.duckdb"
    run(svduty("ingest", "police-crime", str(early), "--json"), env_for(home, url))
    return url


def set_up(name: str, work: Path, key: Path, base_url: str, late: Path) -> Mode:
    """The mode's baseline, and one uninterrupted load timed and recorded as `after`."""
    mode = Mode(name, work / name, base_url=base_url)
    mode.work.mkdir()
    if mode.portal:
        home = mode.work / "portal-home"
        env = env_for(home, base_url)
        run(portal("migrate"), env)
        run([sys.executable, __file__, "--portal-step", "seed", str(late)], env)
        shutil.copyfile(home / "portal.sqlite3", mode.work / "portal.sqlite3")
    mode.before = tables(base_url)
    _, url, env = prepare_home(mode, key, late)
    started = time.perf_counter()
    run(load_command(mode, late), env)
    mode.seconds = time.perf_counter() - started
    mode.after = tables(url)
    assert mode.after != mode.before, f"{name}: the uninterrupted load changed nothing"
    dispose(mode, url)
    return mode


def crash_campaign(kills: int, seed: int, modes=MODES, work: Path | None = None) -> dict:
    """Run `kills` kills spread over `modes` in turn; the outcomes and a summary."""
    from svduty.privacy.pseudonymise import generate_key_file

    owned = work is None
    work = Path(tempfile.mkdtemp(prefix="svduty-crash-")) if owned else work
    rng = random.Random(seed)
    key = work / "partnership.key"
    generate_key_file(key)
    early, late = partner_files(work)
    started = time.perf_counter()
    bases: dict[str, str] = {}
    set_up_modes = []
    try:
        for name in modes:
            kind = name.split("-")[1]
            if kind not in bases:
                bases[kind] = baseline(kind, work, key, early)
            set_up_modes.append(set_up(name, work, key, bases[kind], late))
        outcomes = []
        for i in range(kills):
            outcomes.append(trial(set_up_modes[i % len(set_up_modes)], key, late, rng))
            print(json.dumps(outcomes[-1].__dict__), file=sys.stderr, flush=True)
    finally:
        if "postgres" in bases:
            drop_pg_database(bases["postgres"])
    if owned:
        shutil.rmtree(work, ignore_errors=True)
    return summary(outcomes, set_up_modes, time.perf_counter() - started)


def summary(outcomes: list[Outcome], modes: list[Mode], seconds: float) -> dict:
    def bucket(o: Outcome) -> str:
        if o.exited_first:
            return "after the process had exited"
        return f"{int(min(o.share, 0.999) * 4) * 25}-{int(min(o.share, 0.999) * 4) * 25 + 25}%"

    return {
        "kills": len(outcomes),
        "seconds": round(seconds, 1),
        "uninterrupted_seconds": {m.name: round(m.seconds, 2) for m in modes},
        "by_mode": {
            m.name: dict(Counter(o.landed for o in outcomes if o.mode == m.name)) for m in modes
        },
        "where_kills_landed": dict(sorted(Counter(bucket(o) for o in outcomes).items())),
        "outcome_by_share": dict(
            sorted(Counter(f"{bucket(o)}: {o.landed}" for o in outcomes).items())
        ),
        "reruns_matching_uninterrupted": sum(o.rerun_ok for o in outcomes),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
    }


# ---- the portal's side, run inside a trial's environment ---------------------------------------


def portal_step(step: str, late: Path) -> None:
    """`seed`: an organisation, a person and an agreement for the police feed. `queue`: upload
    the late file as that person, check it and confirm it (it waits in the task queue).
    `rerun`: put an upload a kill left `loading` (or `queued`) back in the queue and load it."""
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from svduty.portal import uploads
    from svduty.portal.models import Membership, Upload

    if step == "seed":
        from svduty.portal.seed import load_partnership, seed

        seed(load_partnership(None))
        return
    member = next(
        m
        for m in Membership.objects.select_related("organisation", "user")
        if uploads.may_share(m.organisation, "police-crime").ok
    )
    if step == "queue":
        upload = uploads.store(
            SimpleUploadedFile(late.name, late.read_bytes()),
            feed_id="police-crime",
            organisation=member.organisation,
            user=member.user,
        )
        uploads.check(upload.pk)  # what the worker's task does (tasks.check_upload)
        upload = Upload.objects.get(pk=upload.pk)
        assert uploads.enqueue(upload, by=member.user), upload.message
        return
    upload = Upload.objects.get()
    if upload.status in (Upload.Status.LOADING, Upload.Status.QUEUED):
        Upload.objects.filter(pk=upload.pk).update(status=Upload.Status.QUEUED)
        uploads.load(upload.pk)  # what the worker's task does (tasks.ingest_upload)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=52)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--portal-step", nargs=2, metavar=("STEP", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.portal_step:
        portal_step(args.portal_step[0], Path(args.portal_step[1]))
        return
    print(json.dumps(crash_campaign(args.kills, args.seed, args.modes), indent=2))


if __name__ == "__main__":
    main()
