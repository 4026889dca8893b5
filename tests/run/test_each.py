"""Runs side by side (``checks.run_each``) give the verdicts they give one after the other, and
one run's sweep of its leftovers never ends a run beside it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from checks import Stage, run_each, run_file
from checks.run.cache import in_use, use_cache
from checks.run.copy import StudentFileError
from tests.support import SAMPLE_PROGRAMS, run_seen

LEAVES_ONE_BEHIND = (
    "import os, time\n"
    "child = os.fork()\n"
    "if child == 0:\n"
    "    os.setsid()  # out of the run's session: a stray for its sweep\n"
    "    quiet = os.open(os.devnull, os.O_RDWR)\n"
    "    for fd in (0, 1, 2):  # the run's pipes are left to its own end\n"
    "        os.dup2(quiet, fd)\n"
    "    time.sleep(120)\n"
    "    os._exit(0)\n"
    "print(child, flush=True)\n"
)
"""A program that leaves a process behind, in a session of its own: its run's sweep ends it."""
WAITS_ON_ITS_CHILD = (
    "import subprocess, sys\n"
    "said = subprocess.run([sys.executable, '-c', 'print(7 * 6)'], capture_output=True, text=True)\n"
    "print('child said', said.stdout.strip())\n"
)
"""A program whose run needs a process of its own alive to its end."""


@pytest.fixture(autouse=True)
def _no_cache() -> Iterator[None]:
    """Every run here is a run: the session's cache (this suite's own) would answer the
    second of two runs of one file with the first."""
    kept = in_use()
    use_cache(None)
    yield
    use_cache(kept)


def _written(folder: Path, source: str) -> Path:
    folder.mkdir(parents=True)
    program = folder / "program.py"
    program.write_text(source, encoding="utf-8")
    return program


def test_each_run_is_the_run_alone(tmp_path: Path) -> None:
    """In the order given, each the ``Run`` that ``run_file`` gives the file on its own."""
    programs = [
        _written(tmp_path / name, source) for name, source in sorted(SAMPLE_PROGRAMS.items())
    ]
    together = run_each(programs)
    alone = [run_file(program) for program in programs]
    assert [run_seen(run) for run in together] == [run_seen(run) for run in alone]
    assert [run.file for run in together] == programs
    assert {run.stage for run in together} >= {Stage.OK, Stage.RUN, Stage.PARSE, Stage.COMPILE}


@pytest.mark.skipif(sys.platform != "linux", reason="leftovers are swept by a subreaper on Linux")
def test_a_sweep_never_ends_a_run_beside_it(tmp_path: Path) -> None:
    """Half the runs leave a process behind, which their sweeps end; the other half start as
    those sweeps look, and each of them still runs to its end."""
    programs = [
        _written(tmp_path / f"p{index:02d}", LEAVES_ONE_BEHIND if index % 2 else WAITS_ON_ITS_CHILD)
        for index in range(24)
    ]
    runs = run_each(programs)
    for index, run in enumerate(runs):
        assert run.exit_status == 0, (index, run.stage, run.exit_status, run.stderr)
        if index % 2 == 0:
            assert run.lines == ["child said 42"], run.stderr
    strays = [int(run.lines[0]) for run in runs[1::2]]
    assert not [pid for pid in strays if _alive(pid)]


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_the_first_file_that_cannot_run_is_raised(tmp_path: Path) -> None:
    """As one after the other: a missing file is the error, named."""
    good = _written(tmp_path / "good", SAMPLE_PROGRAMS["ok"])
    missing = tmp_path / "gone" / "program.py"
    with pytest.raises(StudentFileError, match="gone"):
        run_each([good, missing, good])
