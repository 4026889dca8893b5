"""What an interrupted `checks grade` ends: every process it started, and all they started."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from checks.grade import staging

# A worker that keeps starting processes (pytest starting pyright, pyright starting node), as
# fast as a process can fork, up to a bound.
FORKER = """\
import os, sys, time
from pathlib import Path
ready = Path(sys.argv[1])
for count in range(2000):
    if os.fork() == 0:
        time.sleep(3600)
        os._exit(0)
    if count == 20:
        ready.write_text("forking")
time.sleep(3600)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="fork")
def test_ending_the_children_leaves_none_that_forked_meanwhile(tmp_path: Path) -> None:
    """A child forking while it is ended leaves no process behind: its tree is frozen first
    (killed as read, a process it forked after the read was left running, with no parent)."""
    (tmp_path / "forker.py").write_text(FORKER, encoding="utf-8")
    ready = tmp_path / "ready"
    since = time.time()
    forker = subprocess.Popen([sys.executable, str(tmp_path / "forker.py"), str(ready)])
    try:
        while not ready.exists():
            assert forker.poll() is None, "the forker ended before it forked"
            time.sleep(0.01)
        staging._end_children(since)
        forker.wait()
        left = [proc for proc in psutil.process_iter() if _runs(proc, tmp_path)]
        assert not left, f"{len(left)} of the forker's processes were left running"
    finally:
        for proc in psutil.process_iter():
            if _runs(proc, tmp_path):
                with contextlib.suppress(psutil.Error):
                    proc.kill()
        forker.kill()
        forker.wait()


def _runs(proc: psutil.Process, folder: Path) -> bool:
    try:
        return proc.status() != psutil.STATUS_ZOMBIE and str(folder) in " ".join(proc.cmdline())
    except psutil.Error:
        return False
