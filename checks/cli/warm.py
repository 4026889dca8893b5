"""A pytest process kept warm for ``checks watch``: a save pays for one pytest session, not for
Python's start, pytest's imports, the kit's plugin and the exercises' test modules.

``WarmPytest`` is a ``checks.plugin.verdict.Runner``: it hands the very arguments a child
``python -m pytest`` would get to one long-lived ``checks.grade.worker`` process, started in the
student's copy with the student's own environment and Python flags, so the tests that run, the
plugin that judges them and the record that is read back are the same as those of
``uv run pytest exercises/NN``. It starts with the first check and ends with ``close``.

Imports ``checks.grade.workers`` (the worker, seen from the parent) and the standard library.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from checks.grade.workers import Worker

__all__ = ["CHECK_TIMEOUT", "WarmPytest"]

CHECK_TIMEOUT = 600.0
"""Seconds one check may take in all (each student run has its own, shorter limit)."""


class WarmPytest:
    """One pytest worker for a watch session, in the kit at ``root``; stopped by ``stop``."""

    def __init__(self, root: Path, stop: threading.Event) -> None:
        self.root = root
        self.stop = stop
        self._folder: Path | None = None
        self._worker: Worker | None = None

    def _started(self) -> Worker:
        """The worker, made (with its temporary folder) at the first check."""
        if self._worker is None:
            self._folder = Path(tempfile.mkdtemp(prefix="checks-watch-"))
            basetemp = self._folder / "pytest"
            self._worker = Worker(self._folder, basetemp, self.stop, root=self.root, student=True)
        return self._worker

    def __call__(self, args: Sequence[str], log: Path) -> int | None:
        """Run pytest with ``args`` in the warm process; its exit status (None once stopped)."""
        worker = self._started()
        try:
            stopped, _trusted = worker.run(args, log, CHECK_TIMEOUT)
        except KeyboardInterrupt:
            return None
        status = worker.status
        if status is None:  # said in the log, which the caller quotes
            with contextlib.suppress(OSError), log.open("a", encoding="utf-8") as said:
                said.write(f"\n{stopped}\n")
            return -1
        return status

    def close(self) -> None:
        """End the worker and remove its temporary folder."""
        if self._worker is not None:
            self._worker.close()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
        self._worker = self._folder = None
