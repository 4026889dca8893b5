"""Run a student's file the way ``python FILE`` runs it, safely, and describe what happened.

The file runs in a child process of the interpreter that runs the kit, inside a throwaway copy
of its folder, with stdin closed, a timeout, a cap on each output stream and (on POSIX) resource
limits. The child judges the read, parse and compile stages itself before the code starts
(``_launcher.py``), so the verdict belongs to the Python under test; the run stage is the real
run. The shell's ``PYTHON*`` variables reach neither the verdict nor the program (``-E``).
"""

from __future__ import annotations

import ast
import contextlib
import ctypes
import functools
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import cast

import psutil

if sys.platform != "win32":
    # Imported here, once: not in every forked child, where an import costs each run.
    import resource

from checks import sandbox
from checks.cache import digest_tree, load_json, prune, store_json
from checks.model import Run, Stage

__all__ = [
    "DEFAULT_TIMEOUT",
    "OUTPUT_CAP",
    "Limits",
    "RunCache",
    "StudentFileError",
    "check_student_file",
    "child_environment",
    "launches",
    "run_file",
    "stops",
    "throwaway_copy",
    "use_cache",
    "was_stopped",
]

DEFAULT_TIMEOUT = 10.0
"""Seconds a student's file may run before it is stopped (the ``checks_timeout`` ini key)."""

OUTPUT_CAP = 1024 * 1024
"""Bytes kept of each output stream; past this the program is stopped and the run says so."""

COPY_CAP = 64 * 1024 * 1024
"""Bytes of an exercise folder copied for a run; a larger folder is refused with a message."""

_READ_CHUNK = 64 * 1024
_POLL = 0.1
"""Seconds between two looks at a running program's output size and process count."""
_LAUNCHER = Path(__file__).with_name("_launcher.py")
_MARK = "\x1echecks:"
_IGNORED = shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.pyc")
_TIMED_OUT = "it did not finish within {seconds:g} seconds"
_FLOODED = "it printed more than {cap} bytes"
_FORKED = "it started more than {count} processes"
_DRIVERS = ("driver.py", "_checks_caller.py")
"""The kit's own scripts that import the kit, then load the student's code: they are confined
at that load (``confine.enter``), not before their own imports."""
_TEMP_VARIABLES = ("TMPDIR", "TEMP", "TMP")
"""Where a program's temporary files go: a private folder beside its copy, removed with it."""
_CHILD_ENV_DROP = (
    "PYTHON",
    "PYTEST_",
    "COLUMNS",
    "LINES",
    "NO_COLOR",
    "FORCE_COLOR",
    "CLICOLOR",
)


class StudentFileError(Exception):
    """A student's file cannot be run at all: it is missing, a folder, or points outside."""


@dataclass(frozen=True)
class Limits:
    """What one run of student code may use."""

    timeout: float = DEFAULT_TIMEOUT
    output_cap: int = OUTPUT_CAP
    memory: int = 1024 * 1024 * 1024
    """Bytes of address space (POSIX)."""
    file_size: int = 64 * 1024 * 1024
    """Largest file the program may write, in bytes (POSIX)."""
    processes: int = 64
    """Processes the program may start at once, counted in its process tree."""


@dataclass
class _Streams:
    """Both output pipes, read by threads into bounded buffers, with their arrival order."""

    cap: int
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    merged: list[tuple[str, bytes]] = field(default_factory=list[tuple[str, bytes]])
    cut: bool = False
    overflow: threading.Event = field(default_factory=threading.Event)
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
                    self.cut = True
                    self.overflow.set()
                if chunk:
                    kept.extend(chunk)
                    self.merged.append((name, chunk))
            # Past the cap the rest is read and dropped until the program is stopped.


def child_environment() -> dict[str, str]:
    """The environment a student's program gets (less the mark of its run)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_CHILD_ENV_DROP)}
    env.update(COLUMNS="80", LINES="24", NO_COLOR="1", PYTHONIOENCODING="utf-8")
    return env


def _child_env(run_id: str) -> dict[str, str]:
    return {**child_environment(), _RUN_MARK: run_id}


def _posix_limits(limits: Limits) -> None:  # pragma: no cover - runs in the child
    def cap(kind: int, value: int) -> None:
        with contextlib.suppress(ValueError, OSError):
            _soft, hard = resource.getrlimit(kind)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(kind, (value, value))

    cap(resource.RLIMIT_AS, limits.memory)
    cap(resource.RLIMIT_FSIZE, limits.file_size)
    cap(resource.RLIMIT_CPU, int(limits.timeout) + 5)
    cap(resource.RLIMIT_CORE, 0)


def _kill_tree(root: psutil.Process, group: int | None) -> None:
    """Kill a process and every process it started, on any system."""
    try:
        family = [root, *root.children(recursive=True)]
    except psutil.Error:
        family = [root]
    for proc in family:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    if group is not None and hasattr(os, "killpg"):
        with contextlib.suppress(OSError):
            os.killpg(group, signal.SIGKILL)
    psutil.wait_procs(family, timeout=2)


_RUN_MARK = "CHECKS_RUN"
"""Environment variable every process of a run inherits, so that escaped ones can be found."""

_PR_SET_CHILD_SUBREAPER = 36


@functools.cache
def _become_subreaper() -> bool:
    """On Linux, adopt the orphans of student runs, so that a detached one can still be found."""
    if sys.platform != "linux":
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _sweep(run_id: str) -> None:
    """Kill every process left behind by the run ``run_id``, even one that left its group."""
    me = psutil.Process()
    try:
        if _become_subreaper():
            if not _adopted():
                return  # the common case: nothing was left behind, and no process walk is paid
            candidates = me.children(recursive=True)
        else:
            candidates = psutil.process_iter()
    except psutil.Error:
        return
    left: list[psutil.Process] = []
    for proc in candidates:
        with contextlib.suppress(psutil.Error):
            if proc.status() == psutil.STATUS_ZOMBIE:
                left.append(proc)  # an adopted orphan that died: reap it
            elif proc.pid != me.pid and proc.environ().get(_RUN_MARK) == run_id:
                proc.kill()
                left.append(proc)
    psutil.wait_procs(left, timeout=2)


def _group_of(proc: subprocess.Popen[bytes]) -> int | None:
    """The process group a run started (POSIX), to kill at once; none on Windows."""
    return proc.pid if hasattr(os, "killpg") else None


def _adopted() -> bool:
    """Whether this process has any child at all (Linux: read from /proc, no process walk)."""
    for children in Path("/proc/self/task").glob("*/children"):
        with contextlib.suppress(OSError):
            if children.read_text().strip():
                return True
    return False


def _too_many_processes(root: psutil.Process, limit: int) -> bool:
    try:
        return len(root.children(recursive=True)) >= limit
    except psutil.Error:
        return False


@contextlib.contextmanager
def throwaway_copy(
    folder: Path, overlays: Mapping[str, Path] | None = None
) -> Generator[Path, None, None]:
    """Copy ``folder`` (and each overlay file at its relative name) into a temporary folder.

    The copy is removed afterwards, whatever the program did to it. Symbolic links that lead
    outside ``folder`` are not followed: a run cannot reach beyond the copy through them.
    """
    base = Path(tempfile.mkdtemp(prefix="checks-run-"))
    work = base / (folder.resolve().name or "work")
    try:
        _copy_folder(folder, work)
        for name, source in (overlays or {}).items():
            target = work / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()
            if source.is_dir():
                shutil.copytree(source, target, ignore=_IGNORED, symlinks=True)
            else:
                shutil.copyfile(source, target)
        yield work
    finally:
        _remove(base)


def _copy_folder(folder: Path, work: Path) -> None:
    root = folder.resolve()
    total = 0

    def ignore(directory: str, names: list[str]) -> set[str]:
        nonlocal total
        skipped = set(_IGNORED(directory, names))
        for name in names:
            entry = Path(directory) / name
            if entry.is_symlink():
                target = entry.resolve()
                if target != root and root not in target.parents:
                    skipped.add(name)
                    continue
            if entry.is_file():
                total += entry.stat().st_size
        if total > COPY_CAP:
            msg = f"{folder} holds more than {COPY_CAP // 2**20} MiB; remove the large files."
            raise StudentFileError(msg)
        return skipped

    shutil.copytree(folder, work, ignore=ignore, symlinks=False)


def _remove(path: Path) -> None:
    def retry(func: object, name: str, _exc: object) -> None:
        with contextlib.suppress(OSError):
            Path(name).chmod(0o700)
            Path(name).parent.chmod(0o700)
            if callable(func):
                func(name)

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=retry)
    else:
        shutil.rmtree(path, onerror=retry)


CACHED_OUTPUT_CAP = 256 * 1024
"""Largest output of a run kept in the cache: its stdout, stderr and their merge, in characters."""

_CACHE_FORMAT = "checks-run-cache 1"


@functools.cache
def _kit_code() -> bytes:
    """The kit's code that decides a verdict: this module, the launcher and the confinement."""
    parts = (Path(__file__), _LAUNCHER, _LAUNCHER.with_name("child") / "confine.py")
    return b"\0".join(part.read_bytes() for part in parts)


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
        prune(folder)

    def key(
        self, work: Path, relative: Path, shown: Path, folder: Path, limits: Limits, python: str
    ) -> str:
        """The key of running ``work / relative`` (shown as ``shown``) in the copy ``work``."""
        digest = hashlib.sha256()
        head = [
            _CACHE_FORMAT,
            _interpreter(python),
            repr(limits),
            relative.as_posix(),
            str(shown),
            str(folder),
            json.dumps(sorted(child_environment().items())),
            f"sandbox={sandbox.mode()}",
            digest_tree(work, caches=True),
        ]
        digest.update("\0".join(head).encode("utf-8", "surrogateescape"))
        digest.update(hashlib.sha256(_kit_code()).digest())
        return digest.hexdigest()

    def load(self, key: str, shown: Path) -> Run | None:
        """The run kept under ``key``, or ``None``."""
        data = load_json(self.folder, key)
        try:
            fields_ = dict(cast("dict[str, object]", data))
            run = Run(file=shown, stage=Stage(fields_.pop("stage")), **fields_)  # pyright: ignore[reportArgumentType]
        except (ValueError, TypeError, KeyError):
            return None
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
_launched = 0
_stops = 0


def use_cache(cache: RunCache | None) -> None:
    """Answer ``run_file`` from ``cache`` from now on (``None``: run every time)."""
    global _active  # noqa: PLW0603 - one cache per process, chosen by the pytest session
    _active = cache


def launches() -> int:
    """How many programs ``run_file`` has started in this process (cache hits start none)."""
    return _launched


def stops() -> int:
    """How many runs in this process the kit stopped, or a signal killed."""
    return _stops


def check_student_file(file: Path) -> None:
    """Raise ``StudentFileError`` with a message for a person if ``file`` cannot be run."""
    if file.is_symlink():
        msg = f"{file} is a symbolic link; replace it with the file itself."
        raise StudentFileError(msg)
    if not file.exists():
        msg = f"{file} is missing: there is no such file."
        raise StudentFileError(msg)
    if file.is_dir():
        msg = f"{file} is a folder, but a Python file is expected there. Rename the folder."
        raise StudentFileError(msg)


def run_file(
    file: Path,
    *,
    folder: Path | None = None,
    overlays: Mapping[str, Path] | None = None,
    limits: Limits | None = None,
    python: str | None = None,
    cached: bool = True,
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
    cache = _active if cached else None
    with throwaway_copy(folder, overlays) as work:
        key = cache.key(work, relative, file, folder, limits, python) if cache else ""
        if cache is not None and (kept := cache.load(key, file)) is not None:
            sandbox.note(kept.confinement)
            return kept
        global _launched, _stops  # noqa: PLW0603 - counts for the session
        _launched += 1
        run = _run_in(work / relative, file, work, folder, limits, python, shared)
        sandbox.note(run.confinement)
        _stops += was_stopped(run)
        if cache is not None:
            cache.store(key, run)
        return run


def _run_in(
    path: Path,
    shown: Path,
    work: Path,
    folder: Path,
    limits: Limits,
    python: str,
    shared: Sequence[Path] = (),
) -> Run:
    secret = secrets.token_hex(16)
    run_id = secrets.token_hex(8)
    # The copy's own folder (made by throwaway_copy) holds it and the program's temporary folder.
    base = work.parent
    temporary = base / "tmp"
    temporary.mkdir(exist_ok=True)
    env = {**_child_env(run_id), **dict.fromkeys(_TEMP_VARIABLES, str(temporary))}
    driver = path.name in _DRIVERS and path.parent == work
    spec = sandbox.spec_line([base, *shared], driver=driver)
    seatbelt = sandbox.seatbelt([base, *shared], driver=driver)
    given = "off" if sandbox.mode() == "off" else sandbox.SEATBELT_NAME if seatbelt else ""
    _become_subreaper()
    popen_extra: dict[str, object] = {}
    if os.name == "posix":
        popen_extra["start_new_session"] = True
        popen_extra["preexec_fn"] = lambda: _posix_limits(limits)
    else:  # pragma: no cover - Windows
        popen_extra["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
    proc = subprocess.Popen(
        [*seatbelt, python, "-E", "-u", "-X", "utf8", str(_LAUNCHER), str(path)],
        cwd=path.parent,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
        **popen_extra,  # type: ignore[arg-type]
    )
    root = psutil.Process(proc.pid)
    group = _group_of(proc)
    if proc.stdin is None or proc.stdout is None or proc.stderr is None:  # pragma: no cover
        msg = "the child process has no pipes"
        raise RuntimeError(msg)
    streams = _Streams(cap=limits.output_cap)
    readers = [
        threading.Thread(target=streams.pump, args=(name, pipe.fileno()), daemon=True)
        for name, pipe in (("stdout", proc.stdout), ("stderr", proc.stderr))
    ]
    for reader in readers:
        reader.start()
    with contextlib.suppress(OSError):
        proc.stdin.write(f"{secret}\n{spec}\n".encode())
    with contextlib.suppress(OSError):
        proc.stdin.close()

    exited = threading.Event()
    threading.Thread(target=lambda: (proc.wait(), exited.set()), daemon=True).start()
    deadline = time.monotonic() + limits.timeout
    timed_out = too_many = False
    while not exited.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            break
        if streams.overflow.is_set():
            break
        if exited.wait(min(remaining, _POLL)):
            break
        if _too_many_processes(root, limits.processes):
            too_many = True
            break
    if exited.is_set() and group is not None:
        # It ended by itself: its group (if anything is left in it) goes at once.
        with contextlib.suppress(OSError):
            os.killpg(group, signal.SIGKILL)
    else:
        _kill_tree(root, group)
    proc.wait()
    _sweep(run_id)
    for reader in readers:
        reader.join(timeout=2)
    proc.stdout.close()
    proc.stderr.close()
    stopped = (
        _TIMED_OUT.format(seconds=limits.timeout)
        if timed_out
        else _FLOODED.format(cap=limits.output_cap)
        if streams.cut
        else _FORKED.format(count=limits.processes)
        if too_many
        else None
    )
    run = _judge(shown, work, folder, proc.returncode, streams, secret, stopped, timed_out)
    return replace(run, confinement=given) if given else run


def _judge(
    shown: Path,
    work: Path,
    folder: Path,
    status: int,
    streams: _Streams,
    secret: str,
    stopped: str | None,
    timed_out: bool,
) -> Run:
    """Turn what the child said and printed into a ``Run``."""
    pattern = re.compile("\n?" + re.escape(_MARK + secret) + r" ([^\n]*)\n?")
    raw_stderr = streams.stderr.decode("utf-8", "replace")
    verdicts: list[dict[str, object]] = []
    for found in pattern.finditer(raw_stderr):
        with contextlib.suppress(ValueError, SyntaxError, MemoryError, RecursionError):
            said = ast.literal_eval(found.group(1))
            if isinstance(said, dict):
                verdicts.append(cast("dict[str, object]", said))

    def clean(text: str) -> str:
        # A mark the program printed itself lacks the secret and stays in its output.
        return pattern.sub("", text).replace(str(work), str(folder))

    merged = b"".join(chunk for _, chunk in streams.merged).decode("utf-8", "replace")
    staged = [verdict for verdict in verdicts if "stage" in verdict]
    last = staged[-1] if staged else {}
    told = [str(verdict["confinement"]) for verdict in verdicts if "confinement" in verdict]
    confinement = told[0] if told else ""
    said = str(last.get("stage", ""))
    line = last.get("line")
    base = Run(
        file=shown,
        stage=Stage.RUN,
        stdout=streams.stdout.decode("utf-8", "replace"),
        stderr=clean(raw_stderr),
        output=clean(merged),
        exit_status=status,
        cut=streams.cut,
        timed_out=timed_out,
        confinement=confinement,
    )
    refused = last.get("refused")
    if said == "run" and isinstance(refused, str):
        last["message"] = sandbox.refused(refused, str(last.get("target") or ""), work, folder)
    if said in ("read", "parse", "compile", "run") and (said != "run" or not stopped):
        return replace(
            base,
            stage=Stage(said),
            error=str(last.get("error") or ""),
            message=clean(str(last.get("message") or "")),
            line=line if isinstance(line, int) else None,
            source_line=str(last.get("source_line") or ""),
            waited_for_input=bool(last.get("waited_for_input")),
        )
    if stopped:
        return replace(base, message=f"stopped: {stopped}")
    if not said and sandbox.mode() == "require" and told and not sandbox.confined(confinement):
        why = confinement.removeprefix("not confined: ")
        return replace(
            base, message=f"stopped: it was not run, as it could not be confined ({why})"
        )
    if status == 0:
        return replace(base, stage=Stage.OK)
    if status < 0:
        message = f"the program was killed by signal {-status}"
    elif said == "started":
        message = f"the program exited with status {status}"
    else:
        message = f"Python stopped with status {status} before the program started"
    return replace(base, message=message)
