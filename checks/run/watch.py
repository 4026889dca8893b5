"""Watching a running child and judging what it said: the parent's side of one run, from the
moment the child has started to the ``Run`` that describes it.

The child is given its orders on stdin; its output pipes are read by threads into bounded
buffers, and its seal and report pipes to their end; while it runs, its program's own time
(``_ProgramClock``: from the seal, less the time it waited for a CPU), its output and its
process count are held to the ``Limits``, and it is stopped the moment one is met. The stage
comes from what the child sealed before the code started and from how the process ended.

It imports the kit's vocabulary (``checks.model``) and, in ``run/``, the limits and the
process tree and the sandbox's messages; ``program`` imports it.
"""

from __future__ import annotations

import ast
import contextlib
import os
import signal
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import cast

import psutil

from checks.model import Run, Stage
from checks.run import sandbox
from checks.run.facts import FACTS_CAP
from checks.run.holdings import UncountedError, folder_bytes, held_files, tree_held
from checks.run.launched import Launched
from checks.run.limits import (
    Limits,
    end_strays,
    group_of,
    kill_tree,
    run_family,
    size_text,
    stop_group,
)

__all__ = ["watch"]

_READ_CHUNK = 64 * 1024
_POLL = 0.1
"""Seconds between two looks at a running program's process count."""
_REPORT_CAP = 64 * 1024
"""Bytes kept of what the child says on its seal and report pipes."""
_START_GRACE = 10.0
"""Seconds an interpreter may take to start and judge the file, on top of the timeout."""
_SLOWEST = 10
"""How many times its timeout a run may take on a machine too busy to give it a CPU."""
_TIMED_OUT = "it did not finish within {seconds:g} seconds"
_FLOODED = "it printed more than {cap} bytes"
_FORKED = "it started more than {count} processes at once"
_THREADS = "it ran more than {count} threads at once"
_CPU = (
    "it used {used:.1f} seconds of CPU across its processes; the limit is {limit:g} seconds"
    " (twice its timeout)"
)
CPU_SHARE = 2
"""Times its timeout a run's processes may use of CPU together: a program waits for a CPU that
its own processes keep busy, and that wait is not counted in its time (``_ProgramClock``)."""
_MEMORY = "it used {used} of memory across {count} processes; the limit is {limit}"
_DISK = (
    "it wrote {written} into its folders (its copy, its temporary folder and its home folder)"
    "{held}; the limit is {limit}"
)
_HELD = " and into files it held open after it deleted them or made in memory"
_HIDDEN = (
    "it hid its open files from the kit (it made itself undumpable), so what it wrote could not"
    " be counted; the limit is {limit}"
)


@dataclass
class _Streams:
    """Both output pipes, read by threads into bounded buffers, with their arrival order."""

    cap: int
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    merged: list[tuple[str, bytes]] = field(default_factory=list[tuple[str, bytes]])
    cut: bool = False
    cut_at: float = 0.0
    """When the cap was crossed (``time.monotonic``)."""
    overflow: threading.Event = field(default_factory=threading.Event)
    stop: list[object] = field(default_factory=list[object])
    """What stops the program the moment the cap is crossed (set once it has started)."""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def pump(self, name: str, fd: int) -> None:
        """Read one pipe to its end, keeping at most ``cap`` bytes of it."""
        kept = self.stdout if name == "stdout" else self.stderr
        while True:
            try:
                chunk = os.read(fd, _READ_CHUNK)
            except OSError:
                break
            if not chunk:
                break
            with self._lock:
                room = self.cap - len(kept)
                if room <= 0 or len(chunk) > room:
                    chunk = chunk[: max(room, 0)]
                    if not self.cut:
                        self.cut, self.cut_at = True, time.monotonic()
                        # Stopped here, at once: however slow the machine, the cap is met
                        # before the timeout by a program that prints too much.
                        for stop in self.stop:
                            if callable(stop):
                                stop()
                    self.overflow.set()
                if chunk:
                    kept.extend(chunk)
                    self.merged.append((name, chunk))
            # Past the cap the rest is read and dropped until the program is stopped.


def _read_all(fd: int, kept: bytearray, cap: int, heard: threading.Event | None = None) -> None:
    """Read a pipe to its end, keeping at most ``cap`` bytes; ``heard`` is set at the first."""
    while True:
        try:
            chunk = os.read(fd, _READ_CHUNK)
        except OSError:
            break
        if not chunk:
            break
        kept.extend(chunk[: max(cap - len(kept), 0)])
        if heard is not None:
            heard.set()
    os.close(fd)


def watch(
    proc: Launched,
    shown: Path,
    work: Path,
    folder: Path,
    limits: Limits,
    given: Sequence[str],
    seal_read: int,
    report_read: int,
    facts: tuple[int, bytearray] = (-1, bytearray()),
) -> Run:
    """Give the child its orders, read all it says, and stop it when a limit is met."""
    root = psutil.Process(proc.pid)
    group = group_of(proc)
    session = group  # the run's session: its root's, as its group is (POSIX)
    if proc.stdin is None or proc.stdout is None or proc.stderr is None:  # pragma: no cover
        msg = "the child process has no pipes"
        raise RuntimeError(msg)
    # What the copy held before the program ran: only what the run adds counts.
    folders = work.parent
    try:
        floor = folder_bytes(folders)
    except UncountedError:
        floor = 0  # the kit's own copy: its folders are read and shallow
    streams = _Streams(cap=limits.output_cap)
    streams.stop.append(lambda: stop_group(group))
    sealed, report = bytearray(), bytearray()
    started = threading.Event()
    readers = [
        threading.Thread(target=streams.pump, args=(name, pipe.fileno()), daemon=True)
        for name, pipe in (("stdout", proc.stdout), ("stderr", proc.stderr))
    ] + [
        threading.Thread(target=_read_all, args=(fd, kept, _REPORT_CAP, heard), daemon=True)
        for fd, kept, heard in ((seal_read, sealed, started), (report_read, report, None))
    ]
    if facts[0] >= 0:
        readers.append(
            threading.Thread(target=_read_all, args=(*facts, FACTS_CAP + 1), daemon=True)
        )
    for reader in readers:
        reader.start()
    with contextlib.suppress(OSError):
        proc.stdin.write("\0".join(given).encode("utf-8", "surrogateescape"))
    with contextlib.suppress(OSError):
        proc.stdin.close()

    exited = threading.Event()
    threading.Thread(target=lambda: (proc.wait(), exited.set()), daemon=True).start()
    clock = _ProgramClock(proc.pid)
    wall_deadline = time.monotonic() + limits.timeout + _START_GRACE
    timed_out = too_many = False
    over: str | None = None
    stopped_at = 0.0
    while not exited.is_set():
        if streams.overflow.is_set():
            break
        if clock.start is None and started.is_set():
            clock.begin()
        remaining = (
            limits.timeout - clock.used()
            if clock.start is not None
            else wall_deadline - time.monotonic()
        )
        if remaining <= 0:
            timed_out, stopped_at = True, time.monotonic()
            break
        if exited.wait(min(remaining, _POLL)):
            break
        end_strays()  # a run's orphan that left its session: no run's caps would count it
        family = run_family(root, session)
        if len(family) - 1 >= limits.processes:
            too_many = True
            break
        if over := _over_the_whole_run(family, folders, floor, limits):
            break
    if exited.is_set() and group is not None:
        # It ended by itself: its group (if anything is left in it) goes at once.
        with contextlib.suppress(OSError):
            os.killpg(group, signal.SIGKILL)
    else:
        kill_tree(root, group)
    status = proc.wait()
    for reader in readers:
        reader.join(timeout=2)
    proc.stdout.close()
    proc.stderr.close()
    # A program that wrote past the cap between two looks and ended is caught here.
    over = over or _over_disk(folders, floor, limits)
    # The cap, when crossed before the time was up, says why the run was stopped.
    timed_out = timed_out and not (streams.cut and streams.cut_at <= stopped_at)
    stopped = (
        _TIMED_OUT.format(seconds=limits.timeout)
        if timed_out
        else _FLOODED.format(cap=limits.output_cap)
        if streams.cut
        else _FORKED.format(count=limits.processes)
        if too_many
        else over
    )
    said = _said(bytes(sealed))
    ended = _said(bytes(report))
    return _judge(shown, work, folder, status, streams, said[:1], ended, stopped, timed_out)


def _over_the_whole_run(
    family: list[psutil.Process], folders: Path, floor: int, limits: Limits
) -> str | None:
    """What the run's processes hold together past a cap (threads, CPU, memory, bytes in its
    folders and in files no folder shows), in words, or ``None``: read by the parent from
    outside, where no program can change it."""
    used, threads, cpu = tree_held(family)
    if threads > limits.threads:
        return _THREADS.format(count=limits.threads)
    if cpu > limits.timeout * CPU_SHARE:
        return _CPU.format(used=cpu, limit=limits.timeout * CPU_SHARE)
    if used > limits.memory:
        count = len(family)
        return _MEMORY.format(
            used=_past(used, limits.memory), count=count, limit=size_text(limits.memory)
        )
    held = held_files(family)
    if held is None:
        return _HIDDEN.format(limit=size_text(limits.disk))
    return _over_disk(folders, floor, limits, held)


def _over_disk(folders: Path, floor: int, limits: Limits, held: int = 0) -> str | None:
    """Whether the run added more than its cap of bytes to its folders and to the files it
    holds open that no folder shows (``held``), in words, or ``None``."""
    try:
        written = folder_bytes(folders) - floor + held
    except UncountedError as error:
        return str(error)
    if written > limits.disk:
        return _DISK.format(
            written=_past(written, limits.disk),
            held=_HELD if held else "",
            limit=size_text(limits.disk),
        )
    return None


def _past(used: int, limit: int) -> str:
    """How much a run used past a cap, in words that never read as the cap itself: ``1.2 GiB``,
    or ``more than 1 GiB`` where both round alike."""
    text = size_text(used)
    return f"more than {text}" if text == size_text(limit) else text


def _runqueue_wait(pid: int) -> float:
    """Seconds the process has waited for a CPU while ready to run (Linux), or 0."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


class _ProgramClock:
    """The time a run's program has had: from when its code started (the seal is out), not
    while the interpreter starts, and less the time it waited for a CPU, so that a busy
    machine does not use up its timeout (however busy, it is stopped after ``_SLOWEST``
    times its timeout)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.start: float | None = None
        self._waited = 0.0

    def begin(self) -> None:
        """Start counting: the program's code starts now."""
        self.start, self._waited = time.monotonic(), _runqueue_wait(self.pid)

    def used(self) -> float:
        """Seconds of the program's own time so far."""
        if self.start is None:
            return 0.0
        wall = time.monotonic() - self.start
        waited = max(_runqueue_wait(self.pid) - self._waited, 0.0)
        return wall - min(waited, wall * (1 - 1 / _SLOWEST))


def _said(data: bytes) -> list[dict[str, object]]:
    """The ``repr`` lines the child wrote on one of its pipes, each a dict."""
    found: list[dict[str, object]] = []
    for line in data.decode("utf-8", "replace").splitlines():
        with contextlib.suppress(ValueError, SyntaxError, MemoryError, RecursionError):
            value = ast.literal_eval(line)
            if isinstance(value, dict):
                found.append(cast("dict[str, object]", value))
    return found


def _judge(
    shown: Path,
    work: Path,
    folder: Path,
    status: int,
    streams: _Streams,
    sealed: list[dict[str, object]],
    ended: list[dict[str, object]],
    stopped: str | None,
    timed_out: bool,
) -> Run:
    """Turn what the child sealed, reported and printed into a ``Run``.

    The stage comes from what was sealed before the code started (read, parse, compile, or
    started) and from how the process ended; what the child reported after (the exception,
    its line) only describes a run the code itself ended, which it could say anyway.
    """

    def clean(text: str) -> str:
        return text.replace(str(work), str(folder))

    merged = b"".join(chunk for _, chunk in streams.merged).decode("utf-8", "replace")
    verdict = sealed[0] if sealed else {}
    said = str(verdict.get("stage", ""))
    # What confinement applied (the first thing the child reports, before the code starts).
    told_confinement = [str(facts["confinement"]) for facts in ended if "confinement" in facts]
    confinement = told_confinement[0] if told_confinement else ""
    ended = [facts for facts in ended if "confinement" not in facts]
    for facts in ended:
        refused = facts.get("refused")
        if facts.get("stage") == "run" and isinstance(refused, str):
            target = str(facts.get("target") or "")
            facts["message"] = sandbox.refused(refused, target, work, folder)
    base = Run(
        file=shown,
        stage=Stage.RUN,
        stdout=streams.stdout.decode("utf-8", "replace"),
        stderr=clean(streams.stderr.decode("utf-8", "replace")),
        output=clean(merged),
        exit_status=status,
        cut=streams.cut,
        timed_out=timed_out,
        confinement=confinement,
    )

    def told(facts: Mapping[str, object], **more: object) -> Run:
        line = facts.get("line")
        found: dict[str, object] = {
            "error": str(facts.get("error") or "") or None,
            "message": clean(str(facts.get("message") or "")),
            "line": line if isinstance(line, int) else None,
            "source_line": str(facts.get("source_line") or ""),
            "waited_for_input": bool(facts.get("waited_for_input")),
        }
        return replace(base, **{**found, **more})  # pyright: ignore[reportArgumentType]

    if said in ("read", "parse", "compile"):
        return told(verdict, stage=Stage(said))
    if sandbox.mode() == "require" and confinement and not sandbox.confined(confinement):
        why = confinement.removeprefix("not confined: ")
        return replace(
            base, message=f"stopped: it was not run, as it could not be confined ({why})"
        )
    if said != "started":
        if stopped:
            return replace(base, message=f"stopped: {stopped}")
        return replace(
            base,
            message=f"Python stopped with status {status} before the program started"
            if status > 0
            else f"the program was killed by signal {-status}",
        )
    if stopped:
        return replace(base, message=f"stopped: {stopped}")
    last = ended[-1] if ended else {}
    if status == 0:
        crashed = [facts for facts in ended if facts.get("stage") == "run"]
        # A crash is never "ok": one reported crash outweighs an exit status of 0.
        return told(crashed[-1]) if crashed else replace(base, stage=Stage.OK)
    if status < 0:
        return replace(base, message=f"the program was killed by signal {-status}")
    if last.get("stage") == "run":
        return told(last)
    message = f"the program exited with status {status}"
    if last.get("stage") == "exit":
        return told(last, message=message)
    return replace(base, message=message)
