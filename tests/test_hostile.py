"""Hostile student code ends as a failed test with a clear message, in bounded time and memory,
with the kit unchanged and no process left behind.

Each folder of ``tests/hostile`` holds a ``hello.py`` for exercise 01 and ``expect.txt``, words
the failure must show. The file is checked through the real plugin, as a student's would be.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from pathlib import Path

import psutil
import pytest

from tests.support import KIT, run_pytest

HOSTILE = Path(__file__).parent / "hostile"
TIMEOUT = 2
"""Seconds given to each hostile file (the ``checks_timeout`` ini key)."""


def _fingerprint() -> str:
    """A hash of the kit files a hostile program might try to change."""
    digest = hashlib.sha256()
    kit_files = [*KIT.glob("checks/*.py"), *KIT.glob("exercises/01/*"), KIT / "conftest.py"]
    for path in sorted(p for p in kit_files if p.is_file()):  # not __pycache__/
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def _leftovers() -> list[psutil.Process]:
    found: list[psutil.Process] = []
    for proc in psutil.process_iter():
        try:
            if "hostile-leftover" in " ".join(proc.cmdline()):
                found.append(proc)
        except psutil.Error:
            continue
    return found


@pytest.mark.parametrize(
    "case", sorted(p for p in HOSTILE.iterdir() if p.is_dir()), ids=lambda p: p.name
)
def test_hostile_file_fails_cleanly(case: Path, tmp_path: Path) -> None:
    """The hostile file fails its test with a message; the kit and its files are untouched."""
    submission = tmp_path / "submission" / "exercises" / "01"
    submission.mkdir(parents=True)
    shutil.copyfile(case / "hello.py", submission / "hello.py")
    before = _fingerprint()
    start = time.monotonic()
    done = run_pytest(
        "exercises/01",
        "--submission",
        str(tmp_path / "submission"),
        "-o",
        f"checks_timeout={TIMEOUT}",
        "-p",
        "no:cacheprovider",
    )
    took = time.monotonic() - start
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    for words in (case / "expect.txt").read_text(encoding="utf-8").splitlines():
        assert words in output, f"{words!r} not in:\n{output}"
    assert "Traceback" not in done.stdout.split("FAILURES")[0], output
    assert took < TIMEOUT + 20, f"took {took:.1f} s"
    assert _fingerprint() == before, "the kit changed"
    assert (submission / "hello.py").read_bytes() == (case / "hello.py").read_bytes()
    assert not _leftovers(), "a process was left behind"
