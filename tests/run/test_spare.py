"""A launcher started ahead of its run (``checks.run.spare``) changes no verdict: a run that
takes one is the run a fresh launcher gives, one started with anything else is never taken,
and none outlives the switch or a sweep of another run's leftovers."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from checks.run import spare
from checks.run.limits import sweep
from checks.run.program import run_file
from tests.support import SAMPLE_PROGRAMS, run_seen

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="spares are kept on Linux only")

PROGRAMS = {
    **SAMPLE_PROGRAMS,
    "where": (
        "import os, pathlib\n"
        "print(pathlib.Path.cwd().name, pathlib.Path(os.environ['PWD']).name)\n"
        "print(sorted(p.name for p in pathlib.Path.cwd().iterdir()))\n"
        "print(pathlib.Path(os.environ['HOME']).parent == pathlib.Path.cwd().parent)\n"
        "print(os.environ.get('LANG'))\n"
    ),
}


@pytest.fixture
def spares() -> Iterator[None]:
    """Spares kept for the test, as ``checks watch``'s worker keeps them; none after it."""
    spare.keep_spares(True)
    yield
    spare.keep_spares(False)


def _waiting() -> spare.Spare | None:
    return spare._spare  # pyright: ignore[reportPrivateUsage]


def _next_session() -> None:
    """What a new pytest session of the worker does: start the spare the last run asked for."""
    spare.keep_spares(True)


@pytest.mark.usefixtures("spares")
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_a_run_that_takes_a_spare_is_a_fresh_run(tmp_path: Path, name: str) -> None:
    """The same stage, output, exit and confinement, the same folder to start from, as a
    launcher started for the run."""
    folder = tmp_path / "exercise"
    folder.mkdir()
    (folder / "data.txt").write_text("kept\n", encoding="utf-8")
    program = folder / "program.py"
    program.write_text(PROGRAMS[name], encoding="utf-8")
    fresh = run_file(program, cached=False)
    assert _waiting() is None  # a run asks for a spare; the next session starts it
    _next_session()
    waiting = _waiting()
    assert waiting is not None
    taken = run_file(program, cached=False)
    assert run_seen(taken) == run_seen(fresh)
    assert waiting.started.proc.returncode == taken.exit_status  # the spare ran it
    assert not waiting.base.exists()
    assert not psutil.pid_exists(waiting.started.proc.pid) or (
        psutil.Process(waiting.started.proc.pid).status() == psutil.STATUS_ZOMBIE
    )


@pytest.mark.usefixtures("spares")
def test_a_spare_started_with_another_environment_is_never_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A variable of the short list changed since the spare started: the run gets a launcher
    of its own, which sees the new value, and the spare is ended."""
    folder = tmp_path / "exercise"
    folder.mkdir()
    program = folder / "program.py"
    program.write_text(PROGRAMS["where"], encoding="utf-8")
    monkeypatch.setenv("LANG", "C.UTF-8")
    run_file(program, cached=False)
    _next_session()
    waiting = _waiting()
    assert waiting is not None
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    run = run_file(program, cached=False)
    assert run.stdout.splitlines()[-1] == "en_GB.UTF-8"
    assert waiting.started.proc.poll() is not None
    assert not waiting.base.exists()


@pytest.mark.usefixtures("spares")
def test_a_spare_for_another_folder_is_never_taken(tmp_path: Path) -> None:
    """A spare waits in a folder named after the last run's: a file of another folder starts
    from its own folder's copy."""
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "program.py").write_text(PROGRAMS["where"], encoding="utf-8")
    run_file(tmp_path / "first" / "program.py", cached=False)
    _next_session()
    run = run_file(tmp_path / "second" / "program.py", cached=False)
    assert run.stdout.splitlines()[0] == "second second"


@pytest.mark.usefixtures("spares")
def test_no_sweep_ends_a_spare_and_the_switch_ends_it(tmp_path: Path) -> None:
    """Another run's sweep leaves a waiting spare alone; turning spares off ends it and
    removes its folder."""
    program = tmp_path / "program.py"
    program.write_text(PROGRAMS["ok"], encoding="utf-8")
    run_file(program, cached=False)
    _next_session()
    waiting = _waiting()
    assert waiting is not None
    sweep(-1)
    assert waiting.started.proc.poll() is None
    spare.keep_spares(False)
    assert _waiting() is None
    assert waiting.started.proc.poll() is not None
    assert not waiting.base.exists()


def test_without_the_switch_no_spare_is_started(tmp_path: Path) -> None:
    """A run of ``uv run pytest`` or of ``checks grade`` leaves no process behind it."""
    spare.keep_spares(False)
    program = tmp_path / "program.py"
    program.write_text(PROGRAMS["ok"], encoding="utf-8")
    run_file(program, cached=False)
    assert _waiting() is None
    assert spare._recipe is None  # pyright: ignore[reportPrivateUsage]


@pytest.mark.usefixtures("spares")
def test_a_spare_is_started_with_the_environment_its_key_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The environment changed after the last run and back before the next: the spare was
    started with the changed one, so the next run does not take it."""
    program = tmp_path / "program.py"
    program.write_text(PROGRAMS["where"], encoding="utf-8")
    monkeypatch.setenv("LANG", "C.UTF-8")
    run_file(program, cached=False)
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    _next_session()
    waiting = _waiting()
    assert waiting is not None
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert run_file(program, cached=False).stdout.splitlines()[-1] == "C.UTF-8"
    assert waiting.started.proc.returncode == -signal.SIGKILL  # ended, never used


def _spoil_folder(waiting: spare.Spare) -> None:
    shutil.rmtree(waiting.base)


def _stop(waiting: spare.Spare) -> None:
    os.kill(waiting.started.proc.pid, signal.SIGSTOP)
    # A signal is delivered when the process is next scheduled: wait until it has stopped.
    _, status = os.waitpid(waiting.started.proc.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status)


@pytest.mark.usefixtures("spares")
@pytest.mark.parametrize("spoil", [_spoil_folder, _stop])
def test_a_spare_touched_while_it_waited_is_never_taken(
    tmp_path: Path, spoil: Callable[[spare.Spare], None]
) -> None:
    """Its folder removed (a cleaner of /tmp) or the process stopped (both beyond a confined
    program's reach, not an unconfined one's): the run starts its own launcher and its
    verdict is the file's."""
    program = tmp_path / "program.py"
    program.write_text(PROGRAMS["ok"], encoding="utf-8")
    fresh = run_file(program, cached=False)
    _next_session()
    waiting = _waiting()
    assert waiting is not None
    spoil(waiting)
    assert run_seen(run_file(program, cached=False)) == run_seen(fresh)
    assert waiting.started.proc.returncode == -signal.SIGKILL  # ended, never used
    assert not waiting.base.exists()


READ = {"x86_64": "0", "aarch64": "63"}
"""The number of the read system call on each machine whose table the test knows."""


def _reading_its_orders(pid: int) -> bool:
    """Whether the process waits in a read of fd 0 (its orders), all it started with imported."""
    number = READ[os.uname().machine]
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "S" and (
        Path(f"/proc/{pid}/syscall").read_text().split()[:2] == [number, "0x0"]
    )


@pytest.mark.usefixtures("spares")
@pytest.mark.skipif(os.uname().machine not in READ, reason="read's number here is not known")
def test_no_other_hand_can_write_the_orders_of_a_spare(tmp_path: Path) -> None:
    """A process of the same user, unconfined, that opens a waiting spare's stdin through /proc
    to give it orders of its own (a file of its choosing) is refused: the orders come on a
    socket, and the run that takes the spare runs its own file."""
    program = tmp_path / "program.py"
    program.write_text(PROGRAMS["ok"], encoding="utf-8")
    fresh = run_file(program, cached=False)
    _next_session()
    waiting = _waiting()
    assert waiting is not None
    pid = waiting.started.proc.pid
    while not _reading_its_orders(pid):  # bounded by the test's time limit
        time.sleep(0.01)
    planted = tmp_path / "planted.py"
    planted.write_text("print('planted')\n", encoding="utf-8")
    with pytest.raises(OSError, match=rf"\[Errno {errno.ENXIO}\]") as refused:
        Path(f"/proc/{pid}/fd/0").write_bytes(f"file={planted}\0".encode())
    assert refused.value.errno == errno.ENXIO  # a socket: no device to open
    taken = run_file(program, cached=False)
    assert run_seen(taken) == run_seen(fresh)
    assert waiting.started.proc.returncode == taken.exit_status  # the spare ran it
