"""Run a student's file the way ``python FILE`` runs it, safely, and describe what happened.

The file runs in a child process of the interpreter that runs the kit, inside a throwaway copy
of its folder, with stdin closed, a timeout, a cap on each output stream and (on POSIX) resource
limits. Every run enters the child one way: ``checks/child/launch.py``, from a private copy of
the child package outside the student's folder, given its orders on stdin. The child judges
the read, parse and compile stages itself and seals that verdict on a pipe of its own before
the code starts, so the verdict belongs to the Python under test and the code cannot change
it; the run stage is the real run. The shell's ``PYTHON*`` variables reach neither the verdict
nor the program (``-E``), and nothing of the kit is in the child's environment or on its
``sys.path``.

This module holds running a file: what to run, in which copy, with which orders, and the
child started from its private copy; the rest of a run has a module of its own in ``run/``:
``limits`` (the limits and the process tree), ``copy`` (the throwaway copy, the student's
file checked, the child's private copy), ``environment`` (what the child is started with),
``watch`` (the child watched, stopped and judged), ``cache`` (the run cache) and ``forks`` (on
Linux, the launcher forked by a fork server, which has paid for the interpreter's start once;
started as before when none can fork it). It imports them, ``sandbox`` and ``winjob``; nothing
in ``run/`` imports it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Generator, Hashable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

if sys.platform == "win32":  # pragma: no cover - Windows
    import msvcrt

from checks.cache import digest_tree
from checks.model import Run
from checks.run import forks, sandbox, spare, winjob
from checks.run.cache import in_use, was_stopped
from checks.run.copy import (
    StudentFileError,
    check_student_file,
    child_copy,
    copy_digest,
    copy_name,
    throwaway_copy,
)
from checks.run.environment import child_environment, child_python, hidden_folders
from checks.run.facts import FACTS_CAP, new_nonce, read_sealed
from checks.run.limits import (
    Limits,
    become_subreaper,
    holding_session,
    no_sweep,
    released_session,
    rlimit_orders,
    sweep,
    usable_cores,
)
from checks.run.spare import Started
from checks.run.watch import watch

__all__ = ["launches", "run_each", "run_file", "run_files", "stops"]

_launched = 0
_stops = 0
_counting = threading.Lock()
"""Held while the two counts move: runs side by side (``run_each``) count from their threads."""


def launches() -> int:
    """How many programs ``run_file`` has started in this process (cache hits start none)."""
    return _launched


def stops() -> int:
    """How many runs in this process the kit stopped, or a signal killed."""
    return _stops


def run_file(
    file: Path,
    *,
    folder: Path | None = None,
    overlays: Mapping[str, Path] | None = None,
    limits: Limits | None = None,
    python: str | None = None,
    cached: bool = True,
    calls: Sequence[str] | None = None,
    token: str = "",
    helpers: bool = False,
    shared: Sequence[Path] = (),
) -> Run:
    """Run ``file`` as ``python FILE`` would, in a throwaway copy of ``folder``.

    Args:
        file: the file to run; inside ``folder`` (or named relative to it) when one is given.
        folder: the folder copied for the run (default: the file's own folder).
        overlays: files laid over the copy, by their name relative to ``folder``.
        limits: the timeout, output cap and resource limits (default: ``Limits()``).
        python: the interpreter (default: the one running the kit).
        cached: whether the session's ``RunCache`` (``use_cache``) may answer; give False
            for a program that reads files outside ``folder``, which no key can hold.
        calls: instead of running the file as ``__main__``, load it as a module and make
            these calls (Python expressions), answering each on stdout after ``token``.
        helpers: the file is the kit's own driver, which may import the child package (and
            hides it before it loads the student's module).
        shared: folders outside ``folder`` the program may read and change when it is
            confined (the samples a driver hands to the student's functions; the caller
            checks what changed there).
    """
    limits = limits or Limits()
    folder = folder or file.parent
    relative = Path(file.name) if not file.is_absolute() and file.parent == Path() else None
    if relative is None:
        try:
            relative = file.resolve().relative_to(folder.resolve())
        except ValueError:
            relative = Path(file.name)
            overlays = {**(overlays or {}), file.name: file}
    source = (overlays or {}).get(str(relative), folder / relative)
    check_student_file(source)
    python = python or sys.executable
    orders: list[str] = []
    if calls is not None:
        orders += ["mode=calls", f"token={token}", *(f"call={c}" for c in calls)]
    if helpers:
        orders.append("helpers=1")
    cache = in_use() if cached else None
    # The cache is asked before any copy is made: a run it answers costs no copy. Its key
    # holds what the copy would hold (``copy_digest``), or, for a folder with links or pipes,
    # the copy itself as made.
    held = copy_digest(folder, overlays) if cache is not None else None
    key = ""
    if cache is not None and held is not None:
        key = cache.key(held, relative, file, folder, limits, python, orders)
        if (kept := cache.load(key, file)) is not None:
            sandbox.note(kept.confinement)
            return kept
    # A plain run of a file at the top of its folder may take a launcher started ahead.
    plain = relative.parent == Path() and not orders
    ahead = _spare_key(python, folder) if plain and spare.kept() else None
    taken = spare.take(ahead) if ahead is not None else None
    try:
        with throwaway_copy(folder, overlays, base=taken and taken.base) as work:
            if cache is not None and key:
                # The files changed while they were copied: this run is kept under no key.
                key = key if copy_digest(folder, overlays) == held else ""
            elif cache is not None:
                key = cache.key(_made(work), relative, file, folder, limits, python, orders)
                if (kept := cache.load(key, file)) is not None:
                    sandbox.note(kept.confinement)
                    return kept
            _count_launch()
            started, taken = taken and taken.started, None
            run = _run_in(
                work / relative, file, work, folder, limits, python, orders, shared, started
            )
            _count_end(run)
            if cache is not None and key:
                cache.store(key, run)
    finally:
        if taken is not None:  # taken, never used: the cache answered or the copy failed
            spare.discard(taken)
    if ahead is not None:
        spare.leave(ahead[0], copy_name(folder), lambda base, cwd: _start(python, base, cwd))
    return run


def run_each(
    files: Sequence[Path], *, limits: Limits | None = None, python: str | None = None
) -> list[Run]:
    """Run each file as ``run_file`` does (a copy of its own folder, the session's cache), side
    by side on the cores this process may use: their ``Run``s, in the order given.

    Each run keeps its own limits, copy and session, and is timed on its own clock, which does
    not count the time it waited for a core (``checks.run.watch``): two runs beside each other
    get the verdicts they get one after the other. The first error of a file (in the order
    given: ``StudentFileError``) is raised, and runs not yet started are not started. One
    difference: a process that a program moves out of its run's session (``setsid``) belongs to
    no run, and the sweep at the end of a run beside it may end it before its own run's end.
    """
    side_by_side = min(len(files), usable_cores())
    if side_by_side <= 1:
        return [run_file(file, limits=limits, python=python) for file in files]
    pool = ThreadPoolExecutor(max_workers=side_by_side, thread_name_prefix="checks-run")
    try:
        runs = [pool.submit(run_file, file, limits=limits, python=python) for file in files]
        return [run.result() for run in runs]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _count_launch() -> None:
    global _launched  # noqa: PLW0603 - counts for the session
    with _counting:
        _launched += 1


def _count_end(run: Run) -> None:
    global _stops  # noqa: PLW0603 - counts for the session
    sandbox.note(run.confinement)
    with _counting:
        _stops += was_stopped(run)


def _spare_key(python: str, folder: Path) -> tuple[Hashable, tuple[tuple[str, str], ...]]:
    """All a launcher started ahead for a plain run of ``python`` from a copy of ``folder`` is
    started with, less its run's folder (``spare``): the interpreter, the child's private copy
    and the copy's name, then the environment."""
    here = (python, child_python(python), str(child_copy()), copy_name(folder))
    return here, spare.unplaced(child_environment(python, home=None, temporary=None))


def _made(work: Path) -> str:
    """What a copy holds, read from the copy itself (``copy_digest`` had none to give)."""
    return "made\0" + digest_tree(work, caches=True)


def run_files(
    files: Sequence[Path], *, limits: Limits | None = None, python: str | None = None
) -> Generator[Run | StudentFileError, None, None]:
    """Run each file as ``run_file`` does (uncached), in the order given: its ``Run``, or why
    it cannot be run.

    Files of one folder share one throwaway copy of it for as long as no run changes the copy
    (a program that writes a file, or imports one and leaves its ``.pyc``, gets the next file
    a fresh copy): many files of one folder cost one copy, not one each.
    """
    limits = limits or Limits()
    python = python or sys.executable
    with contextlib.ExitStack() as held:
        copied: tuple[Path, Path, frozenset[tuple[object, ...]]] | None = None
        refused: dict[Path, StudentFileError] = {}
        for file in files:
            try:
                check_student_file(file)
            except StudentFileError as error:
                yield error
                continue
            folder = file.parent
            if folder.resolve() in refused:
                yield refused[folder.resolve()]
                continue
            if copied is None or copied[0] != folder.resolve() or _looks(copied[1]) != copied[2]:
                held.close()
                copied = None
                try:
                    work = held.enter_context(throwaway_copy(folder))
                except StudentFileError as error:  # the folder cannot be copied (too large)
                    refused[folder.resolve()] = StudentFileError(f"cannot run {file}: {error}")
                    yield refused[folder.resolve()]
                    continue
                copied = (folder.resolve(), work, _looks(work))
            _count_launch()
            run = _run_in(copied[1] / file.name, file, copied[1], folder, limits, python, ())
            _count_end(run)
            yield run


def _looks(work: Path) -> frozenset[tuple[object, ...]]:
    """What a run could change in a copy: every entry's name, kind, size, inode and times."""
    seen: set[tuple[object, ...]] = set()
    for directory, dirs, files in os.walk(work):
        for name in [*dirs, *files]:
            with contextlib.suppress(OSError):
                info = os.lstat(os.path.join(directory, name))  # noqa: PTH118 - os.walk's str
                kind, size, inode = info.st_mode, info.st_size, info.st_ino
                seen.add((directory, name, kind, size, inode, info.st_mtime_ns, info.st_ctime_ns))
    seen.add(("", "", os.lstat(work).st_ctime_ns))
    return frozenset(seen)


def _run_in(
    path: Path,
    shown: Path,
    work: Path,
    folder: Path,
    limits: Limits,
    python: str,
    orders: Sequence[str],
    shared: Sequence[Path] = (),
    started: Started | None = None,
) -> Run:
    # The copy's own folder (made by throwaway_copy) holds it, the program's temporary folder
    # and its home folder: confined, the program may read and write there (and in ``shared``),
    # nowhere else.
    base = work.parent
    driver = "helpers=1" in orders  # the kit's driver: confined at its load of the student's code
    spec = sandbox.spec_line([base, *shared], driver=driver)
    seatbelt = sandbox.seatbelt([base, *shared], driver=driver)
    applied = "off" if sandbox.mode() == "off" else sandbox.SEATBELT_NAME if seatbelt else ""
    if started is None:
        started = _start(python, base, path.parent, seatbelt, sealed=_sealed(orders), driver=driver)
    given = [
        *rlimit_orders(limits),
        f"seal={started.pipes[0]}",
        f"report={started.pipes[1]}",
        *([f"facts={started.pipes[2]}", f"nonce={started.nonce}"] if started.facts >= 0 else []),
        f"file={path}",
        f"shown={path}",
        *(f"hide={h}" for h in hidden_folders()),
        *orders,
        # The spec's fields (NUL apart, as the orders are) travel as one order each.
        *(f"confine={field}" for field in spec.split("\0") if spec.strip()),
    ]
    proc = started.proc
    # Windows: a job holds the process count and memory, and kills all it holds when closed.
    job = winjob.contain(proc, processes=limits.processes, memory=limits.memory)
    try:
        heard = bytearray()
        run = watch(
            proc,
            shown,
            work,
            folder,
            limits,
            given,
            started.seal,
            started.report,
            (started.facts, heard),
        )
        run = _with_facts(run, heard, started.nonce) if started.facts >= 0 else run
        return replace(run, confinement=applied) if applied else run
    finally:
        winjob.close(job)
        released_session(proc.pid)  # counted since its start (``_start``)
        sweep(proc.pid)


def _start(
    python: str,
    base: Path,
    cwd: Path,
    seatbelt: Sequence[str] = (),
    *,
    sealed: bool = False,
    driver: bool = False,
) -> Started:
    """Start the launcher for a run in ``base`` (its home and temporary folders made there),
    from ``cwd``: it waits for its orders. ``sealed``: with a sealed channel for its facts;
    ``driver``: for the kit's driver (forked by the drivers' server, ``forks``)."""
    temporary, home = base / "tmp", base / "home"
    temporary.mkdir(exist_ok=True)
    home.mkdir(exist_ok=True)
    become_subreaper()
    environment = _environment(python, base, cwd)
    if not seatbelt and forks.forking():
        # Forked by the fork server (Linux): this launcher without Python's start to pay for.
        with no_sweep():  # counted among the runs still going before a sweep can see it
            started = forks.launch(python, environment, cwd, sealed=sealed, driver=driver)
            if started is not None:
                holding_session(started.proc.pid)
                return started
    seal_read, seal_write = os.pipe()
    report_read, report_write = os.pipe()
    # Trials and drivers speak on a sealed channel of their own (checks/run/facts.py).
    facts_read, facts_write = os.pipe() if sealed else (-1, -1)
    writers = [fd for fd in (seal_write, report_write, facts_write) if fd >= 0]
    popen_extra: dict[str, object] = {}
    pipes = [str(fd) for fd in writers]
    if os.name == "posix":
        # No preexec_fn: Popen then starts the child with vfork on every Python from 3.10
        # (a session of its own included); the launcher sets the limits (rlimit_orders).
        popen_extra["start_new_session"] = True
        popen_extra["pass_fds"] = tuple(writers)
    else:  # pragma: no cover - Windows: reviewed by reading, not run here
        popen_extra["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
        handles = [msvcrt.get_osfhandle(fd) for fd in writers]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType, reportUnknownVariableType]
        for handle in handles:  # pyright: ignore[reportUnknownVariableType]
            os.set_handle_inheritable(handle, True)  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType, reportUnknownArgumentType]
        popen_extra["startupinfo"] = subprocess.STARTUPINFO(  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
            lpAttributeList={"handle_list": handles}
        )
        pipes = [f"h{handle}" for handle in handles]  # pyright: ignore[reportUnknownVariableType]
    ours, theirs = _orders_channel()
    # Counted among the runs still going before a sweep (of a run beside it, ``run_each``)
    # can see it, in its own session and not yet counted.
    with no_sweep():
        try:
            child = [child_python(python), "-E", "-S", "-u", "-X", "utf8", str(child_copy())]
            proc = subprocess.Popen(
                [*seatbelt, *child],
                cwd=cwd,
                env=environment,
                stdin=subprocess.PIPE if theirs is None else theirs.fileno(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                bufsize=0,
                **popen_extra,  # type: ignore[arg-type]
            )
            holding_session(proc.pid)
        except BaseException:
            for fd in (seal_read, report_read, facts_read):
                if fd >= 0:
                    os.close(fd)
            if ours is not None:
                ours.close()
            raise
        finally:
            for fd in writers:
                os.close(fd)
            if theirs is not None:
                theirs.close()
    if ours is not None:
        proc.stdin = ours.makefile("wb")
        ours.close()  # the file holds the socket until it is closed: the launcher's end of file
    kept = spare.unplaced(environment)
    return Started(proc, seal_read, report_read, facts_read, tuple(pipes), new_nonce(), kept)


def _orders_channel() -> tuple[socket.socket, socket.socket] | tuple[None, None]:
    """Our end and the launcher's of the channel of its orders, or none (a pipe then). On
    Linux the orders go over a Unix socket: a pipe can be opened again for writing through
    /proc/PID/fd/0 by any process of the user's, so that the orders of a launcher that waits
    (a spare) could be written by another hand; a socket cannot (ENXIO)."""
    if sys.platform.startswith("linux"):
        return socket.socketpair()
    return None, None  # pragma: no cover - macOS and Windows: reviewed by reading, not run here


def _environment(python: str, base: Path, cwd: Path) -> dict[str, str]:
    """The environment of a run in ``base`` started from ``cwd``."""
    return {
        **child_environment(python, home=base / "home", temporary=base / "tmp"),
        "PWD": str(cwd),
    }


def _sealed(orders: Sequence[str]) -> bool:
    """Whether the run speaks on a sealed channel: a trial, or the kit's own driver."""
    return "mode=calls" in orders or "helpers=1" in orders


def _with_facts(run: Run, heard: bytearray, nonce: str) -> Run:
    """The run with what its sealed channel said (``checks.run.facts``)."""
    data = bytes(heard)
    sealed = read_sealed(data[:FACTS_CAP], nonce, cut=len(data) > FACTS_CAP)
    return replace(run, facts=sealed.records, facts_ended=sealed.ended, tampered=sealed.tampered)
