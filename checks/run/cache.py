"""The run cache: verdicts of runs that ended by themselves, kept on disk by a key that holds
everything that decides them, and the cache ``run_file`` answers from (``use_cache``).

It imports the kit's vocabulary (``checks.cache``, ``checks.model``) and, in ``run/``, the
limits, the copies, the child's environment and the sandbox's mode; ``program`` imports it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sys
import threading
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import cast

from checks.cache import load_json, prune, store_json
from checks.model import Run, Stage
from checks.run import sandbox
from checks.run.copy import CHILD_PACKAGE
from checks.run.environment import child_environment
from checks.run.limits import Limits

__all__ = ["CACHED_OUTPUT_CAP", "RunCache", "in_use", "use_cache", "was_stopped"]

CACHED_OUTPUT_CAP = 256 * 1024
"""Largest output of a run kept in the cache: its stdout, stderr and their merge, in characters."""

_CACHE_FORMAT = "checks-run-cache 3"


_RUNNER = ("cache.py", "copy.py", "environment.py", "limits.py", "program.py", "watch.py")
"""The modules of ``run/`` whose code decides a run's verdict (once one module, ``run.py``)."""


@functools.cache
def _kit_code() -> bytes:
    """The kit's code that decides a verdict: the runner's modules and the child package."""
    here = Path(__file__).parent
    files = [*(here / name for name in _RUNNER), *sorted(CHILD_PACKAGE.glob("*.py"))]
    return b"\0".join(f.name.encode() + b"\0" + f.read_bytes() for f in files)


@functools.cache
def _interpreter(python: str) -> str:
    """What identifies an interpreter: its path, its binary's size and time, its version."""
    try:
        real = Path(python).resolve().stat()
        stamp = f"{real.st_size}:{real.st_mtime_ns}"
    except OSError:
        stamp = "?"
    version = sys.version if python == sys.executable else ""
    return f"{python}\0{stamp}\0{version}"


class RunCache:
    """Verdicts of runs that ended by themselves, on disk, keyed by everything that decides them.

    The key holds the bytes and permissions of every file in the throwaway copy the program
    runs in, the file run, the interpreter (path, binary, version), the limits, the child's
    environment and the kit's own runner code, so a change to any of them is a new key and a
    stale verdict cannot be read. A run that was stopped (timeout, output cap, too many
    processes) or killed by a signal is never kept. What no key can hold is kept as it came out
    the first time: a draw at random (the kit's drivers draw their inputs only so that no answer
    written down in advance fits, which one draw per content of the files already ensures) or
    the clock (no exercise judges time). A program that reads files outside its folder cannot
    be kept by any key: its caller passes ``cached=False`` to ``run_file``.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.hits = 0
        """Runs answered from here (``checks.run_each`` loads from several threads at once)."""
        self._counting = threading.Lock()
        prune(folder)

    def key(
        self,
        held: str,
        relative: Path,
        shown: Path,
        folder: Path,
        limits: Limits,
        python: str,
        orders: Sequence[str] = (),
    ) -> str:
        """The key of running ``relative`` (shown as ``shown``) in a copy holding ``held`` (a
        digest of its files: ``copy_digest``), with the ``orders`` that say how (trials, a
        driver's helpers)."""
        digest = hashlib.sha256()
        head = [
            _CACHE_FORMAT,
            _interpreter(python),
            repr(limits),
            json.dumps(list(orders)),
            relative.as_posix(),
            str(shown),
            str(folder),
            json.dumps(sorted(child_environment().items())),
            f"sandbox={sandbox.mode()}",
            held,
        ]
        digest.update("\0".join(head).encode("utf-8", "surrogateescape"))
        digest.update(hashlib.sha256(_kit_code()).digest())
        return digest.hexdigest()

    def load(self, key: str, shown: Path) -> Run | None:
        """The run kept under ``key``, or ``None``."""
        data = load_json(self.folder, key)
        try:
            fields_ = dict(cast("dict[str, object]", data))
            pairs = cast("list[list[object]]", fields_.get("facts") or [])
            fields_["facts"] = tuple((str(kind), value) for kind, value in pairs)
            run = Run(file=shown, stage=Stage(fields_.pop("stage")), **fields_)  # pyright: ignore[reportArgumentType]
        except (ValueError, TypeError, KeyError):
            return None
        with self._counting:
            self.hits += 1
        return run

    def store(self, key: str, run: Run) -> None:
        """Keep ``run`` under ``key`` if it ended by itself and its output is small."""
        if _keepable(run):
            data = {f.name: getattr(run, f.name) for f in fields(run) if f.name != "file"}
            data["stage"] = run.stage.value
            store_json(self.folder, key, data)


def _keepable(run: Run) -> bool:
    size = len(run.stdout) + len(run.stderr) + len(run.output)
    return not was_stopped(run) and size <= CACHED_OUTPUT_CAP


def was_stopped(run: Run) -> bool:
    """Whether the kit stopped the run, or a signal killed it: an end the machine may decide."""
    return (
        run.timed_out
        or run.cut
        or run.exit_status is None
        or run.exit_status < 0
        or run.message.startswith("stopped: ")
    )


_active: RunCache | None = None
"""The cache ``run_file`` answers from, chosen by the pytest session (``use_cache``)."""


def use_cache(cache: RunCache | None) -> None:
    """Answer ``run_file`` from ``cache`` from now on (``None``: run every time)."""
    global _active  # noqa: PLW0603 - one cache per process, chosen by the pytest session
    _active = cache


def in_use() -> RunCache | None:
    """The cache ``run_file`` answers from, or ``None``: run every time."""
    return _active
