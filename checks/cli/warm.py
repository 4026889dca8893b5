"""A pytest process kept warm for ``checks watch``: a save pays for the tests it decides, not for
Python's start, pytest's imports and set-up, the kit's plugin and the exercises' collection.

``WarmPytest`` is a ``checks.run.verdict.Runner``: it hands the very arguments a child
``python -m pytest`` would get to one long-lived ``checks.grade.worker`` process, started in the
student's copy with the student's own environment and Python flags, so the tests that run, the
plugin that judges them and the record that is read back are those of ``uv run pytest
exercises/NN``. After each check it prepares the next one, the same arguments again: that
session configures and collects, then waits (``Worker.prepare``) until the next save lets it go
on, before pyright starts or any test reads a student file. A check with other arguments ends
the prepared one unused. The worker's runs leave the interpreter of the next run started
(``--checks-spare``, ``checks.run.spare``): a save pays for the student's program, not for
Python's start.

The worker keeps the kit's modules and the exercises' test modules imported, so whenever the kit
changes (``checks/``, ``conftest.py``, ``pyproject.toml``, the installed distributions, or any
file of an exercise folder that is not a student file: tests, manifests, data) it is ended and a
fresh one started: a verdict never comes from tests older than the files.

Imports ``checks.grade.workers`` (the worker, seen from the parent), the vocabulary and the
standard library.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from checks.cache import file_entry, kit_digest, walk_paths
from checks.grade.workers import Worker
from checks.model import Exercise
from checks.run.copy import memory_folder

__all__ = ["CHECK_TIMEOUT", "WarmPytest"]

CHECK_TIMEOUT = 600.0
"""Seconds one check may take in all (each student run has its own, shorter limit)."""

_RECORD = "--checks-record"
_SPARE = "--checks-spare"
"""Each run leaves the interpreter of the next started ahead (``checks.run.spare``)."""


@dataclass(frozen=True)
class _Prepared:
    """A run waiting in the worker: its arguments, where it records and logs, and the kit's
    state when it was collected."""

    args: tuple[str, ...]
    record: Path
    log: Path
    kit: str


class WarmPytest:
    """One pytest worker for a watch session over ``exercises`` of the kit at ``root``,
    stopped by ``stop``."""

    def __init__(self, root: Path, exercises: Sequence[Exercise], stop: threading.Event) -> None:
        self.root = root
        self.stop = stop
        self._student = {
            (exercise.number, name.rstrip("/")) for exercise in exercises for name in exercise.files
        }
        self._folder: Path | None = None
        self._worker: Worker | None = None
        self._kit = ""
        self._prepared: _Prepared | None = None
        self._jobs = 0

    def _started(self) -> tuple[Worker, Path]:
        """The worker and its folder, made at the first check."""
        if self._worker is None or self._folder is None:
            # Where a cold check makes its runs: /dev/shm where it is memory with room.
            self._folder = Path(tempfile.mkdtemp(prefix="checks-watch-", dir=memory_folder()))
            basetemp = self._folder / "pytest"
            self._worker = Worker(
                self._folder,
                basetemp,
                self.stop,
                root=self.root,
                student=True,
                temporary=self._folder / "tmp",  # removed by close, whatever the worker left
            )
        return self._worker, self._folder

    def _kit_state(self) -> str:
        """A digest of all the worker keeps imported or collected: the kit and every file of the
        exercise folders but the student files."""
        digest = hashlib.sha256(kit_digest(self.root))
        for name, path in walk_paths(self.root / "exercises"):
            number, _, rest = name.partition("/")
            parts = rest.split("/")
            if not any(
                (number, "/".join(parts[:end])) in self._student for end in range(1, len(parts) + 1)
            ):
                digest.update(file_entry(name, path))
        return digest.hexdigest()

    def __call__(self, args: Sequence[str], record: Path, log: Path) -> int | None:
        """Run pytest with ``args`` in the warm process; its exit status (None once stopped)."""
        worker, folder = self._started()
        kit = self._kit_state()
        prepared, self._prepared = self._prepared, None
        try:
            if prepared is not None and (prepared.args != tuple(args) or prepared.kit != kit):
                worker.release(CHECK_TIMEOUT, go=False)
                prepared = None
            if kit != self._kit:
                worker.close()  # its modules are older than the kit: a fresh one starts
                self._kit = kit
            if prepared is None:
                stopped, _ = worker.run([*args, _SPARE, _RECORD, str(record)], log, CHECK_TIMEOUT)
            else:
                stopped, _ = worker.release(CHECK_TIMEOUT)
                for made, wanted in ((prepared.record, record), (prepared.log, log)):
                    with contextlib.suppress(OSError):
                        shutil.move(made, wanted)
        except KeyboardInterrupt:
            return None
        status = worker.status
        if status is None:  # said in the log, which the caller quotes
            with contextlib.suppress(OSError), log.open("a", encoding="utf-8") as said:
                said.write(f"\n{stopped}\n")
            return -1
        self._jobs += 1
        ahead = _Prepared(
            tuple(args), folder / f"record-{self._jobs}.json", folder / f"log-{self._jobs}.txt", kit
        )
        with contextlib.suppress(OSError, KeyboardInterrupt):  # the next check starts cold
            worker.prepare([*args, _SPARE, _RECORD, str(ahead.record)], ahead.log)
            self._prepared = ahead
        return status

    def close(self) -> None:
        """End the worker (and a run it holds ready) and remove its temporary folder."""
        if self._worker is not None:
            self._worker.close()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
        self._worker = self._folder = self._prepared = None
