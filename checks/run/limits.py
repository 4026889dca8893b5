"""What one run of student code may use, and the process tree that holds it to that.

The limits (``Limits``: the timeout, the output cap, memory, file size, processes, threads,
open files, disk) and how the parent keeps them: caps over the whole run that the parent reads
while it runs (the run's processes, ``run_family``, and what they hold, counted by
``checks/run/holdings.py``), the POSIX resource limits the child's launcher sets before any other code of the run, as a
backstop per process (``rlimit_orders``; ``checks/child/rlimits.py`` says why that holds as a
``preexec_fn`` did, which cost every launch a full ``fork``), and the run's process tree, each
run in a session of its own, counted while it runs, killed when it is stopped and swept when
it ends, so that no process outlives its run (on Linux this process adopts a run's orphans, as
a subreaper).

It imports only the standard library and psutil: every other module of ``run/`` may use it.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import signal
import sys
import threading
import time
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import psutil

from checks.run.launched import Launched

__all__ = [
    "CGROUP",
    "DEFAULT_TIMEOUT",
    "DISK",
    "MEMORY",
    "MIB",
    "OUTPUT_CAP",
    "Limits",
    "become_subreaper",
    "cpu_quota",
    "end_strays",
    "group_of",
    "holding_session",
    "kill_tree",
    "no_sweep",
    "released_session",
    "rlimit_orders",
    "run_family",
    "size_text",
    "stop_group",
    "sweep",
    "usable_cores",
]

DEFAULT_TIMEOUT = 10.0
"""Seconds a student's file may run before it is stopped (the ``checks_timeout`` ini key)."""

OUTPUT_CAP = 1024 * 1024
"""Bytes kept of each output stream; past this the program is stopped and the run says so."""


MEMORY = 1024 * 1024 * 1024
"""Bytes of memory a run's processes may hold together (the ``checks_memory`` ini key, in MiB).

A program of the lesson holds a few tens of MiB; 1 GiB leaves room for a student's big list,
and ``checks grade --jobs 4`` holds at most 4 GiB of a laptop's memory."""

DISK = 256 * 1024 * 1024
"""Bytes a run may add to its copy, temporary folder and home folder together (the
``checks_disk`` ini key, in MiB).

The lesson's programs write a few small files (and 07's ``.pyc`` files); 256 MiB is far above
that, and where ``/tmp`` is a tmpfs (memory) four runs at once still hold at most 1 GiB."""

MIB = 1024 * 1024

CPU_GRACE = 5
"""Seconds of CPU a process of a run may spend past the timeout before the system ends it
(``RLIMIT_CPU``, a backstop: the parent stops the run at its timeout)."""


@dataclass(frozen=True)
class Limits:
    """What one run of student code may use."""

    timeout: float = DEFAULT_TIMEOUT
    """Seconds of the program's own time: from its first line, less time it waited for a CPU."""
    output_cap: int = OUTPUT_CAP
    memory: int = MEMORY
    """Bytes of memory held by the run's processes together (resident, not backed by a file);
    also each process's address space (POSIX), a backstop between two looks."""
    file_size: int = 64 * 1024 * 1024
    """Largest file the program may write, in bytes (POSIX): a backstop for ``disk``."""
    processes: int = 64
    """Processes the program may start at once, counted in its process tree."""
    threads: int = 256
    """Threads its processes may run at once, together: a thread costs the machine a task and
    a kernel stack, as a process does."""
    open_files: int = 256
    """Files, pipes and sockets each process may hold open at once (POSIX): a pipe or a socket
    holds a buffer of the kernel's memory that no count of the run's memory sees."""
    disk: int = DISK
    """Bytes the run may add to its copy, its temporary folder and its home folder together."""


def rlimit_orders(limits: Limits) -> list[str]:
    """The launcher's orders that set a run's POSIX resource limits (``checks/child/rlimits.py``)."""
    if sys.platform == "win32":  # pragma: no cover - Windows: a job holds the run
        return []
    wanted = {
        "as": limits.memory,
        "fsize": limits.file_size,
        "cpu": int(limits.timeout) + CPU_GRACE,
        "core": 0,
        "nofile": limits.open_files,
    }
    return [f"limit={name}:{value}" for name, value in wanted.items()]


def kill_tree(root: psutil.Process, group: int | None) -> None:
    """Kill a process and every process it started, on any system.

    The tree is frozen before it is killed: each round stops the members it has not seen yet,
    waits until they are stopped, then reads the tree again, until a round finds no new member.
    A stopped process forks no more, so a child forked while the tree was being read (a run
    starting just then) is found by the next round instead of being left running with no
    parent. The wait matters: ``SIGSTOP`` is delivered, not obeyed at once, and a process in the
    middle of a ``fork`` finishes it first; read at once, the tree may not hold that child yet.
    """
    family: dict[int, psutil.Process] = {}
    for _ in range(_FREEZE_ROUNDS):
        try:
            found = [root, *root.children(recursive=True)]
        except psutil.Error:
            found = [root]
        new = [proc for proc in found if proc.pid not in family]
        if not new:
            break
        for proc in new:
            family[proc.pid] = proc
            with contextlib.suppress(psutil.Error):
                proc.suspend()
        _wait_stopped(new)
    for proc in family.values():
        with contextlib.suppress(psutil.Error):
            proc.kill()
    if group is not None and hasattr(os, "killpg"):
        with contextlib.suppress(OSError):
            os.killpg(group, signal.SIGKILL)
    # The root is the caller's own child, reaped by its Popen: reaped here first, it would be
    # left with no exit status to give (Popen then says 0 where the kill made it -9).
    psutil.wait_procs([proc for pid, proc in family.items() if pid != root.pid], timeout=2)


_FREEZE_ROUNDS = 1_000
"""Rounds of reading and stopping a tree before it is killed (a tree that deep was never seen:
a round ends once every member is stopped, and a stopped one starts nothing)."""
_STOP_LOOKS = 1_000
"""Looks at a round's members, a millisecond apart, before the tree is read again anyway (a
process takes a ``SIGSTOP`` as soon as it next runs: on a busy machine, a few milliseconds)."""
_NOT_RUNNING = frozenset(
    {psutil.STATUS_STOPPED, psutil.STATUS_TRACING_STOP, psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD}
)


def _wait_stopped(procs: list[psutil.Process]) -> None:
    """Wait until each of ``procs`` has stopped (or ended), where the system shows it (POSIX:
    Windows suspends a process's threads before it returns)."""
    if os.name != "posix":  # pragma: no cover - Windows
        return
    waiting = procs
    for _ in range(_STOP_LOOKS):
        waiting = [proc for proc in waiting if _running(proc)]
        if not waiting:
            return
        time.sleep(0.001)


def _running(proc: psutil.Process) -> bool:
    try:
        return proc.status() not in _NOT_RUNNING
    except psutil.Error:
        return False


_PR_SET_CHILD_SUBREAPER = 36
_SWEEP_ROUNDS = 100_000
"""Rounds of stopping and killing a run's leftovers before giving up (a chain that outran
the kill that long; never seen)."""
_live_sessions: set[int] = set()
"""Sessions of the runs still going in this process (each run starts one: its root's pid)."""
_counting = threading.RLock()
"""Held while a launcher starts and is counted among the runs still going (``no_sweep``), and
while a sweep looks for strays and ends them: of runs side by side (``run_each``), one's sweep
never sees the other's launcher in the moment between its own session and its count."""


@functools.cache
def become_subreaper() -> bool:
    """On Linux, adopt the orphans of student runs, so that a detached one can still be found."""
    if sys.platform != "linux":
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _session(pid: int) -> int | None:
    """The session of a process (Linux, from ``/proc``), or ``None``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        return int(stat.rpartition(")")[2].split()[3])
    except (OSError, ValueError, IndexError):
        return None


def sweep(session: int) -> None:
    """Kill every process left behind by the run whose session is ``session``, until none is
    left (Linux).

    No mark in the environment says which processes are a run's (the student's program would
    see it): each run starts a session of its own, and the kit's own processes stay in the
    kit's. A process that left the run's session (``setsid``) is in none of the kit's and of
    no run still going. Orphans come to this process (a subreaper), so that whatever a run
    left (double forks, a chain that keeps forking and exiting, a process stopped by SIGSTOP)
    is always among this process's own children: each round stops and kills those, reaps
    them, and looks again, until a round finds none. Each round reads a few files of
    ``/proc`` and no more, so that a chain cannot fork faster than it is stopped.
    """
    if sys.platform != "linux":
        return
    if not become_subreaper():
        _sweep_session(session)
        return
    end_strays()


def end_strays() -> None:
    """Kill every process this process adopted that is in none of the kit's sessions and of no
    run still going (Linux, with a subreaper), round after round until none is left: a run's
    orphan that left its session, whether that run has ended or still goes on."""
    if not become_subreaper():
        return
    ours = _session(os.getpid())
    for _ in range(_SWEEP_ROUNDS):
        with _counting:
            strays = [
                pid for pid in _children() if _session(pid) not in (None, ours, *_live_sessions)
            ]
            for kind in (signal.SIGSTOP, signal.SIGKILL):  # stopped first: none forks meanwhile
                for pid in strays:
                    with contextlib.suppress(OSError):
                        os.kill(pid, kind)
        if not strays:
            return
        for pid in strays:
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(pid, os.WNOHANG)


def _sweep_session(session: int) -> None:
    """Without a subreaper: kill the processes still in the run's own session, once."""
    left: list[psutil.Process] = []
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            if _session(proc.pid) == session:
                proc.kill()
                left.append(proc)
    psutil.wait_procs(left, timeout=2)


def _children(process: str = "/proc/self") -> list[int]:
    """A process's own children (this one's by default), from ``/proc`` (no walk of every
    process)."""
    found: list[int] = []
    for children in Path(process, "task").glob("*/children"):
        with contextlib.suppress(OSError, ValueError):
            found += [int(pid) for pid in children.read_text().split()]
    return found


def group_of(proc: Launched) -> int | None:
    """The process group a run started (POSIX), to kill at once; none on Windows."""
    return proc.pid if hasattr(os, "killpg") else None


def run_family(root: psutil.Process, session: int | None) -> list[psutil.Process]:
    """The processes of a run still going, its root first: every process the root started and,
    on Linux, the run's orphans this process adopted (a subreaper) that are still in the run's
    ``session``, with every process they started. A double fork leaves the root's tree, not the
    run: its memory and its processes still count. An orphan that left the session as well is
    a stray, which ``end_strays`` ends. Read from each member's own list of children in
    ``/proc``, which costs what the run holds, not what the machine runs."""
    if not _children_listed():
        try:
            return [root, *root.children(recursive=True)]
        except psutil.Error:
            return [root]
    adopted = [pid for pid in _children() if session is not None and _session(pid) == session]
    family, seen = [root], {root.pid}
    waiting = [*_children(f"/proc/{root.pid}"), *adopted]
    while waiting:
        pid = waiting.pop()
        if pid in seen:
            continue
        seen.add(pid)
        waiting += _children(f"/proc/{pid}")
        with contextlib.suppress(psutil.Error):
            family.append(psutil.Process(pid))
    return family


@functools.cache
def _children_listed() -> bool:
    """Whether ``/proc`` lists each process's children (Linux built with ``PROC_CHILDREN``)."""
    return Path(f"/proc/self/task/{os.getpid()}/children").exists()


def size_text(count: int) -> str:
    """A number of bytes as a person reads it: ``1.4 GiB``, ``256 MiB``, ``12 KiB``."""
    if count < 1024:
        return f"{count} bytes"
    value, unit = count / 1024, "KiB"
    for larger in ("MiB", "GiB"):
        if value < 1024:
            break
        value, unit = value / 1024, larger
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"


def stop_group(group: int | None) -> None:
    """Kill a run's process group at once (POSIX); the rest of the tree goes after."""
    if group is not None:
        with contextlib.suppress(OSError):
            os.killpg(group, signal.SIGKILL)


CGROUP = Path("/sys/fs/cgroup")
"""Where Linux mounts the control groups; a container sees its own group at their root."""
_V1_CPU = ("cpu", "cpu,cpuacct", "cpuacct,cpu")
"""The names cgroup v1's CPU controller is mounted under (``cpu`` is most often a link)."""


def usable_cores(cgroup: Path | None = None) -> int:
    """The cores this process may keep busy: those its affinity allows, where the system tells
    it, and no more than its control group's CPU quota. A container started with ``--cpus=2``
    (Docker, a GitLab runner) on a host of 64 cores sees 64 cores and may use two."""
    if hasattr(os, "sched_getaffinity"):
        cores = len(os.sched_getaffinity(0))
    else:  # pragma: no cover - macOS and Windows
        cores = os.cpu_count() or 1
    quota = cpu_quota(cgroup or CGROUP)
    return max(1, min(cores, quota)) if quota is not None else cores


def cpu_quota(cgroup: Path) -> int | None:
    """The cores the CPU quota of the control groups mounted at ``cgroup`` allows, rounded up,
    or ``None`` where none is set (and off Linux).

    cgroup v2: ``cpu.max`` at the root, ``"max 100000"`` or ``"200000 100000"`` (200 ms of CPU
    in every 100 ms: two cores); cgroup v1: ``cpu.cfs_quota_us`` (``-1``: none) over
    ``cpu.cfs_period_us`` in the ``cpu`` controller's folder (``cpu``, or ``cpu,cpuacct`` where
    no link of that name is made). Read at the root, where a container sees its own group, as
    joblib's loky reads them; a quota on a group below the root (``systemd-run -p CPUQuota``, a
    container that shares the host's groups) is not read, and the affinity alone counts there.
    Written here rather than taken from loky, whose import takes about 0.1 s and brings a
    process pool the kit does not use, for two small files."""
    try:
        words = (cgroup / "cpu.max").read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError):
        words = []
        for controller in _V1_CPU:
            folder = cgroup / controller
            try:
                words = [
                    (folder / name).read_text(encoding="ascii").strip()
                    for name in ("cpu.cfs_quota_us", "cpu.cfs_period_us")
                ]
            except (OSError, UnicodeDecodeError):
                continue
            break
    try:
        quota, period = int(words[0]), int(words[1])
    except (ValueError, IndexError):  # "max", or no file: no quota
        return None
    if quota <= 0 or period <= 0:
        return None
    return -(-quota // period)


@contextlib.contextmanager
def no_sweep() -> Generator[None, None, None]:
    """Hold every sweep of this process off while a launcher starts and is counted among the
    runs still going (``holding_session``), which its caller does before leaving."""
    with _counting:
        yield


def holding_session(session: int) -> None:
    """Count ``session`` among the runs still going until ``released_session``: no sweep ends
    its processes. A launcher is counted from its start (``no_sweep``) to its run's end, or to
    its end unused (a launcher started ahead of its run, ``spare``)."""
    with _counting:
        _live_sessions.add(session)


def released_session(session: int) -> None:
    """Count ``session`` no longer among the runs still going."""
    with _counting:
        _live_sessions.discard(session)
