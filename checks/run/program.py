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
"""

from __future__ import annotations

import ast
import atexit
import contextlib
import ctypes
import functools
import hashlib
import json
import os
import shutil
import signal
import stat
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
else:  # pragma: no cover - Windows
    import msvcrt

from checks.cache import digest_tree, load_json, prune, store_json
from checks.manifest import KIT_ROOT
from checks.model import Run, Stage
from checks.run import sandbox, winjob
from checks.run.facts import FACTS_CAP, new_nonce, read_sealed

__all__ = [
    "DEFAULT_TIMEOUT",
    "OUTPUT_CAP",
    "Limits",
    "RunCache",
    "StudentFileError",
    "check_student_file",
    "child_environment",
    "copies",
    "launches",
    "run_file",
    "run_files",
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

PATH_CAP = 3800
"""Bytes of a path in a run's copy; an entry past it (near the system's 4096) is left out."""

_READ_CHUNK = 64 * 1024
_POLL = 0.1
"""Seconds between two looks at a running program's process count."""
_CHILD_PACKAGE = Path(__file__).resolve().parent.parent / "child"
"""Modules of the kit a kit-owned driver imports in the child, copied beside the child package."""
_START = "from checks.child.launch import main\n\nmain()\n"
"""The script the child runs, beside the private copy of the package (its ``sys.path[0]``)."""
_REPORT_CAP = 64 * 1024
"""Bytes kept of what the child says on its seal and report pipes."""
_START_GRACE = 10.0
"""Seconds an interpreter may take to start and judge the file, on top of the timeout."""
_SLOWEST = 10
"""How many times its timeout a run may take on a machine too busy to give it a CPU."""
_IGNORED = shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.pyc")
_TIMED_OUT = "it did not finish within {seconds:g} seconds"
_FLOODED = "it printed more than {cap} bytes"
_FORKED = "it started more than {count} processes"
_TEMP_VARIABLES = ("TMPDIR", "TEMP", "TMP")
"""Where a program's temporary files go: a private folder beside its copy, removed with it."""
_CHILD_ENV_DROP = (
    "PYTHON",
    "PYTEST_",
    "CHECKS_",
    "UV_",
    "VIRTUAL_ENV",
    "COLUMNS",
    "LINES",
    "NO_COLOR",
    "FORCE_COLOR",
    "CLICOLOR",
)
"""Prefixes of the variables a student's program does not get: Python's, pytest's, the kit's,
uv's and the terminal's (set below to fixed values)."""
_CHILD_ENV_PLACES = frozenset({"PWD", "OLDPWD", "_"})
"""Variables that name the folder the kit was started from, or its command."""


class StudentFileError(Exception):
    """A student's file cannot be run at all: it is missing, a folder, or points outside."""


@dataclass(frozen=True)
class Limits:
    """What one run of student code may use."""

    timeout: float = DEFAULT_TIMEOUT
    """Seconds of the program's own time: from its first line, less time it waited for a CPU."""
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


def child_environment() -> dict[str, str]:
    """The environment a student's program gets (less ``PWD``, its own folder): nothing in it
    names the kit, not even a folder of ``PATH``."""
    kit = str(KIT_ROOT)
    env: dict[str, str] = {}
    for name, value in os.environ.items():
        if name.startswith(_CHILD_ENV_DROP) or name in _CHILD_ENV_PLACES:
            continue
        if name == "PATH":
            env[name] = os.pathsep.join(p for p in value.split(os.pathsep) if kit not in p)
        elif kit not in value:
            env[name] = value
    env.update(COLUMNS="80", LINES="24", NO_COLOR="1", PYTHONIOENCODING="utf-8")
    return env


@functools.cache
def _child_copy() -> Path:
    """A private copy of the child package, outside every student's folder, and the script
    that starts its launcher.

    The child runs from here, never from the kit, so that nothing in the child leads to the
    kit's folder. The copy is made once per process and removed when it exits.
    """
    base = Path(tempfile.mkdtemp(prefix="py-"))
    atexit.register(shutil.rmtree, base, True)
    package = base / "checks"
    shutil.copytree(_CHILD_PACKAGE, package / "child", ignore=_IGNORED)
    (package / "__init__.py").write_text('"""The child side of the checks."""\n', encoding="utf-8")
    # The script the child starts is this one line, compiled on every run; the launcher it
    # imports is compiled once, into the copy's __pycache__.
    start = base / "start.py"
    start.write_text(_START, encoding="utf-8")
    return start


def _child_python(python: str) -> str:
    """The interpreter a run uses: the kit's own virtual environment is left out (its
    ``sys.prefix`` is inside the kit), for the Python it was made from.

    The child starts with ``-S`` (no ``site-packages``, whose ``.pth`` files can cost tens of
    milliseconds per run and would lead to the kit); the launcher sets up what ``site`` gives
    a script (``exit``, ``quit``, ``help``, ``copyright``)."""
    if python != sys.executable or sys.prefix == sys.base_prefix:
        return python
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [
        getattr(sys, "_base_executable", ""),  # 3.11 and later name it; 3.10 on POSIX does not
        str(Path(sys.base_prefix) / "bin" / version),
        str(Path(sys.base_prefix) / "bin" / "python3"),
        str(Path(sys.base_prefix) / "python.exe"),
    ]
    for base in candidates:
        if base and base != sys.executable and Path(base).is_file():
            return base
    return python


def _hidden() -> list[str]:
    """Folders the child takes off ``sys.path``: the kit, and its virtual environment."""
    return sorted({str(KIT_ROOT), sys.prefix} - {sys.base_prefix})


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


_PR_SET_CHILD_SUBREAPER = 36
_live_sessions: set[int] = set()
"""Sessions of the runs still going in this process (each run starts one: its root's pid)."""


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


def _session(pid: int) -> int | None:
    """The session of a process (Linux, from ``/proc``), or ``None``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        return int(stat.rpartition(")")[2].split()[3])
    except (OSError, ValueError, IndexError):
        return None


def _sweep(session: int) -> None:
    """Kill every process left behind by the run whose session is ``session`` (Linux).

    No mark in the environment says which processes are a run's (the student's program would
    see it): each run starts a session of its own, and the kit's own processes stay in the
    kit's. A process that left the run's session (``setsid``) is in none of the kit's and of
    no run still going. Orphans come to this process (a subreaper), so they are found among
    its descendants.
    """
    if sys.platform != "linux":
        return
    if _become_subreaper() and not _adopted():
        return  # the common case: nothing was left behind, and no process walk is paid
    me = psutil.Process()
    ours = _session(me.pid)
    try:
        if _become_subreaper():
            candidates = me.children(recursive=True)
        else:
            candidates = [p for p in psutil.process_iter() if _session(p.pid) == session]
    except psutil.Error:
        return
    left: list[psutil.Process] = []
    for proc in candidates:
        with contextlib.suppress(psutil.Error):
            if proc.status() == psutil.STATUS_ZOMBIE:
                left.append(proc)  # an adopted orphan that died: reap it
                continue
            found = _session(proc.pid)
            if found is not None and found not in (ours, *_live_sessions):
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
    global _copies  # noqa: PLW0603 - counts for the process
    _copies += 1
    base = Path(tempfile.mkdtemp(prefix="run-"))
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
            target = work / entry.relative_to(folder)
            if len(os.fsencode(target)) > PATH_CAP or len(os.fsencode(entry)) > PATH_CAP:
                skipped.add(name)  # past the system's limit: it could be neither read nor copied
                continue
            mode = entry.lstat().st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode)):
                skipped.add(name)  # a named pipe or a socket: never opened (a pipe would hang)
                continue
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

_CACHE_FORMAT = "checks-run-cache 2"


@functools.cache
def _kit_code() -> bytes:
    """The kit's code that decides a verdict: this module and the child package."""
    files = [Path(__file__), *sorted(_CHILD_PACKAGE.glob("*.py"))]
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
        prune(folder)

    def key(
        self,
        work: Path,
        relative: Path,
        shown: Path,
        folder: Path,
        limits: Limits,
        python: str,
        orders: Sequence[str] = (),
    ) -> str:
        """The key of running ``work / relative`` (shown as ``shown``) in the copy ``work``,
        with the ``orders`` that say how (trials, a driver's helpers)."""
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
            pairs = cast("list[list[object]]", fields_.get("facts") or [])
            fields_["facts"] = tuple((str(kind), value) for kind, value in pairs)
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
_copies = 0


def use_cache(cache: RunCache | None) -> None:
    """Answer ``run_file`` from ``cache`` from now on (``None``: run every time)."""
    global _active  # noqa: PLW0603 - one cache per process, chosen by the pytest session
    _active = cache


def launches() -> int:
    """How many programs ``run_file`` has started in this process (cache hits start none)."""
    return _launched


def copies() -> int:
    """How many throwaway copies of a folder this process has made."""
    return _copies


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
    if not file.is_file():
        msg = (
            f"{file} is {_special_kind(file)}, not an ordinary file, so it is never read; "
            "remove it and save your program there as an ordinary file."
        )
        raise StudentFileError(msg)


def _special_kind(path: Path) -> str:
    """What a special file is, in a few words: a named pipe, a socket, a device."""
    mode = path.lstat().st_mode
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


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
    cache = _active if cached else None
    with throwaway_copy(folder, overlays) as work:
        key = cache.key(work, relative, file, folder, limits, python, orders) if cache else ""
        if cache is not None and (kept := cache.load(key, file)) is not None:
            sandbox.note(kept.confinement)
            return kept
        global _launched, _stops  # noqa: PLW0603 - counts for the session
        _launched += 1
        run = _run_in(work / relative, file, work, folder, limits, python, orders, shared)
        sandbox.note(run.confinement)
        _stops += was_stopped(run)
        if cache is not None:
            cache.store(key, run)
        return run


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
        for file in files:
            try:
                check_student_file(file)
            except StudentFileError as error:
                yield error
                continue
            folder = file.parent
            if copied is None or copied[0] != folder.resolve() or _looks(copied[1]) != copied[2]:
                held.close()
                work = held.enter_context(throwaway_copy(folder))
                copied = (folder.resolve(), work, _looks(work))
            global _launched, _stops  # noqa: PLW0603 - counts for the session
            _launched += 1
            run = _run_in(copied[1] / file.name, file, copied[1], folder, limits, python, ())
            sandbox.note(run.confinement)
            _stops += was_stopped(run)
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


def _run_in(
    path: Path,
    shown: Path,
    work: Path,
    folder: Path,
    limits: Limits,
    python: str,
    orders: Sequence[str],
    shared: Sequence[Path] = (),
) -> Run:
    # The copy's own folder (made by throwaway_copy) holds it and the program's temporary folder:
    # confined, the program may read and write there (and in ``shared``), nowhere else.
    base = work.parent
    temporary = base / "tmp"
    temporary.mkdir(exist_ok=True)
    driver = "helpers=1" in orders  # the kit's driver: confined at its load of the student's code
    spec = sandbox.spec_line([base, *shared], driver=driver)
    seatbelt = sandbox.seatbelt([base, *shared], driver=driver)
    applied = "off" if sandbox.mode() == "off" else sandbox.SEATBELT_NAME if seatbelt else ""
    _become_subreaper()
    seal_read, seal_write = os.pipe()
    report_read, report_write = os.pipe()
    # Trials and drivers speak on a sealed channel of their own (checks/run/facts.py).
    facts_read, facts_write = os.pipe() if _sealed(orders) else (-1, -1)
    writers = [fd for fd in (seal_write, report_write, facts_write) if fd >= 0]
    nonce = new_nonce()
    popen_extra: dict[str, object] = {}
    pipes = [str(fd) for fd in writers]
    if os.name == "posix":
        popen_extra["start_new_session"] = True
        popen_extra["preexec_fn"] = lambda: _posix_limits(limits)
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
    given = [
        f"seal={pipes[0]}",
        f"report={pipes[1]}",
        *([f"facts={pipes[2]}", f"nonce={nonce}"] if facts_write >= 0 else []),
        f"file={path}",
        f"shown={path}",
        *(f"hide={h}" for h in _hidden()),
        *orders,
        # The spec's fields (NUL apart, as the orders are) travel as one order each.
        *(f"confine={field}" for field in spec.split("\0") if spec.strip()),
    ]
    try:
        proc = subprocess.Popen(
            [*seatbelt, _child_python(python), "-E", "-S", "-u", "-X", "utf8", str(_child_copy())],
            cwd=path.parent,
            env={
                **child_environment(),
                "PWD": str(path.parent),
                **dict.fromkeys(_TEMP_VARIABLES, str(temporary)),
            },
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,
            **popen_extra,  # type: ignore[arg-type]
        )
    finally:
        for fd in writers:
            os.close(fd)
    # Windows: a job holds the process count and memory, and kills all it holds when closed.
    job = winjob.contain(proc, processes=limits.processes, memory=limits.memory)
    _live_sessions.add(proc.pid)
    try:
        heard = bytearray()
        run = _watch(
            proc, shown, work, folder, limits, given, seal_read, report_read, (facts_read, heard)
        )
        run = _with_facts(run, heard, nonce) if facts_read >= 0 else run
        return replace(run, confinement=applied) if applied else run
    finally:
        _live_sessions.discard(proc.pid)
        winjob.close(job)
        _sweep(proc.pid)


def _watch(
    proc: subprocess.Popen[bytes],
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
    group = _group_of(proc)
    if proc.stdin is None or proc.stdout is None or proc.stderr is None:  # pragma: no cover
        msg = "the child process has no pipes"
        raise RuntimeError(msg)
    streams = _Streams(cap=limits.output_cap)
    streams.stop.append(lambda: _stop_group(group))
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
    for reader in readers:
        reader.join(timeout=2)
    proc.stdout.close()
    proc.stderr.close()
    # The cap, when crossed before the time was up, says why the run was stopped.
    timed_out = timed_out and not (streams.cut and streams.cut_at <= stopped_at)
    stopped = (
        _TIMED_OUT.format(seconds=limits.timeout)
        if timed_out
        else _FLOODED.format(cap=limits.output_cap)
        if streams.cut
        else _FORKED.format(count=limits.processes)
        if too_many
        else None
    )
    said = _said(bytes(sealed))
    ended = _said(bytes(report))
    return _judge(
        shown, work, folder, proc.returncode, streams, said[:1], ended, stopped, timed_out
    )


def _sealed(orders: Sequence[str]) -> bool:
    """Whether the run speaks on a sealed channel: a trial, or the kit's own driver."""
    return "mode=calls" in orders or "helpers=1" in orders


def _with_facts(run: Run, heard: bytearray, nonce: str) -> Run:
    """The run with what its sealed channel said (``checks.run.facts``)."""
    data = bytes(heard)
    sealed = read_sealed(data[:FACTS_CAP], nonce, cut=len(data) > FACTS_CAP)
    return replace(run, facts=sealed.records, facts_ended=sealed.ended, tampered=sealed.tampered)


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


def _stop_group(group: int | None) -> None:
    """Kill a run's process group at once (POSIX); the rest of the tree goes after."""
    if group is not None:
        with contextlib.suppress(OSError):
            os.killpg(group, signal.SIGKILL)


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
