"""Soak: `svduty serve` on loopback under twenty concurrent people for ten minutes.

The portal runs as a person runs it (`svduty serve`: gunicorn's two workers and the background
worker that ingests uploads) on 127.0.0.1 only, in a temporary data directory holding the demo
warehouse (built by `svduty demo`, or copied from a built one with --demo-home) and a public
site (Somerset's strategy taken through the products workflow and published first). Then, in
threads of this process, each with its own cookies:

- viewers sign in as the seeded demo people who may see the dashboards and change its filters
  (area, periods, years), now and then opening the map view;
- data leads sign in as the seeded data leads and send the demo's synthetic extracts (from
  `svduty synth`) again, each changed only in its line endings, so each load replaces the
  demo's load of that period; they wait for the background worker's check of each, confirm it
  and follow its load until it finishes;
- anonymous readers read the public site at /public/.

Every loop is bounded by the clock and stops by itself; a load still running at the end is
waited for (--grace minutes) and counted as stuck if it does not finish. Before the people
start, the dashboard is asked for a few filter choices one at a time on the fresh server: those
views compute everything afresh (the caches are per worker and empty), the uncached view.

Reported (and written as JSON to benchmarks/results/soak-<time>.json): requests by kind, every
error (an HTTP status of 400 or more, or no answer), every upload's final status, and the
50th/95th percentiles and maximum of each kind's response time, against the targets below.

    .venv/bin/python benchmarks/soak.py [--minutes 10] [--users 20] [--demo-home DIR]

The demo people's passwords are made by the seed and printed once; the script seeds the portal
itself (in a child process with the portal's settings), so it knows them. Passwords are hashed
at the portal's own argon2 cost: each person signs in once.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import http.cookiejar
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
SVDUTY = Path(sys.executable).with_name("svduty")

# The targets of issue 17, in seconds (docs/reliability.md, Soak).
TARGETS = {"dashboard": ("p95", 1.0), "public": ("p95", 0.1), "dashboard-uncached": ("max", 2.0)}

# The seeded demo people (svduty.portal.seed): who views, who uploads which feed. The fire
# lead's agreement is the demo's lapsed one, and the ICB's agreement for the record-level ED
# assaults feed allows aggregates only: the portal refuses both, by design, so neither is sent.
VIEWER_ACCOUNTS = ("viewer", "analyst", "board")
DATA_LEAD_FEEDS = {
    "police-lead": ("police-crime",),
    "icb-lead": ("hospital-admissions",),
    "council-lead": ("education",),
    "probation-lead": ("probation",),
    "youth-justice-lead": ("youth-justice",),
}
REQUEST_TIMEOUT = 180  # seconds; gunicorn's own timeout is 120
POLL_SECONDS = 2.0  # how often a data lead looks at a load's progress (as the page does)


# ---- what was measured -------------------------------------------------------------------------


@dataclass
class Sample:
    kind: str
    seconds: float
    status: int  # 0: no answer
    url: str
    error: str = ""


@dataclass
class Record:
    """Everything the people did, appended to from every thread (list.append is atomic)."""

    samples: list[Sample] = field(default_factory=list)
    uploads: list[dict] = field(default_factory=list)

    def add(self, sample: Sample) -> None:
        self.samples.append(sample)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by the nearest-rank method; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


# ---- HTTP as a browser does it -----------------------------------------------------------------


class Person:
    """One person's browser: cookies, CSRF tokens, timed requests."""

    def __init__(self, base: str, record: Record):
        self.base = base
        self.record = record
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def request(
        self, kind: str, path: str, *, data: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, str, str]:
        """(status, final URL, body text); timed and recorded under ``kind``."""
        url = urllib.parse.urljoin(self.base, path)
        req = urllib.request.Request(url, data=data, headers=headers or {})
        started = time.perf_counter()
        status, final, body, error = 0, url, "", ""
        try:
            with self.opener.open(req, timeout=REQUEST_TIMEOUT) as response:
                body = response.read().decode("utf-8", errors="replace")
                status, final = response.status, response.geturl()
        except urllib.error.HTTPError as exc:
            status, error = exc.code, f"HTTP {exc.code}"
            body = exc.read().decode("utf-8", errors="replace")
        except (OSError, TimeoutError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - started
        self.record.add(Sample(kind, seconds, status, url.removeprefix(self.base), error))
        return status, final, body

    def csrf(self, body: str) -> str:
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if not found:
            raise RuntimeError("no CSRF token on the page")
        return found.group(1)

    def post_form(self, kind: str, path: str, fields: dict, token: str) -> tuple[int, str, str]:
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
        return self.request(
            kind, path, data=data, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )

    def post_file(
        self, kind: str, path: str, fields: dict, token: str, name: str, content: bytes
    ) -> tuple[int, str, str]:
        boundary = uuid.uuid4().hex
        parts = []
        for key, value in {**fields, "csrfmiddlewaretoken": token}.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        kind_of_file = "application/gzip" if name.endswith(".gz") else "text/csv"
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: {kind_of_file}\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        return self.request(kind, path, data=b"".join(parts), headers=headers)

    def sign_in(self, username: str, password: str) -> None:
        status, _, body = self.request("sign-in", "/sign-in/")
        if status != 200:
            raise RuntimeError(f"the sign-in page answered {status}")
        fields = {"username": username, "password": password}
        status, final, _ = self.post_form("sign-in", "/sign-in/", fields, self.csrf(body))
        if status != 200 or "/sign-in" in urllib.parse.urlsplit(final).path:
            raise RuntimeError(f"{username} could not sign in (HTTP {status}, at {final})")


class _Options(HTMLParser):
    """The options of each <select> on a page, by the select's name."""

    def __init__(self, html: str):
        super().__init__()
        self.options: dict[str, list[str]] = defaultdict(list)
        self._select: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "select":
            self._select = values.get("name")
        elif tag == "option" and self._select:
            self.options[self._select].append(values.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


class _Links(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.links: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


# ---- the people --------------------------------------------------------------------------------


def dashboard_query(options: dict[str, list[str]], rng: random.Random) -> str:
    """A filter choice as the form would send it: an area, a kind of period and a range of
    years (or every year)."""
    years = sorted(int(y) for y in options.get("start", []) if y)
    query = {
        "area": rng.choice(options["area"]),
        "period_type": rng.choice(["calendar_year", "financial_year"]),
    }
    if years and rng.random() < 0.5:
        first = rng.choice(years)
        query["start"] = str(first)
        query["end"] = str(rng.choice([y for y in years if y >= first]))
    return "/dashboard/?" + urllib.parse.urlencode(query)


def viewer(person: Person, account: tuple[str, str], until: float, rng: random.Random) -> None:
    person.sign_in(*account)
    status, _, body = person.request("dashboard", "/dashboard/")
    options = _Options(body).options
    if status != 200 or not options.get("area"):
        raise RuntimeError(f"the dashboard answered {status} without its filters")
    while time.monotonic() < until:
        if rng.random() < 0.1:
            area = rng.choice(options["area"])
            person.request(
                "dashboard-map", "/dashboard/map/?" + urllib.parse.urlencode({"area": area})
            )
        else:
            person.request("dashboard", dashboard_query(options, rng))
        time.sleep(rng.uniform(1.0, 3.0))


def reader(person: Person, pages: list[str], until: float, rng: random.Random) -> None:
    while time.monotonic() < until:
        person.request("public", rng.choice(pages))
        time.sleep(rng.uniform(0.5, 2.0))


def data_lead(
    person: Person,
    account: tuple[str, str],
    files: list[tuple[str, Path]],
    until: float,
    grace: float,
    rng: random.Random,
    pause: tuple[float, float] = (2.0, 6.0),
) -> None:
    """Upload each file in turn (feed, path), confirm it and follow its load to the end, then
    wait ``pause`` seconds (a random time between the two) before the next."""
    person.sign_in(*account)
    for feed, path in files:
        if time.monotonic() >= until:
            return
        status, _, body = person.request("upload-form", "/uploads/new/")
        if status != 200:
            continue  # recorded as an error
        name, content = resent(path)
        token = person.csrf(body)
        status, final, body = person.post_file(
            "upload", "/uploads/new/", {"feed": feed}, token, name, content
        )
        found = re.search(r"/uploads/(\d+)/$", urllib.parse.urlsplit(final).path)
        upload = {"account": account[0], "feed": feed, "file": name, "id": None}
        person.record.uploads.append(upload)
        if status != 200 or not found:
            upload["status"] = f"not stored (HTTP {status})"
            upload["message"] = form_errors(body)
            continue
        pk = upload["id"] = int(found.group(1))
        # The background worker checks the file: wait for the check as the page does, then
        # read the upload's page again for its confirm form.
        started = time.monotonic()
        state = _status(person, pk)
        while state.get("status") == "checking" and time.monotonic() < until + grace:
            time.sleep(POLL_SECONDS)
            state = _status(person, pk)
        upload["check_seconds"] = round(time.monotonic() - started, 1)
        if state.get("status") != "received":
            # not loadable (has errors, refused) or still checking when time ran out
            upload["status"] = state.get("status", "?") if state else "?"
            if upload["status"] == "checking":
                upload["status"] = "stuck"
            continue
        status, _, body = person.request("upload-page", f"/uploads/{pk}/")
        if f"/uploads/{pk}/load/" not in body:
            upload["status"] = f"no confirm form (HTTP {status})"
            continue
        person.post_form("confirm", f"/uploads/{pk}/load/", {}, person.csrf(body))
        started = time.monotonic()
        state = _status(person, pk)
        while not state.get("finished") and time.monotonic() < until + grace:
            time.sleep(POLL_SECONDS)
            state = _status(person, pk)
        upload["status"] = state.get("status", "?") if state.get("finished") else "stuck"
        upload["load_seconds"] = round(time.monotonic() - started, 1)
        time.sleep(rng.uniform(*pause))


def form_errors(html: str) -> str:
    """The error messages a form page shows, as text."""
    found = re.findall(r'class="error-message">([^\n]*)', html)  # one line each in the templates
    text = " ".join(re.sub(r"<[^>]+>", " ", f) for f in found)
    return " ".join(text.split())[:500]


def _status(person: Person, pk: int) -> dict:
    status, _, body = person.request("upload-status", f"/uploads/{pk}/status.json")
    try:
        return json.loads(body) if status == 200 else {}
    except ValueError:
        return {}


def public_pages(base: str, limit: int = 200) -> list[str]:
    """The public site's pages and files reachable from /public/ (same site only)."""
    queue, seen = ["/public/"], {"/public/"}
    while queue and len(seen) < limit:
        path = queue.pop(0)
        with urllib.request.urlopen(base + path, timeout=REQUEST_TIMEOUT) as response:
            if "text/html" not in response.headers.get("Content-Type", ""):
                continue
            html = response.read().decode("utf-8", errors="replace")
        for href in _Links(html).links:
            target = urllib.parse.urljoin(path, urllib.parse.urldefrag(href).url)
            if target.startswith("/public/") and target not in seen:
                seen.add(target)
                queue.append(target)
    return sorted(seen)


# ---- setting the portal up ---------------------------------------------------------------------


def prepare_portal() -> None:
    """Run in a child with the portal's settings: migrate, seed the demo people, publish
    Somerset's strategy; print the people's passwords and the site as JSON."""
    from svduty.portal import serve

    made = serve.prepare()
    from django.contrib.auth import get_user_model

    from svduty.portal import product_workflow

    users = get_user_model().objects
    analyst, board = users.get(username="analyst"), users.get(username="board")
    version = product_workflow.start_draft(analyst, "strategy", "somerset")
    built = product_workflow.build_draft(version.pk)
    if not built.get("built"):
        raise SystemExit(f"Somerset's strategy did not build: {built}")
    version.refresh_from_db()
    product_workflow.submit(version, analyst, [board.pk])
    version.refresh_from_db()
    product_workflow.decide(version, board, "approved")
    version.refresh_from_db()
    product_workflow.request_publish(version, analyst)
    published = product_workflow.publish_site(version.pk, analyst.pk)
    if not published.get("published"):
        raise SystemExit(f"the public site was not published: {published}")
    people = {username: password for username, _, _, password in made or []}
    print(json.dumps({"people": people, "site": published["site"]}))


def _env(home: Path) -> dict[str, str]:
    # nothing of this shell's own portal settings reaches the soak's portal
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SVDUTY_", "DJANGO_"))}
    return env | {"SVDUTY_HOME": str(home), "SVDUTY_LOADED_BY": "soak", "PYTHONUNBUFFERED": "1"}


def demo_home(home: Path, copy_from: Path | None) -> float:
    """Fill ``home`` with the demo data directory; the seconds it took."""
    started = time.perf_counter()
    if copy_from is not None:
        if not (copy_from / "warehouse.duckdb").exists():
            raise SystemExit(
                f"--demo-home {copy_from}: no warehouse.duckdb there (run svduty demo)"
            )
        shutil.copytree(copy_from, home, ignore=shutil.ignore_patterns("*.wal"))
    else:
        subprocess.run(
            [str(SVDUTY), "demo", "--json"], env=_env(home), check=True, stdout=subprocess.DEVNULL
        )
    return time.perf_counter() - started


def resent(path: Path) -> tuple[str, bytes]:
    """A demo extract sent again with its line endings changed: the same rows covering the same
    period, so its load replaces the demo's (deletes and inserts every row), yet a different
    file (svduty hashes the decompressed text), so it is not taken as one already loaded."""
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    data = data.replace(b"\r\n", b"\n") if b"\r\n" in data else data.replace(b"\n", b"\r\n")
    return path.name.removesuffix(".gz"), data


def synthetic_files(home: Path) -> dict[str, list[Path]]:
    """The demo's synthetic extracts (`svduty synth`, as `svduty demo` wrote them), by feed,
    newest first."""
    folder = home / "synthetic"
    return {
        feed: sorted(
            (p for p in (folder / feed).iterdir() if p.name.endswith((".csv", ".csv.gz"))),
            reverse=True,
        )
        for feed in {f for feeds in DATA_LEAD_FEEDS.values() for f in feeds}
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def portal(home: Path, port: int, logs: Path):
    """`svduty serve` on 127.0.0.1:port until the block ends; its base URL."""
    with (logs / "serve.out").open("w") as out, (logs / "serve.err").open("w") as err:
        server = subprocess.Popen(
            [str(SVDUTY), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=_env(home),
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                raise SystemExit(f"svduty serve stopped ({server.returncode}); see {logs}")
            try:
                with urllib.request.urlopen(base + "/sign-in/", timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"svduty serve did not answer in 120 s; see {logs}") from None
                time.sleep(0.5)
        yield base
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


# ---- the run -----------------------------------------------------------------------------------


def cast(users: int) -> dict[str, int]:
    """How many of each kind of person: half viewers, a quarter data leads (at most one per
    seeded data lead), the rest anonymous readers."""
    leads = min(len(DATA_LEAD_FEEDS), max(1, users // 4))
    viewers = max(1, users // 2)
    return {"viewers": viewers, "data leads": leads, "readers": max(0, users - viewers - leads)}


def uncached_views(base: str, account: tuple[str, str], record: Record, n: int = 3) -> None:
    """The first views of a fresh server, one at a time: nothing is cached in either worker."""
    person = Person(base, record)
    person.sign_in(*account)
    _, _, body = person.request("dashboard-uncached", "/dashboard/")
    options = _Options(body).options
    rng = random.Random(0)
    for _ in range(n - 1):
        person.request("dashboard-uncached", dashboard_query(options, rng))


def run(args) -> dict:
    work = Path(tempfile.mkdtemp(prefix="svduty-soak-"))
    home, logs = work / "home", work / "logs"
    logs.mkdir(parents=True)
    print(f"soak: working in {work}", file=sys.stderr)
    setup_seconds = demo_home(home, args.demo_home)
    files = synthetic_files(home)
    prepared = subprocess.run(
        [sys.executable, __file__, "--prepare"],
        env=_env(home) | {"DJANGO_SETTINGS_MODULE": "svduty.portal.settings"},
        check=True,
        capture_output=True,
        text=True,
    )
    passwords = json.loads(prepared.stdout.strip().splitlines()[-1])["people"]
    record = Record()
    people = cast(args.users)
    load_before = os.getloadavg()
    with portal(home, free_port(), logs) as base:
        uncached_views(base, ("analyst", passwords["analyst"]), record)
        pages = public_pages(base)
        started = time.monotonic()
        until = started + args.minutes * 60
        threads, failures = [], []

        def start(name, target, *a):
            def body():
                try:
                    target(*a)
                except Exception as exc:  # a person who could not go on: an error, reported
                    failures.append(f"{name}: {type(exc).__name__}: {exc}")

            t = threading.Thread(target=body, name=name)
            t.start()
            threads.append(t)

        for i in range(people["viewers"]):
            account = VIEWER_ACCOUNTS[i % len(VIEWER_ACCOUNTS)]
            rng = random.Random(f"viewer{i}")
            start(
                f"viewer {i}",
                viewer,
                Person(base, record),
                (account, passwords[account]),
                until,
                rng,
            )
        for i, account in enumerate(list(DATA_LEAD_FEEDS)[: people["data leads"]]):
            queue = [(feed, path) for feed in DATA_LEAD_FEEDS[account] for path in files[feed]]
            rng = random.Random(f"lead{i}")
            lead = (account, passwords[account])
            start(
                f"data lead {account}",
                data_lead,
                Person(base, record),
                lead,
                queue,
                until,
                args.grace * 60,
                rng,
                tuple(args.lead_pause),
            )
        for i in range(people["readers"]):
            start(
                f"reader {i}",
                reader,
                Person(base, record),
                pages,
                until,
                random.Random(f"reader{i}"),
            )
        for t in threads:
            t.join()
        ran = time.monotonic() - started
    report = summarise(record, failures)
    report |= {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "minutes_asked": args.minutes,
        "lead_pause": list(args.lead_pause),
        "minutes_run": round(ran / 60, 2),
        "people": people,
        "public_pages": len(pages),
        "setup_seconds": round(setup_seconds, 1),
        "machine": machine(load_before),
        "work": str(work),
    }
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return report


def summarise(record: Record, failures: list[str]) -> dict:
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for s in record.samples:
        by_kind[s.kind].append(s)
    kinds = {}
    for kind, samples in sorted(by_kind.items()):
        seconds = [s.seconds for s in samples]
        kinds[kind] = {
            "requests": len(samples),
            "errors": sum(1 for s in samples if s.error),
            "p50": round(percentile(seconds, 50), 3),
            "p95": round(percentile(seconds, 95), 3),
            "max": round(max(seconds), 3),
        }
    errors = [asdict(s) for s in record.samples if s.error]
    statuses = Counter(u.get("status", "?") for u in record.uploads)
    targets = {}
    for kind, (stat, limit) in TARGETS.items():
        value = kinds.get(kind, {}).get(stat)
        targets[kind] = {"stat": stat, "limit": limit, "value": value,
                         "met": value is not None and value <= limit}  # fmt: skip
    return {
        "kinds": kinds,
        "requests": len(record.samples),
        "errors": len(errors) + len(failures),
        "error_samples": errors[:50],
        "people_who_stopped": failures,
        "uploads": record.uploads,
        "upload_statuses": dict(statuses),
        "failed_loads": sum(n for s, n in statuses.items() if s != "loaded"),
        "targets": targets,
    }


def machine(load_before: tuple[float, float, float]) -> dict:
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }


def print_report(report: dict) -> None:
    print(f"soak: {report['minutes_run']} minutes, {sum(report['people'].values())} people "
          f"{report['people']}, machine {report['machine']}")  # fmt: skip
    print(f"{'kind':<20} {'requests':>8} {'errors':>6} {'p50 s':>7} {'p95 s':>7} {'max s':>7}")
    for kind, k in report["kinds"].items():
        print(f"{kind:<20} {k['requests']:>8} {k['errors']:>6} {k['p50']:>7.3f} {k['p95']:>7.3f} "
              f"{k['max']:>7.3f}")  # fmt: skip
    print(f"errors: {report['errors']}; uploads by final status: {report['upload_statuses']}; "
          f"failed loads: {report['failed_loads']}")  # fmt: skip
    for kind, t in report["targets"].items():
        verdict = "met" if t["met"] else "NOT met"
        print(f"target {kind} {t['stat']} <= {t['limit']} s: {t['value']} s, {verdict}")
    for line in report["people_who_stopped"]:
        print(f"stopped: {line}")
    for s in report["error_samples"][:10]:
        print(f"error: {s['kind']} {s['url']} {s['error']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long the people work")
    parser.add_argument("--users", type=int, default=20, help="how many people at once")
    parser.add_argument("--grace", type=float, default=5.0,
                        help="minutes a load still running at the end may take to finish")  # fmt: skip
    parser.add_argument("--demo-home", type=Path, default=None,
                        help="copy this built demo data directory instead of running svduty demo")  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    parser.add_argument("--lead-pause", type=float, nargs=2, default=(2.0, 6.0),
                        metavar=("MIN", "MAX"),
                        help="seconds a data lead waits after a load before the next upload "
                        "(default 2 to 6: a load every nine seconds or so from five leads)")  # fmt: skip
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare_portal()
        return
    report = run(args)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"soak-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print_report(report)
    print(f"written to {out}")
    met = report["errors"] == 0 and report["failed_loads"] == 0
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
