"""Peak memory and time of the portal's upload check (svduty.portal.uploads.check, reading the
file in parts: svduty.sources.feedstream) on the files of issue 17: a ~200 MiB police-crime CSV
and a small gzip that inflates to ~600 MiB; and, for comparison, reading and validating the same
CSV whole as `svduty ingest` does (svduty.sources.feed.read and validate).

The files are SYNTHETIC: one month of `svduty synth` police-crime records, repeated with a new
crime reference on each row until the file is the size wanted. Each case runs in a process of
its own (a temporary data directory: a key, the portal's SQLite database, the upload) so "peak"
is that process's max RSS; "before" is its RSS once Django and svduty are imported, before the
check. The limit issue 17 sets is 1 GiB for any accepted file.

Run with `.venv/bin/python benchmarks/bench_upload_check.py [--csv-mib N] [--gzip-mib N]
[--no-whole]` (`make bench` runs it). Not part of the tests.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASE = r"""
import json, os, resource, sys, time
from pathlib import Path

def rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024

mode, path = sys.argv[1], Path(sys.argv[2])
from svduty.portal import serve
serve.prepare(demo=False)
from django.contrib.auth import get_user_model
from svduty.portal import uploads
from svduty.portal.models import Organisation, Upload
from svduty.privacy.pseudonymise import generate_key_file, load_key_file
from svduty.sources import feed
from svduty.sources.feeds import FEEDS
generate_key_file(uploads.config().key_file)
before = rss_mib()
started = time.perf_counter()
if mode == "portal":
    org = Organisation.objects.create(name="Police", kind="police")
    user = get_user_model().objects.create(username="bench")
    upload = Upload.objects.create(
        organisation=org, uploaded_by=user, feed="police-crime", original_name=path.name,
        stored_path=str(path), size=path.stat().st_size, sha256="bench",
        status=Upload.Status.CHECKING,
    )
    uploads.check(upload.pk)
    upload.refresh_from_db()
    outcome = {"status": upload.status, "message": upload.message,
               "rows_read": upload.report.get("rows_read")}
else:
    tokens = load_key_file(uploads.config().key_file).token
    read = feed.read(path, FEEDS["police-crime"], tokens)
    checked = feed.validate(FEEDS["police-crime"], read)
    outcome = {"status": "read whole", "message": "", "rows_read": read.rows_read}
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(outcome | {"seconds": time.perf_counter() - started, "before_mib": before,
                            "peak_mib": peak}))
"""


def synthetic_rows(work: Path) -> tuple[list[str], list[list[str]]]:
    from svduty import synth

    made = synth.generate(11, work / "synth", months=["2018-01"])
    (police,) = [f for f in made.files if f.feed == "police-crime"]
    text = gzip.decompress((work / "synth" / police.path).read_bytes()).decode("utf-8")
    header, *rows = list(csv.reader(io.StringIO(text)))
    return header, rows


def write_extract(out, header: list[str], rows: list[list[str]], size: int) -> int:
    """Write rows again and again (each with a crime reference of its own) until ``size`` bytes;
    the bytes written."""
    ref = header.index("Crime reference")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    written, copy = 0, 0
    while written < size:
        for row in rows:
            row = list(row)
            row[ref] = f"{row[ref]}-{copy}"
            writer.writerow(row)
        chunk = buffer.getvalue().encode("utf-8")
        out.write(chunk)
        written += len(chunk)
        buffer.seek(0)
        buffer.truncate()
        copy += 1
    return written


def run_case(mode: str, path: Path, work: Path) -> dict:
    home = Path(tempfile.mkdtemp(dir=work, prefix="home-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SVDUTY_", "DJANGO_"))}
    env.update(SVDUTY_HOME=str(home), DJANGO_SETTINGS_MODULE="svduty.portal.settings")
    done = subprocess.run(
        [sys.executable, "-c", CASE, mode, str(path)],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def machine() -> str:
    with open("/proc/meminfo") as f:
        kb = int(f.readline().split()[1])
    load = os.getloadavg()[0]
    return (
        f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, {kb / 1024**2:.1f} GiB memory, python "
        f"{platform.python_version()}; load average {load:.1f} at the start"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv-mib", type=int, default=200)
    parser.add_argument("--gzip-mib", type=int, default=600)
    parser.add_argument("--no-whole", action="store_true", help="skip the whole-file read")
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory(prefix="bench-upload-check-") as tmp:
        work = Path(tmp)
        header, rows = synthetic_rows(work)
        plain = work / "SYNTHETIC-extract.csv"
        with plain.open("wb") as out:
            csv_bytes = write_extract(out, header, rows, args.csv_mib * 2**20)
        packed = work / "SYNTHETIC-extract-inflates.csv.gz"
        with gzip.open(packed, "wb", compresslevel=9) as out:
            gz_bytes = write_extract(out, header, rows, args.gzip_mib * 2**20)
        cases = [
            ("portal check, CSV", "portal", plain, csv_bytes),
            ("portal check, gzip", "portal", packed, gz_bytes),
        ]
        if not args.no_whole:
            cases.append(("read whole (as ingest), CSV", "whole", plain, csv_bytes))
        print(f"{'case':30} {'file MiB':>9} {'content MiB':>12} {'rows':>10} "
              f"{'seconds':>8} {'before MiB':>11} {'peak MiB':>9}  outcome")  # fmt: skip
        for name, mode, path, content in cases:
            started = time.perf_counter()
            r = run_case(mode, path, work)
            del started
            print(
                f"{name:30} {path.stat().st_size / 2**20:9.1f} {content / 2**20:12.1f} "
                f"{r['rows_read'] or 0:10,} {r['seconds']:8.1f} {r['before_mib']:11.0f} "
                f"{r['peak_mib']:9.0f}  {r['status']} {r['message'][:60]}"
            )


if __name__ == "__main__":
    main()
