"""The long-lived pytest workers of ``checks grade``, seen from the parent.

A ``Worker`` starts ``python -m checks.grade.worker`` (the process itself is
``checks/grade/worker.py``) when first needed, hands it one submission's pytest arguments after
another as JSON lines, and reads its answers. A run past its time is stopped as Ctrl-C stops
pytest (what ran keeps its points), then the worker and every process it started are killed
and a fresh one takes over; so does one after ``WORKER_JOBS`` submissions.

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
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import psutil

from checks.manifest import KIT_ROOT

__all__ = ["STOP_GRACE", "WORKER_JOBS", "Worker"]

STOP_GRACE = 15.0
"""Seconds a stopped run gets to write its report (what ran keeps its points) before a kill."""

WORKER_JOBS = 50
"""Submissions one pytest worker checks before a fresh one takes over (memory stays bounded)."""


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill a process and every process it started."""
    with contextlib.suppress(psutil.NoSuchProcess):
        tree = psutil.Process(process.pid).children(recursive=True)
        process.kill()
        for child in tree:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
    process.wait()


class Worker:
    """One long-lived pytest process (``checks.grade.worker``), started when first needed."""

    def __init__(self, logs: Path, basetemp: Path, stop: threading.Event) -> None:
        self.logs = logs
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
        env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
        self.errors = self.logs / f"worker-{id(self)}-{self.started}.log"
        errors = self.errors.open("wb")
        process = subprocess.Popen(
            [sys.executable, "-E", "-B", "-m", "checks.grade.worker"],
            cwd=KIT_ROOT,
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
        process = self.process
        if process is None or process.poll() is not None or self.jobs >= WORKER_JOBS:
            self.close()
            process = self.start()
        self.jobs += 1
        args = [*args, f"--basetemp={self.basetemp}"]
        job = json.dumps({"args": args, "log": str(log)}) + "\n"
        try:
            if process.stdin is None:  # pragma: no cover - always a pipe
                raise BrokenPipeError
            process.stdin.write(job.encode())
            process.stdin.flush()
            reply = self.replies.get(timeout=timeout)
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
        if status not in (0, 1):
            return f"pytest ended with exit status {status} (see pytest.log)", False
        return "", answer.get("trusted") is True

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
