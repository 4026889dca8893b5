"""The student's folder on its way into a run, and the child package's own private copy.

A student's file is checked before it is run (``check_student_file``: a file, not a folder, a
link or a pipe), and its folder copied into a throwaway folder that is removed after the run,
whatever the program did to it (``throwaway_copy``, within ``COPY_CAP``; links that lead out
of the folder are left out). What such a copy would hold can be told without making it
(``copy_digest``), so that a run the cache answers costs no copy. The child runs from a private copy of ``checks/child/`` made once
per process outside every student's folder (``child_copy``), never from the kit.

It imports only the standard library and ``environment`` (the names of a temporary folder):
every other module of ``run/`` but ``environment`` may use it.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import os
import shutil
import stat
import sys
import tempfile
import threading
from collections.abc import Generator, Iterator, Mapping
from pathlib import Path

from checks.run.environment import TEMPORARY

__all__ = [
    "CHILD_PACKAGE",
    "COPY_CAP",
    "PATH_CAP",
    "StudentFileError",
    "check_student_file",
    "child_copy",
    "copies",
    "copy_digest",
    "copy_name",
    "memory_folder",
    "remove_run_folder",
    "throwaway_copy",
]

COPY_CAP = 64 * 1024 * 1024
"""Bytes of an exercise folder copied for a run; a larger folder is refused with a message."""

PATH_CAP = 3800
"""Bytes of a path in a run's copy; an entry past it (near the system's 4096) is left out."""

CHILD_PACKAGE = Path(__file__).resolve().parent.parent / "child"
"""Modules of the kit a kit-owned driver imports in the child, copied beside the child package."""
_START = "from checks.child.launch import main\n\nmain()\n"
"""The script the child runs, beside the private copy of the package (its ``sys.path[0]``)."""
_SERVE = (
    "import sys\n\nfrom checks.child.forks import serve\n\nserve(sys.argv[1:] == ['driver'])\n"
    "from checks.child.launch import main\n\nmain()\n"
)
"""The script of the fork server (``checks.child.forks``), beside ``_START``: ``serve`` returns
in each launcher it forks, which then goes on as ``_START`` does."""
SHM = Path("/dev/shm")
"""Linux's shared memory folder: a memory file system (tmpfs) on most systems."""
SHM_ROOM = 4 * 1024 * 1024 * 1024
"""Free bytes ``SHM`` must have for runs' folders to go there: the runs side by side of a class,
each allowed ``checks.run.limits.DISK`` in its folders before it is stopped, with room to spare
for the rest of the machine."""

_IGNORED = shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.pyc")

_PLAIN_PATH_CAP = PATH_CAP - 512
"""Bytes of a path ``copy_digest`` vouches for: near ``PATH_CAP`` the copy may leave an entry
out (it depends on where the copy is made), so such a folder has no digest."""

_copies = 0
"""Throwaway copies made by this process."""
_lock = threading.Lock()
"""Held while the count moves and while the child's copy is made: runs side by side
(``program.run_each``) start from their threads."""


class StudentFileError(Exception):
    """A student's file cannot be run at all: it is missing, a folder, or points outside."""


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


@contextlib.contextmanager
def throwaway_copy(
    folder: Path, overlays: Mapping[str, Path] | None = None, *, base: Path | None = None
) -> Generator[Path, None, None]:
    """Copy ``folder`` (and each overlay file at its relative name) into a temporary folder.

    The copy is removed afterwards, whatever the program did to it. Symbolic links that lead
    outside ``folder`` are not followed: a run cannot reach beyond the copy through them.
    ``base``: the run's own folder, made ahead (``spare``), where the copy's folder
    (``copy_name``) is empty; by default a new one.
    """
    global _copies  # noqa: PLW0603 - counts for the process
    with _lock:
        _copies += 1
    base = base or Path(tempfile.mkdtemp(prefix="run-", dir=memory_folder()))
    work = base / copy_name(folder)
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
        remove_run_folder(base)


def memory_folder(environ: Mapping[str, str] = os.environ) -> str | None:
    """Where runs' folders (and a grading's scratch folder) are made: ``/dev/shm`` on Linux,
    where it is a memory file system (tmpfs) with ``SHM_ROOM`` free and ``TMPDIR`` (or
    ``TEMP``, ``TMP``) names no other place; else ``None``, the default temporary folder.

    Every run makes a folder of its own and removes it. On ext4 (``/tmp`` of most Linux
    systems) each new folder's inode is found past the ones deleted just before: a class of 20
    on two cores took 18.5 and 20.8 s to grade there (13 to 16 s of it in the kernel), 13.2 and
    14.8 s on ``/dev/shm`` (5 to 6 s). A confined run reads neither: it may read its own folder
    and the system's, no other (``checks.child.confine``).
    """
    if not sys.platform.startswith("linux") or any(environ.get(name) for name in TEMPORARY):
        return None
    if not _memory_mounted(SHM) or not os.access(SHM, os.W_OK | os.X_OK):
        return None
    try:
        room = os.statvfs(SHM)
    except OSError:
        return None
    return str(SHM) if room.f_bavail * room.f_frsize >= SHM_ROOM else None


@functools.cache
def _memory_mounted(folder: Path) -> bool:
    """Whether ``folder`` is a tmpfs that allows running files, read once per process from the
    mount table (each run asks ``memory_folder`` a few times; the free room it reads anew)."""
    try:
        mounts = Path("/proc/self/mounts").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    # The last mount on the folder is the one in use; one mounted noexec would change what a
    # program may run from its copy.
    mounted = [fields for fields in map(str.split, mounts.splitlines()) if len(fields) >= 4]
    on_it = [fields for fields in mounted if fields[1] == str(folder)]
    return bool(on_it) and on_it[-1][2] == "tmpfs" and "noexec" not in on_it[-1][3].split(",")


def copy_name(folder: Path) -> str:
    """The name of ``folder``'s copy in its run's folder: the folder's own."""
    return folder.resolve().name or "work"


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
            raise _too_large(folder)
        return skipped

    shutil.copytree(folder, work, ignore=ignore, symlinks=False, dirs_exist_ok=True)


def remove_run_folder(path: Path) -> None:
    """Remove a run's folder, whatever the program left in it (folders it made unreadable)."""

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


def copy_digest(folder: Path, overlays: Mapping[str, Path] | None = None) -> str | None:
    """A digest of what ``throwaway_copy(folder, overlays)`` would hold, without copying.

    Every entry the copy would take (the same names left out: ``__pycache__``, ``.pytest_cache``
    and ``*.pyc``) counts by its name, whether it is a folder, and for a file whether it may be
    executed and its bytes; the overlays count after the folder, under their names. Two equal
    digests mean two equal copies. A folder or overlay holding anything but plain files and
    folders (a link, a pipe), a path near the system's limit or an unreadable entry has no
    digest (``None``): the copy, which has its own rules for those, must be made and read.
    Past ``COPY_CAP`` it raises ``StudentFileError`` as the copy would.
    """
    digest = hashlib.sha256()
    parent = memory_folder() or tempfile.gettempdir()
    reach = len(os.fsencode(parent)) + len(os.fsencode(folder.resolve().name)) + 64
    total = 0
    sources = [("", folder), *((_OVERLAY + name, path) for name, path in (overlays or {}).items())]
    try:
        for top, given in sources:
            overlay = top.startswith(_OVERLAY)
            # An overlay file is copied by its content, through a link too.
            source = (
                given.resolve() if overlay and given.is_symlink() and given.is_file() else given
            )
            for entry, path, kind in _plain_entries(source, top, reach):
                if kind == "ignored":
                    total += 0 if overlay else path.lstat().st_size  # counted, as the copy does
                elif kind == "folder":
                    digest.update(f"{entry}\0d\0".encode("utf-8", "surrogateescape"))
                else:
                    data = path.read_bytes()
                    total += 0 if overlay else len(data)
                    mode = "x" if os.access(path, os.X_OK) else "-"
                    digest.update(f"{entry}\0{mode}".encode("utf-8", "surrogateescape"))
                    digest.update(hashlib.sha256(data).digest())
                if total > COPY_CAP:
                    raise _too_large(folder)
    except (_NotPlainError, OSError):
        return None
    return digest.hexdigest()


_OVERLAY = "\1"
"""What starts an overlay's name in ``copy_digest`` (the folder's entries start with ``/``)."""


class _NotPlainError(Exception):
    """An entry the copy has rules of its own for: a link, a pipe, a path near the limit."""


def _plain_entries(source: Path, name: str, reach: int) -> Iterator[tuple[str, Path, str]]:
    """Each entry under ``source`` by its name and kind (``file``, ``folder``, or ``ignored``: a
    file the copy leaves out but counts), in a stable order; raise ``_NotPlainError`` at a link,
    a pipe or a path within ``reach`` bytes of ``PATH_CAP``."""
    mode = source.lstat().st_mode
    if max(len(os.fsencode(source)), len(os.fsencode(name)) + reach) > _PLAIN_PATH_CAP:
        raise _NotPlainError
    if stat.S_ISREG(mode):
        yield name, source, "file"
        return
    if not stat.S_ISDIR(mode):
        raise _NotPlainError
    if name:
        yield name, source, "folder"  # the folder's own top ("") is the copy's, made in any case
    names = sorted(child.name for child in source.iterdir())
    skipped = set(_IGNORED(os.fspath(source), names))
    for child in names:
        path = source / child
        if child not in skipped:
            yield from _plain_entries(path, f"{name}/{child}", reach)
            continue
        kind = path.lstat().st_mode
        if stat.S_ISLNK(kind) or not (stat.S_ISREG(kind) or stat.S_ISDIR(kind)):
            raise _NotPlainError
        if stat.S_ISREG(kind):
            yield f"{name}/{child}", path, "ignored"


def _too_large(folder: Path) -> StudentFileError:
    """The refusal of a folder past ``COPY_CAP``."""
    return StudentFileError(
        f"{folder} holds more than {COPY_CAP // 2**20} MiB; remove the large files."
    )


def copies() -> int:
    """How many throwaway copies of a folder this process has made."""
    return _copies


def child_copy() -> Path:
    """A private copy of the child package, outside every student's folder, and the script
    that starts its launcher.

    The child runs from here, never from the kit, so that nothing in the child leads to the
    kit's folder. The copy is made once per process (the first runs side by side wait for it)
    and removed when it exits.
    """
    with _lock:
        return _child_copy()


@functools.cache
def _child_copy() -> Path:
    base = Path(tempfile.mkdtemp(prefix="py-"))
    atexit.register(shutil.rmtree, base, True)
    package = base / "checks"
    shutil.copytree(CHILD_PACKAGE, package / "child", ignore=_IGNORED)
    (package / "__init__.py").write_text('"""The child side of the checks."""\n', encoding="utf-8")
    # The script the child starts is this one line, compiled on every run; the launcher it
    # imports is compiled once, into the copy's __pycache__.
    start = base / "start.py"
    start.write_text(_START, encoding="utf-8")
    (base / "serve.py").write_text(_SERVE, encoding="utf-8")
    return start
