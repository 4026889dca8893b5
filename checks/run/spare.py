"""A launcher started ahead of the run that will use it: ``checks watch``'s next save pays for
the student's program, not for the start of the Python that runs it.

A run's launcher (``checks/child/launch.py``) starts, then waits for its orders on stdin: until
they come it has read nothing, set no limit and run no line of anyone's. What it is started
with is known before the run: the interpreter, the run's own folder (its home and temporary
folders, and the empty folder the copy will fill, where it is started from), the environment
from the short list (``environment``) and the pipes of its seal and report. So, once a run of a
file from a folder is over, a process that keeps spares (``keep_spares``: the worker of
``checks watch``) starts the next launcher for a run from a folder of that name in a fresh
folder of its own, as its next pytest session starts (while the student reads the verdict);
the next run of such a file takes it (``take``) if everything it would be
started with is still the same (the interpreter, the environment, the child's private copy),
fills its folder with the copy and gives it its orders, as it would a launcher it had just
started. Nothing it was started with comes from a student file: the copy is made after.

Only plain runs (``python FILE``, the file at the top of its folder) on Linux have spares: a
trial or the kit's driver speaks on a sealed channel a plain run has no descriptor for, and
macOS's sandbox (``seatbelt``) is started around the launcher with the run's folders. One spare
is kept at most, counted among the runs still going so that no sweep ends it; it is ended, and
its folder removed, when another kind of run comes, and when the process exits.

Imports the run's folder layout (``copy``) and the process tree's bookkeeping (``limits``);
``program`` imports it and hands it the function that starts a launcher.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path

from checks.run.copy import memory_folder, remove_run_folder
from checks.run.launched import Launched
from checks.run.limits import released_session

__all__ = [
    "PLACED",
    "Spare",
    "Started",
    "discard",
    "keep_spares",
    "kept",
    "leave",
    "take",
    "unplaced",
]


@dataclass(frozen=True)
class Started:
    """A launcher that waits for its orders, and the parent's ends of its pipes."""

    proc: Launched
    seal: int
    report: int
    facts: int
    """The sealed channel's read end (trials and drivers), -1 for a plain run."""
    pipes: tuple[str, ...]
    """The launcher's ends of the pipes, as its orders name them."""
    nonce: str
    environment: tuple[tuple[str, str], ...] = ()
    """The environment it was started with, less what names its run's folder (``unplaced``)."""


@dataclass(frozen=True)
class Spare:
    """A launcher started ahead, in ``base``, with what decides whether a run may take it:
    what it was started with (``key``: the interpreter and the like, and its environment) and
    the folder it was started from (``place``: device and inode)."""

    started: Started
    base: Path
    key: Hashable
    place: tuple[int, int]


PLACED = frozenset({"HOME", "USERPROFILE", "TMPDIR", "TEMP", "TMP", "PWD"})
"""The variables that name a run's own folders: each run has its own, spare or not."""


def unplaced(environment: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """An environment less the variables that name the run's folders, in a stable order."""
    return tuple(sorted((k, v) for k, v in environment.items() if k not in PLACED))


_keeping = False
_spare: Spare | None = None
_recipe: tuple[Hashable, str, Callable[[Path, Path], Started]] | None = None
"""How the last plain run's launcher was started: the next spare is started the same way."""
_lock = threading.Lock()


def keep_spares(keep: bool = True) -> None:
    """Whether plain runs leave a spare launcher for the next (Linux only); called as a pytest
    session starts (``--checks-spare``), which starts the spare the last run asked for. A spare
    is started there, before the session's tests, not at the end of a run: its start would
    take a core from the verdict on its way to the student's screen."""
    global _keeping, _recipe  # noqa: PLW0603 - one switch for the process
    _keeping = keep and sys.platform == "linux"
    if not _keeping:
        _recipe = None
        _drop(_take_any())
    elif _spare is None and _recipe is not None:
        _start(*_recipe)


def kept() -> bool:
    """Whether plain runs leave a spare launcher for the next."""
    return _keeping


def take(key: Hashable) -> Spare | None:
    """The spare launcher, if it was started with ``key`` and waits still, untouched, in its
    folder; any other is ended."""
    spare = _take_any()
    if spare is None:
        return None
    if spare.key == key and _intact(spare):
        return spare  # still counted among the runs going, until its run's end
    _drop(spare)
    return None


def _intact(spare: Spare) -> bool:
    """Whether a spare still waits as it was started: alive and not stopped, started from its
    folder, which is still there with its home and temporary folders. A program unconfined
    (the sandbox off) could have reached it. Its orders no other hand can write: they come on
    a Unix socket, which cannot be opened again through /proc (``program._start``)."""
    proc, copy = spare.started.proc, None
    try:
        fields = Path(f"/proc/{proc.pid}/stat").read_text().rpartition(")")[2].split()
        with os.scandir(spare.base) as found:
            present = {entry.name for entry in found if entry.is_dir(follow_symlinks=False)}
        for name in present - {"home", "tmp"}:
            copy = os.stat(spare.base / name)  # noqa: PTH116
        started_from = os.stat(f"/proc/{proc.pid}/cwd")  # noqa: PTH116
    except (OSError, ValueError):
        return False
    return (
        proc.poll() is None
        and bool(fields)
        and fields[0] not in ("T", "t", "Z", "X")
        and {"home", "tmp"} <= present
        and len(present) == 3
        and copy is not None
        and (copy.st_dev, copy.st_ino) == spare.place == (started_from.st_dev, started_from.st_ino)
    )


def leave(key: Hashable, name: str, start: Callable[[Path, Path], Started]) -> None:
    """Ask for a spare for the next run started as ``key`` says (its environment aside: the
    spare's key holds the one it is started with), in a fresh folder whose copy will be called
    ``name``: ``start(base, cwd)`` starts the launcher and counts it among the runs going
    (``holding_session``), when the next session starts. Does nothing unless spares are kept."""
    global _recipe  # noqa: PLW0603 - the one recipe
    if _keeping:
        _recipe = (key, name, start)


def _start(key: Hashable, name: str, start: Callable[[Path, Path], Started]) -> None:
    base = Path(tempfile.mkdtemp(prefix="run-", dir=memory_folder()))
    try:
        cwd = base / name
        cwd.mkdir()
        place = os.stat(cwd)  # noqa: PTH116
        started = start(base, cwd)
    except (OSError, subprocess.SubprocessError):  # no spare: the next run starts its own
        remove_run_folder(base)
        return
    spare = Spare(started, base, (key, started.environment), (place.st_dev, place.st_ino))
    global _spare
    with _lock:
        old, _spare = _spare, spare
    _drop(old)


def discard(spare: Spare) -> None:
    """End a spare that was taken and not used (the cache answered, the copy failed)."""
    _drop(spare)


def _take_any() -> Spare | None:
    global _spare
    with _lock:
        spare, _spare = _spare, None
    return spare


def _drop(spare: Spare | None) -> None:
    """End a spare launcher: it has read no order, so it runs nothing; its folder goes."""
    if spare is None:
        return
    proc = spare.started.proc
    with contextlib.suppress(OSError):
        proc.kill()
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        proc.wait(timeout=10)
    released_session(proc.pid)  # counted to its end: no sweep beside it takes it first
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
    for fd in (spare.started.seal, spare.started.report, spare.started.facts):
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)
    remove_run_folder(spare.base)


atexit.register(lambda: _drop(_take_any()))
