"""Launchers forked by a fork server (Linux): a run pays for a fork, not for Python's start.

A run's launcher is the interpreter under test started on ``start.py``: most of a run's cost
before the student's first line is that start (the interpreter, then the child package and
ctypes). Here one process per interpreter, the fork server (``checks/child/forks.py``, started
on ``serve.py`` of the child's private copy), has done that once; for each run it forks a
launcher in the run's folder with the run's environment and the pipes the run would have been
started with, and the middle process of a double fork ends at once, so that the launcher is
adopted by this process (a subreaper, ``become_subreaper``). From there it is the launcher
``Popen`` would have started: this process's child in a session of its own, waiting for its
orders on its own socket, which the server hands on unread; this process waits for it and reads
its exit status from the system, as for any child (``Forked``).

The server is started with the environment of the runs it forks (their run's folders aside:
``spare.unplaced``) and is used only for runs with that environment, the same interpreter and
the same private copy. The kit's drivers have a server of their own, which has also loaded the
standard library modules they import (``AHEAD_DRIVER``): the ``sys.modules`` of a plain run
and a trial stays a fresh launcher's. A run with anything else, a server that does not answer,
or a platform other than Linux, starts its launcher with ``Popen`` (``fork`` gives ``None``).
The server is counted among the runs still going, so that no sweep ends it, and ends when this
process does.

Imports the run's folder layout (``copy``), the child's environment (``environment``), the
process bookkeeping (``limits``) and the spares' environment key (``spare``).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import IO

from checks.run.copy import child_copy, remove_run_folder
from checks.run.environment import child_python
from checks.run.facts import new_nonce
from checks.run.limits import become_subreaper, holding_session, released_session
from checks.run.spare import PLACED, Started, unplaced

__all__ = ["Forked", "forking", "launch", "use_forks"]

ANSWER_WAIT = 5.0
"""Seconds the server gets to answer one request (a fork takes a few milliseconds) before it is
ended and the run starts its own launcher. Sweeps wait meanwhile (``no_sweep``): short."""
FAILURES_CAP = 3
"""Servers that may fail in one process before every launcher is started anew: one that fails
on every request would cost each run a server's start as well as its launcher's."""
WAIT_STEP = 0.01
"""Seconds between two looks at a forked launcher that is waited for with a timeout."""

_enabled = sys.platform == "linux"
_failures = 0
_lock = threading.Lock()


class Forked:
    """A launcher a fork server forked, adopted by this process: what the kit uses of a
    ``Popen`` (``checks.run.launched.Launched``)."""

    def __init__(self, pid: int, stdout: IO[bytes], stderr: IO[bytes]) -> None:
        self.pid = pid
        self.stdin: IO[bytes] | None = None
        self.stdout: IO[bytes] | None = stdout
        self.stderr: IO[bytes] | None = stderr
        self.returncode: int | None = None
        self._waiting = threading.Lock()

    def poll(self) -> int | None:
        """Its exit status if it has ended (reaped then), else ``None``."""
        if self.returncode is None and self._waiting.acquire(blocking=False):
            try:
                self._reap(os.WNOHANG)
            finally:
                self._waiting.release()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for it to end: its exit status (``-N`` for signal N, as ``Popen`` says)."""
        if timeout is None:
            with self._waiting:
                while self.returncode is None:
                    self._reap(0)
            return self.returncode
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(WAIT_STEP)
        return self.returncode if self.returncode is not None else -1

    def _reap(self, options: int) -> None:
        if self.returncode is not None:
            return
        try:
            pid, status = os.waitpid(self.pid, options)
        except ChildProcessError:  # reaped already: nothing else of the kit reaps a live run's
            self.returncode = -signal.SIGKILL
            return
        if pid == self.pid:
            self.returncode = os.waitstatus_to_exitcode(status)

    def send_signal(self, sig: int) -> None:
        """Send it a signal, unless it has ended and been reaped."""
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)

    def kill(self) -> None:
        """Kill it (SIGKILL)."""
        self.send_signal(signal.SIGKILL)


class _Server:
    """One fork server: its process, our end of its socket, what its launchers are started with."""

    def __init__(
        self, key: Hashable, process: subprocess.Popen[bytes], ours: socket.socket, home: Path
    ) -> None:
        self.key = key
        self.process = process
        self.ours = ours
        self.home = home

    def close(self) -> None:
        """End the server: its input ends, then it is killed if it still runs."""
        with contextlib.suppress(OSError):
            self.ours.close()
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        released_session(self.process.pid)
        remove_run_folder(self.home)


_servers: dict[Hashable, _Server] = {}


def use_forks(on: bool) -> None:
    """Whether launchers are forked (on Linux, by default); off, every one is started anew.
    On, servers that failed before are forgotten (``FAILURES_CAP``)."""
    global _enabled, _failures  # noqa: PLW0603 - one switch for the process
    _enabled = on and sys.platform == "linux"
    if _enabled:
        _failures = 0
    else:
        _close_all()


def forking() -> bool:
    """Whether launchers are forked."""
    return _enabled


def launch(
    python: str,
    environment: Mapping[str, str],
    cwd: Path,
    *,
    sealed: bool = False,
    driver: bool = False,
) -> Started | None:
    """A launcher forked in ``cwd`` with ``environment``, waiting for its orders as one started
    by ``program._start`` does (``sealed``: with the sealed channel of its facts; ``driver``:
    forked by the drivers' server), or ``None`` when none was forked: the caller then starts
    one anew. Every descriptor a failed request handed on is closed here, never used for the
    launcher started instead. The caller holds sweeps off (``no_sweep``) and counts the
    launcher's session."""
    if not _enabled or not become_subreaper():
        return None
    kept = unplaced(dict(environment))  # the server's key, and the launcher's record (spare)
    key = (python, child_python(python), str(child_copy()), kept, driver)
    ours, theirs = socket.socketpair()
    reads, writes = zip(*(os.pipe() for _ in range(5 if sealed else 4)), strict=True)
    launched: tuple[int, tuple[str, ...]] | None = None
    try:
        with _lock:
            server = _servers.get(key) or _start_server(key, python, environment, driver=driver)
            if server is not None:
                try:
                    answer = _ask(server, cwd, environment, [theirs.fileno(), *writes])
                    launched = _launched(answer, len(writes) - 2, cwd, reads[2])
                finally:
                    if launched is None:  # failed, interrupted, or not to be trusted
                        _drop(key, server)
    finally:
        theirs.close()
        for fd in writes:
            os.close(fd)
        if launched is None:
            ours.close()
            for fd in reads:
                os.close(fd)
    if launched is None:
        return None
    pid, pipes = launched
    out, err, seal, report, *facts = reads
    proc = Forked(pid, os.fdopen(out, "rb", buffering=0), os.fdopen(err, "rb", buffering=0))
    proc.stdin = ours.makefile("wb")
    ours.close()  # the file holds the socket until it is closed: the launcher's end of file
    return Started(proc, seal, report, facts[0] if facts else -1, pipes, new_nonce(), kept)


def _ask(
    server: _Server, cwd: Path, environment: Mapping[str, str], fds: list[int]
) -> bytes | None:
    """Send one request; the server's answer line, or ``None`` if it failed to give one."""
    words = [os.fsdecode(cwd), *(f"{k}={v}" for k, v in environment.items())]
    message = "\0".join(words).encode("utf-8", "surrogateescape")
    try:
        socket.send_fds(server.ours, [message], fds)
        answer = b""
        while not answer.endswith(b"\n"):
            chunk = server.ours.recv(256)
            if not chunk:
                return None
            answer += chunk
    except OSError:
        return None
    return answer


def _launched(
    answer: bytes | None, writers: int, cwd: Path, seal: int
) -> tuple[int, tuple[str, ...]] | None:
    """The forked launcher's process id and pipe numbers, once it is known to be the launcher
    forked for this request: this process's child, the leader of its own session, started from
    ``cwd`` (the run's folder), holding the write end of this run's ``seal`` pipe (read end
    here) as the first pipe it names."""
    if answer is None:
        return None
    words = answer.split()
    if len(words) != 1 + writers or not all(w.isdigit() for w in words):
        return None
    pid = int(words[0])
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        fields = stat.rpartition(")")[2].split()
        parent, session = int(fields[1]), int(fields[3])
        there, here = os.stat(f"/proc/{pid}/cwd"), os.stat(cwd)  # noqa: PTH116
        held, ours = os.stat(f"/proc/{pid}/fd/{int(words[1])}"), os.fstat(seal)  # noqa: PTH116
    except (OSError, ValueError, IndexError):
        return None
    if (
        (parent, session) != (os.getpid(), pid)
        or (there.st_dev, there.st_ino) != (here.st_dev, here.st_ino)
        or (held.st_dev, held.st_ino) != (ours.st_dev, ours.st_ino)
    ):
        return None  # not the launcher asked for: never the case unless the answer was forged
    return pid, tuple(w.decode("ascii") for w in words[1:])


def _start_server(
    key: Hashable, python: str, environment: Mapping[str, str], *, driver: bool = False
) -> _Server | None:
    """Start the fork server for runs started with ``environment`` (``driver``: the kit's
    drivers' runs, for which it loads more); its own home and temporary folder name no run's."""
    if _failures >= FAILURES_CAP:
        return None
    home = Path(tempfile.mkdtemp(prefix="forks-"))
    own = {k: str(home) if k in PLACED else v for k, v in environment.items()}
    # Records, so that a request is read whole or refused as cut (never read in two).
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    # Its output and error are pipes, as a launcher's are (the interpreter sets its streams up
    # at its start, seekable or not, once for every launcher it forks); nothing reads them.
    output, output_w = os.pipe()
    script = child_copy().parent / "serve.py"
    try:
        process = subprocess.Popen(
            [child_python(python), "-E", "-S", "-u", "-X", "utf8", str(script)]
            + (["driver"] if driver else []),
            cwd=home,
            env=own,
            stdin=theirs.fileno(),
            stdout=output_w,
            stderr=output_w,
            start_new_session=True,
        )
        holding_session(process.pid)  # no sweep ends it: it runs nothing of anyone's
    except BaseException:
        ours.close()
        remove_run_folder(home)
        raise
    finally:
        theirs.close()
        os.close(output)
        os.close(output_w)
    ours.settimeout(ANSWER_WAIT)
    server = _Server(key, process, ours, home)
    _servers[key] = server
    return server


def _drop(key: Hashable, server: _Server) -> None:
    """End a server that failed; after ``FAILURES_CAP`` of them, no other is started."""
    global _failures  # noqa: PLW0603 - counted for the process
    _failures += 1
    if _servers.get(key) is server:
        del _servers[key]
    server.close()


def _close_all() -> None:
    with _lock:
        servers = list(_servers.values())
        _servers.clear()
    for server in servers:
        server.close()


atexit.register(_close_all)
