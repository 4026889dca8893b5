"""One ``checks grade`` at a time in ``--out``, its reports staged, then published at once.

A run holds ``--out``'s lock (``locked``: a second run on the same folder stops at once), grades
the batch into a staging folder inside ``--out`` with its temporary files in a scratch folder
of its own (``grade_into``), writes the gradebook and the class page there, and moves every
report into place at the end with Ctrl-C held back for that moment. An interrupted run (Ctrl-C,
exit ``INTERRUPTED``) leaves the previous output whole, and no temporary folder or process
behind. On Linux the scratch folder goes to ``/dev/shm`` where that is a memory file system with
room and the teacher named no ``TMPDIR`` (``checks.run.copy.memory_folder``).

Imports ``checks.grade.batch``, ``checks.grade.given`` and ``checks.grade.take``, the reports,
the vocabulary, psutil and the standard library; never the zip or the CLI.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any

import psutil

if sys.platform == "win32":  # pragma: no cover - Windows
    import msvcrt
else:
    import fcntl

from checks import reports
from checks.grade.batch import grade_batch
from checks.grade.given import GRADEBOOK, RESERVED_PREFIX, Submission
from checks.grade.take import printable
from checks.model import Exercise, Grade
from checks.reports import classpage
from checks.run.copy import memory_folder
from checks.run.environment import TEMPORARY
from checks.run.limits import kill_tree

__all__ = [
    "INTERRUPTED",
    "LOCK",
    "STAGING",
    "BusyError",
    "grade_into",
    "locked",
]

INTERRUPTED = 130
"""Exit status after Ctrl-C, as a shell reports it."""

LOCK = ".checks-grade.lock"
"""The file in ``--out`` that one ``checks grade`` at a time holds locked."""

STAGING = ".checks-grade-partial"
"""The folder in ``--out`` where a run writes its reports before they all move into place."""


class BusyError(Exception):
    """Another ``checks grade`` is writing to the same ``--out``."""


@contextlib.contextmanager
def locked(out: Path) -> Generator[None, None, None]:
    """Hold ``out``'s lock for one run: a second run on the same folder stops at once."""
    with (out / LOCK).open("a+b") as handle:
        if not _take_lock(handle.fileno()):
            msg = (
                f"another checks grade is writing to {out} right now; wait until it ends, "
                "or give this one another --out"
            )
            raise BusyError(msg)
        yield  # the lock ends when the file is closed


def _take_lock(descriptor: int) -> bool:
    """Lock an open file without waiting: False if another process holds it."""
    try:
        if sys.platform == "win32":  # pragma: no cover - Windows
            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
        else:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (BlockingIOError, PermissionError):
        return False
    except OSError:
        return True  # a folder that takes no locks (some network shares): go on without one
    return True


def grade_into(
    out: Path,
    submissions: Sequence[Submission],
    exercises: Sequence[Exercise],
    jobs: int,
    timeout: float,
    confinement: str,
) -> int:
    """Grade into a staging folder, then move every report into ``out`` at once.

    An interrupted run (Ctrl-C) leaves ``out`` as it was, with no temporary folder or process.
    """
    staging = out / STAGING
    before = "the reports there are those of the run before" if (out / GRADEBOOK).exists() else ""
    started = time.time()
    stop = threading.Event()
    scratch = Path(tempfile.mkdtemp(prefix="checks-grade-", dir=memory_folder()))
    try:
        _remove_tree(staging)  # left by a run that was killed
        staging.mkdir()
        with _temporary_files_in(scratch / "tmp"):
            grades = grade_batch(
                submissions, staging, exercises, scratch, jobs, timeout, stop, confinement
            )
        folders = {s.name: printable(str(s.folder)) for s in submissions}
        reports.write_csv(staging / GRADEBOOK, grades, exercises, folders)
        classpage.write_page(staging, exercises)
        with _uninterrupted():
            _publish(staging, out, grades)
    except KeyboardInterrupt:
        stop.set()
        _end_children(started)
        kept = f" ({before})" if before else ""
        print(
            f"checks grade: interrupted: nothing in {out} was changed{kept}; run it again to grade",
            file=sys.stderr,
        )
        return INTERRUPTED
    finally:
        stop.set()
        _end_children(started)
        _remove_tree(scratch)
        _remove_tree(staging)
    print(
        f"Wrote {out / GRADEBOOK}, the class page {out / classpage.PAGE} and a report per "
        f"student in {out}."
    )
    return 0


def _publish(staging: Path, out: Path, grades: dict[str, Grade]) -> None:
    """Move each student's new reports, then the class's files (the gradebook and any other
    file written beside it in ``staging``), into ``out``, replacing the previous ones."""
    previous = staging / (RESERVED_PREFIX + "previous")
    previous.mkdir()
    for name in sorted(grades):
        target = out / name
        if target.exists() or target.is_symlink():
            target.rename(previous / name)
        (staging / name).rename(target)
    for path in sorted(staging.iterdir()):
        if path.is_file() and not path.name.startswith(RESERVED_PREFIX):
            path.replace(out / path.name)


@contextlib.contextmanager
def _uninterrupted() -> Generator[None, None, None]:
    """Hold Ctrl-C back while the reports move into place (a moment), then deliver it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    before = signal.signal(signal.SIGINT, lambda number, _frame: held.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)
    if held:
        raise KeyboardInterrupt


@contextlib.contextmanager
def _temporary_files_in(folder: Path) -> Generator[None, None, None]:
    """Make this process and those it starts (workers, pyright) put temporary files in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    names = TEMPORARY
    saved = {name: os.environ.get(name) for name in names}
    saved_tempdir = tempfile.tempdir
    os.environ.update(dict.fromkeys(names, str(folder)))
    tempfile.tempdir = str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = saved_tempdir
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _end_children(since: float) -> None:
    """Kill every process this one started since ``since`` (workers, pyright, student runs),
    and all they started: each tree is frozen before it is killed, so that a worker starting
    pyright just then leaves no pyright running."""
    with contextlib.suppress(psutil.Error):
        for child in psutil.Process().children():
            with contextlib.suppress(psutil.Error):
                if child.create_time() >= since - 1:
                    kill_tree(child, None)


def _remove_tree(folder: Path) -> None:
    """Remove ``folder`` and all it holds, if it is there, whatever its permissions."""
    for _ in range(3):
        if not (folder.exists() or folder.is_symlink()):
            return
        if folder.is_symlink() or not folder.is_dir():
            folder.unlink()
            return

        def allow(func: Any, name: str, _error: object) -> None:
            with contextlib.suppress(OSError):
                Path(name).parent.chmod(0o700)
                func(name)

        if sys.version_info >= (3, 12):
            shutil.rmtree(folder, onexc=allow)
        else:  # pragma: no cover - Python 3.10 and 3.11
            shutil.rmtree(folder, onerror=allow)
