"""What an interrupted `checks grade` ends: every process it started, and all they started."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from checks.grade import batch, staging
from checks.grade.given import Submission
from checks.manifest import load_all
from checks.run.typecheck import TypecheckError

EXERCISES = load_all()
WAIT = 600.0
"""Seconds a stand-in waits for ``stop`` (a hang, not a time: it is set at once)."""

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


def test_an_interrupted_batch_ends_its_threads_before_it_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while the batch's pyright runs: the batch sets ``stop`` and waits for its threads
    to end what they started before the interrupt goes on to end its processes. It went on at
    once, and a thread could then start pyright (its next files) after they had been ended."""
    typed = next(ex for ex in EXERCISES if ex.typecheck)
    ready: list[batch._Prepared] = []
    for name in ("ann", "ben"):
        files = tmp_path / name / "files"
        (files / "exercises" / typed.number).mkdir(parents=True)
        for file in typed.typecheck:
            (files / "exercises" / typed.number / file).write_text(f"# {name}\n")
        ready.append(batch._Prepared(Submission(name, tmp_path / name), tmp_path / name, files))
    monkeypatch.setattr(batch, "_prepare", lambda *_: ready.pop(0))
    stop = threading.Event()
    ended: list[str] = []

    def interrupted_pyright(*_: object, **__: object) -> None:
        # Ctrl-C while pyright checks the batch, taken by this thread, as the system may give
        # it to any thread (a ``kill`` of the process gave it to this one once in CI)
        signal.pthread_kill(threading.get_ident(), signal.SIGINT)
        stop.wait(WAIT)
        ended.append("pyright")
        raise TypecheckError("cancelled")

    def grade(*_: object) -> None:
        stop.wait(WAIT)
        ended.append("grade")
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "run_pyright", interrupted_pyright)
    monkeypatch.setattr(batch, "_grade", grade)
    submissions = [Submission(name, tmp_path / name) for name in ("ann", "ben")]
    (tmp_path / "work").mkdir()
    before = set(threading.enumerate())
    try:
        with pytest.raises(KeyboardInterrupt):
            batch.grade_batch(
                submissions, tmp_path / "out", EXERCISES, tmp_path / "work", 1, 60.0, stop
            )
        assert stop.is_set()
        # Each thread the batch started has ended (a worker's thread that saw stop before its
        # first submission ends without grading it: "grade" may or may not have been called).
        running = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        assert not running, "a thread of the batch was still running"
        assert "pyright" in ended
    finally:
        stop.set()
