"""The long-lived pytest workers of ``checks grade``, seen from the parent.

A ``Worker`` starts ``python -m checks.grade.worker`` (the process itself is
``checks/grade/worker.py``) when first needed, hands it one submission's pytest arguments after
another as JSON lines, and reads its answers. A run past its time is stopped as Ctrl-C stops
pytest (what ran keeps its points), then the worker and every process it started are killed
and a fresh one takes over; so does one after ``WORKER_JOBS`` submissions. Once its ``stop``
is set, a run under way is ended at once.

``checks watch`` keeps one too (``student=True``): started in the student's copy with the
student's own environment and Python flags, as ``uv run pytest`` would be, so that a save pays
for one pytest session in a warm process, not for Python's and pytest's start.

Imports only the vocabulary (``checks.manifest``), psutil and the standard library.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import psutil

from checks.manifest import KIT_ROOT
from checks.run.environment import TEMPORARY
from checks.run.limits import kill_tree

__all__ = ["STOP_GRACE", "WORKER_JOBS", "Worker"]

STOP_GRACE = 15.0
"""Seconds a stopped run gets to write its report (what ran keeps its points) before a kill."""

WORKER_JOBS = 50
"""Submissions one pytest worker checks before a fresh one takes over (memory stays bounded)."""

WAIT_STEP = 0.1
"""Seconds between two looks at ``stop`` while a run is under way."""

GRADER_FLAGS = ("-E", "-B")
"""A grading worker's Python flags: the teacher's ``PYTHON*`` variables and bytecode unused."""


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill a process and every process it started (frozen first: none starts one meanwhile)."""
    try:
        kill_tree(psutil.Process(process.pid), None)
    except psutil.Error:
        process.kill()
    process.wait()


class Worker:
    """One long-lived pytest process (``checks.grade.worker``), started when first needed."""

    def __init__(
        self,
        logs: Path,
        basetemp: Path,
        stop: threading.Event,
        *,
        root: Path = KIT_ROOT,
        student: bool = False,
        temporary: Path | None = None,
    ) -> None:
        self.logs = logs
        self.temporary = temporary
        """The worker's temporary folder (``TMPDIR``), if it has one of its own: what a killed
        worker leaves there (a run's copy, a spare launcher's folder) goes with it."""
        self.root = root
        """The kit the worker runs in (its ``exercises/``, ``conftest.py``, ``pyproject.toml``)."""
        self.student = student
        """A student's own check (``checks watch``): their environment and Python flags kept."""
        self.status: int | None = None
        """pytest's exit status of the last run, ``None`` when it gave none."""
        self.basetemp = basetemp
        """pytest's temporary folder for this worker alone (two sessions never race on one)."""
        self.stop = stop
        """Set on Ctrl-C: no new worker starts."""
        self.process: subprocess.Popen[bytes] | None = None
        self.replies: queue.Queue[bytes | None] = queue.Queue()
        self.jobs = 0
        self.started = 0
        self.errors: Path | None = None
        """Where the running worker's own error output goes."""

    def start(self) -> subprocess.Popen[bytes]:
        """Start a fresh worker process."""
        if self.stop.is_set():
            raise KeyboardInterrupt
        self.started += 1
        env = dict(os.environ)
        flags: Sequence[str] = ()
        if not self.student:
            env = {k: v for k, v in env.items() if k not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
            flags = GRADER_FLAGS
        if self.temporary is not None:
            self.temporary.mkdir(parents=True, exist_ok=True)
            env.update(dict.fromkeys(TEMPORARY, str(self.temporary)))
        self.errors = self.logs / f"worker-{id(self)}-{self.started}.log"
        errors = self.errors.open("wb")
        process = subprocess.Popen(
            [sys.executable, *flags, "-m", "checks.grade.worker"],
            cwd=self.root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            env=env,
        )
        errors.close()
        self.replies = queue.Queue()
        threading.Thread(
            target=_pump, args=(process.stdout, self.replies), daemon=True, name="grade-worker"
        ).start()
        self.process, self.jobs = process, 0
        return process

    def run(self, args: Sequence[str], log: Path, timeout: float) -> tuple[str, bool]:
        """Run pytest with ``args`` in the worker: why it did not finish (if so), and whether
        its verdicts hold for any submission with the same files (see ``_grade_worker``)."""
        process = self._send(args, log, wait=False)
        return self._answer(process, timeout)

    def prepare(self, args: Sequence[str], log: Path, *, only_types: bool = False) -> None:
        """Start pytest with ``args`` in the worker, up to the end of its collection: it then
        waits for ``release`` before it starts pyright or any test, so nothing it will check
        has been read yet. With ``only_types``, the tests run at once and only pyright (and a
        test that asks for its findings) waits for ``release``: for files that never change."""
        self._send(args, log, wait="types" if only_types else True)

    def release(self, timeout: float, *, go: bool = True) -> tuple[str, bool]:
        """Let the prepared run go on (as ``run`` answers), or, with ``go`` False, end it with
        no test run (with ``only_types``: no test after the one under way). The timeout counts
        from here."""
        process = self.process
        if process is None or process.stdin is None:
            return "the prepared run was lost with its worker", False
        try:
            process.stdin.write((json.dumps({"go": go}) + "\n").encode())
            process.stdin.flush()
        except OSError:
            pass  # the worker has ended: its answer says so
        return self._answer(process, timeout)

    def _send(self, args: Sequence[str], log: Path, *, wait: bool | str) -> subprocess.Popen[bytes]:
        """Hand the worker (started if need be) one run of pytest."""
        process = self.process
        if process is None or process.poll() is not None or self.jobs >= WORKER_JOBS:
            self.close()
            process = self.start()
        self.jobs += 1
        self.status = None
        args = [*args, f"--basetemp={self.basetemp}"]
        job = json.dumps({"args": args, "log": str(log), "wait": wait}) + "\n"
        try:
            if process.stdin is None:  # pragma: no cover - always a pipe
                raise BrokenPipeError
            process.stdin.write(job.encode())
            process.stdin.flush()
        except OSError:
            pass  # the worker has ended: its answer says so
        return process

    def _answer(self, process: subprocess.Popen[bytes], timeout: float) -> tuple[str, bool]:
        """Wait for the worker's answer to its run: why it did not finish, and whether it holds."""
        try:
            reply = self._reply(timeout)
        except KeyboardInterrupt:  # stop was set: nothing of this run counts
            _kill(process)
            self.close()
            raise
        except queue.Empty:
            self._stop(process)
            return f"the tests took longer than {timeout:g} seconds and were stopped", False
        except BaseException:
            self._stop(process)
            raise
        if reply is None:
            status = process.wait()
            self.close()
            said = ""
            if self.errors is not None:
                with contextlib.suppress(OSError):
                    said = self.errors.read_text(encoding="utf-8", errors="replace")[-1500:]
            why = f"the grading process ended unexpectedly (exit status {status})"
            return why + (f":\n{said.strip()}" if said.strip() else ""), False
        answer = json.loads(reply)
        status = answer.get("status")
        self.status = status if isinstance(status, int) else None
        if status not in (0, 1):
            return f"pytest ended with exit status {status} (see pytest.log)", False
        return "", answer.get("trusted") is True

    def _reply(self, timeout: float) -> bytes | None:
        """The worker's next answer; ``queue.Empty`` past ``timeout``, KeyboardInterrupt once
        ``stop`` is set."""
        deadline = time.monotonic() + timeout
        while True:
            if self.stop.is_set():
                raise KeyboardInterrupt
            left = deadline - time.monotonic()
            if left <= 0:
                raise queue.Empty
            with contextlib.suppress(queue.Empty):
                return self.replies.get(timeout=min(WAIT_STEP, left))

    def _stop(self, process: subprocess.Popen[bytes]) -> None:
        """Stop the run as Ctrl-C does (it then writes what ran), then end the worker."""
        with contextlib.suppress(ProcessLookupError):
            if os.name == "posix":
                process.send_signal(signal.SIGINT)
                with contextlib.suppress(queue.Empty):
                    self.replies.get(timeout=STOP_GRACE)
        _kill(process)
        self.close()

    def close(self) -> None:
        """End the worker: close its input and wait for it, or kill it."""
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            if process.stdin is not None:
                process.stdin.close()
        try:
            process.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            _kill(process)
        if process.stdout is not None:
            process.stdout.close()


def _pump(pipe: IO[bytes] | None, replies: queue.Queue[bytes | None]) -> None:
    """Pass each line a worker writes on to ``replies``; ``None`` once it ends."""
    if pipe is not None:
        with contextlib.suppress(OSError, ValueError):
            for line in pipe:
                replies.put(line)
    replies.put(None)
