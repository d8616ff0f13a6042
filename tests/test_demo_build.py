"""The demo warehouse's build shared between pytest-xdist workers (tests/demo_build.py): two
worker processes asking at once get one build, both wait for it to finish, and a build that
fails fails the tests that wait for it with its traceback. A quick build stands in for the
demo's (the lock, the processes and the files are the real ones)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import demo_build

TESTS = Path(__file__).resolve().parent

# Records each build that runs, takes long enough for a second worker to arrive meanwhile, and
# marks itself done last, as the demo's build does.
QUICK_BUILD = """
import os, sys, time
from pathlib import Path
root, home = Path(sys.argv[1]), Path(sys.argv[2])
with open(root / "builds", "a") as f:
    f.write(f"{os.getpid()}\\n")
time.sleep(1.5)
home.mkdir()
(home / "built").write_text("yes")
(root / "done").write_text("built\\n")
"""

FAILING_BUILD = """
import sys
from pathlib import Path
raise RuntimeError("the warehouse would not build")
"""

WORKER = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import demo_build
home = demo_build.wait(Path(sys.argv[2]), build=sys.argv[3])
print((home / "built").read_text())
"""


def test_two_workers_asking_at_once_share_one_build_and_both_wait_for_it(tmp_path):
    root = tmp_path / "run"
    root.mkdir()
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(TESTS), str(root), QUICK_BUILD],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [w.communicate(timeout=120) for w in workers]
    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
        assert out.strip() == "yes"  # returned only once the build was done
    assert len((root / "builds").read_text().splitlines()) == 1


def test_a_finished_build_is_reused_not_built_again(tmp_path):
    assert demo_build.wait(tmp_path, build=QUICK_BUILD) == tmp_path / "home"
    assert demo_build.wait(tmp_path, build=QUICK_BUILD) == tmp_path / "home"
    assert len((tmp_path / "builds").read_text().splitlines()) == 1


def test_a_failed_build_fails_the_test_with_its_traceback(tmp_path):
    with pytest.raises(pytest.fail.Exception, match="the warehouse would not build"):
        demo_build.wait(tmp_path, build=FAILING_BUILD)
