"""The kit's caches on disk: small JSON records in a folder, named by the key that decides them.

Three caches use it: pyright's findings (``typecheck``), the verdicts of runs (``checks.run.cache.RunCache``)
and the verdicts of whole tests (``VerdictCache``, here). Each key is a digest of everything
that decides what is kept, so a record is either right or never found: a stale one cannot be
read. The folders live under pytest's cache folder (``--cache-clear`` empties them, and so does
deleting ``.pytest_cache``), or where ``--checks-cache DIR`` says.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Protocol, cast

from checks.manifest import KIT_ROOT
from checks.model import Failure

__all__ = [
    "ENTRIES",
    "Checked",
    "VerdictCache",
    "digest_path",
    "digest_tree",
    "file_entry",
    "kit_digest",
    "load_json",
    "prune",
    "store_json",
    "walk_files",
    "walk_paths",
]

ENTRIES = 4000
"""Records a cache folder keeps; past this the oldest are removed when the cache is opened."""

_SKIPPED_FOLDERS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"})
_SKIPPED_SUFFIXES = (".pyc", ".pyo")
_KIT_FILES = ("conftest.py", "pyproject.toml")
_SETTLED_NS = 2_000_000_000
"""How long a file must have been left alone before its hash is remembered by its status: more
than the coarsest clock tick of a file system's times (FAT's two seconds)."""
_HASHES_KEPT = 100_000
_HASHES: dict[str, tuple[tuple[int, ...], bytes]] = {}
"""The hashes ``file_entry`` remembers, by path: the file's status when read, and its entry."""
_LISTED: dict[str, tuple[tuple[int, ...], tuple[tuple[str, ...], tuple[str, ...]]]] = {}
"""The folders ``walk_files`` listed, by path: the folder's status, its files and subfolders."""
_LISTINGS: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {}
"""The distributions ``_distributions`` found, by folder of ``sys.path``, with its status."""


def load_json(folder: Path, key: str) -> object | None:
    """The record kept under ``key``, or ``None`` if there is none (or it cannot be read)."""
    try:
        return json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def store_json(folder: Path, key: str, data: object) -> None:
    """Keep ``data`` under ``key``; written whole or not at all (a reader never sees half)."""
    with contextlib.suppress(OSError, ValueError, TypeError):
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f"{key}.{os.getpid()}.{threading.get_ident()}.tmp"
        partial.write_text(json.dumps(data), encoding="utf-8")
        partial.replace(folder / f"{key}.json")


def prune(folder: Path, keep: int = ENTRIES) -> None:
    """Remove the oldest records once ``folder`` holds more than ``keep``, down to half."""
    with contextlib.suppress(OSError):
        entries = list(folder.glob("*.json"))
        if len(entries) <= keep:
            return

        def age(path: Path) -> float:
            try:
                return path.stat().st_mtime
            except OSError:
                return 0.0

        for old in sorted(entries, key=age)[: len(entries) - keep // 2]:
            with contextlib.suppress(OSError):
                old.unlink()


def walk_files(folder: Path, *, caches: bool = False) -> Iterator[tuple[str, Path]]:
    """Every file under ``folder`` that can decide a verdict, by ``/``-separated name, in a
    stable order: a folder's files (and links) by name, then its subfolders by name. Symbolic
    links are listed, never followed. Bytecode and tool caches (``__pycache__``,
    ``.pytest_cache``...) are left out unless ``caches`` is given; a folder that cannot be read
    is left out."""
    for name, path in walk_paths(folder, caches=caches):
        yield name, Path(path)


def walk_paths(folder: Path | str, *, caches: bool = False) -> Iterator[tuple[str, str]]:
    """``walk_files`` with paths as strings, which cost less than pathlib's objects where a
    walk is taken at every save (``checks watch``)."""
    return _walk(os.fspath(folder), "", caches=caches)


def _walk(here: str, prefix: str, *, caches: bool) -> Iterator[tuple[str, str]]:
    """``walk_files`` with paths as strings (pathlib's objects cost more than the stat)."""
    listed = _listing(here, caches=caches)
    if listed is None:
        return
    names, folders = listed
    for name in names:
        yield prefix + name, os.path.join(here, name)  # noqa: PTH118 - strings, as _walk says
    for name in folders:
        yield from _walk(os.path.join(here, name), f"{prefix}{name}/", caches=caches)  # noqa: PTH118


def _listing(here: str, *, caches: bool) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The files (and links) and the subfolders of the folder ``here``, each by name, or
    ``None`` if it cannot be read. Remembered by the folder's status, as ``file_entry``
    remembers a file's hash: adding, removing or renaming an entry changes it."""
    try:
        status = os.stat(here)  # noqa: PTH116
    except OSError:
        return None
    seen = (status.st_dev, status.st_ino, status.st_mtime_ns, status.st_ctime_ns, int(caches))
    remembered = _LISTED.get(here)
    if remembered is not None and remembered[0] == seen:
        return remembered[1]
    try:
        with os.scandir(here) as found:
            entries = list(found)
    except OSError:
        return None
    folders: list[str] = []
    names: list[str] = []
    for entry in entries:
        try:
            real_folder = entry.is_dir(follow_symlinks=False)
        except OSError:
            real_folder = False
        if real_folder:
            if caches or entry.name not in _SKIPPED_FOLDERS:
                folders.append(entry.name)
        elif caches or not entry.name.endswith(_SKIPPED_SUFFIXES):
            names.append(entry.name)
    listed = (tuple(sorted(names)), tuple(sorted(folders)))
    if time.time_ns() - max(status.st_mtime_ns, status.st_ctime_ns) > _SETTLED_NS:
        if len(_LISTED) >= _HASHES_KEPT:
            _LISTED.clear()
        _LISTED[here] = (seen, listed)
    return listed


def file_entry(name: str, path: str | os.PathLike[str]) -> bytes:
    """A file's name, whether it may be executed and a hash of its content, for a digest; a
    symbolic link counts by where it points, a missing file as absent.

    A file's hash is remembered by its status (device, inode, size, mode, modification and
    change times), which any write changes, once the file had been left alone for
    ``_SETTLED_NS`` when it was read: a change within the same tick of the clock as the read
    before it is never missed, and the kit's digest of some hundred files (read at every save
    ``checks watch`` checks) costs a few stat calls."""
    try:
        status = os.lstat(path)
    except OSError:
        return _entry(name, b"absent")
    try:
        if stat.S_ISLNK(status.st_mode):
            return _entry(name, b"symlink:" + os.fsencode(os.readlink(path)))  # noqa: PTH115
        if not stat.S_ISREG(status.st_mode):
            return _entry(name, b"absent")
        key = os.fspath(path)
        seen = (status.st_dev, status.st_ino, status.st_size, status.st_mode)
        seen += (status.st_mtime_ns, status.st_ctime_ns)
        remembered = _HASHES.get(key)
        if remembered is not None and remembered[0] == seen:
            return _entry(name, remembered[1])
        mode = b"x" if os.access(path, os.X_OK) else b"-"
        with open(path, "rb") as file:  # noqa: PTH123 - the path may be a string
            content = mode + hashlib.sha256(file.read()).digest()
    except OSError as error:
        return _entry(name, f"unreadable:{error.errno}".encode())
    if time.time_ns() - max(status.st_mtime_ns, status.st_ctime_ns) > _SETTLED_NS:
        if len(_HASHES) >= _HASHES_KEPT:
            _HASHES.clear()
        _HASHES[key] = (seen, content)
    return _entry(name, content)


def _entry(name: str, content: bytes) -> bytes:
    return name.encode("utf-8", "surrogateescape") + b"\0" + content + b"\0"


def digest_tree(folder: Path, *, caches: bool = False) -> str:
    """A digest of every file under ``folder`` (``walk_files``, ``file_entry``)."""
    digest = hashlib.sha256()
    for name, path in walk_files(folder, caches=caches):
        digest.update(file_entry(name, path))
    return digest.hexdigest()


def digest_path(path: Path) -> str:
    """A digest of one file, or of every file under a folder."""
    if path.is_dir() and not path.is_symlink():
        return digest_tree(path)
    return hashlib.sha256(file_entry(path.name, path)).hexdigest()


def _distributions() -> list[str]:
    """The installed distributions with their versions (``pytest-9.2.0.dist-info``...).

    Each folder of ``sys.path`` is listed again only once its status changed (adding or
    removing an entry changes a folder's times), as ``file_entry`` does for files."""
    found: set[str] = set()
    for entry in sys.path:
        folder = os.path.abspath(entry or os.curdir)  # noqa: PTH100 - no link resolved
        try:
            status = os.stat(folder)  # noqa: PTH116
        except OSError:
            continue
        seen = (status.st_dev, status.st_ino, status.st_mtime_ns, status.st_ctime_ns)
        remembered = _LISTINGS.get(folder)
        if remembered is not None and remembered[0] == seen:
            found.update(remembered[1])
            continue
        try:
            with os.scandir(folder) as listing:
                names = [e.name for e in listing if e.name.endswith((".dist-info", ".egg-info"))]
        except OSError:
            continue
        if time.time_ns() - max(status.st_mtime_ns, status.st_ctime_ns) > _SETTLED_NS:
            _LISTINGS[folder] = (seen, tuple(names))
        found.update(names)
    return sorted(found)


def kit_digest(root: Path = KIT_ROOT) -> bytes:
    """What decides every verdict of the kit at ``root``: its ``checks/``, ``conftest.py`` and
    ``pyproject.toml``, the installed distributions (pytest's, pyright's...), the Python and
    the git it runs with. Computed afresh at each call: the kit may be edited meanwhile."""
    digest = hashlib.sha256(
        f"{sys.version}\0{sys.executable}\0{sys.platform}\0{shutil.which('git')}\0".encode()
    )
    for name, path in _walk(os.path.join(root, "checks"), "checks/", caches=False):  # noqa: PTH118
        digest.update(file_entry(name, path))
    for name in _KIT_FILES:
        digest.update(file_entry(name, root / name))
    for name in _distributions():
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
    return digest.digest()


def _kit_process() -> str:
    """How the Python running the tests was started: its flags, warning options and the
    shell's ``PYTHON*`` variables (``PYTHONOPTIMIZE`` strips asserts, ``PYTHONWARNINGS=error``
    turns a warning into an error): a verdict must hold under them, so it is kept by them."""
    shell = sorted((k, v) for k, v in os.environ.items() if k.startswith("PYTHON"))
    return json.dumps([repr(sys.flags), sys.warnoptions, shell])


class Checked(Protocol):
    """What a test's verdict is kept by: where its exercise and student files are (an
    ``Attempt``, which this module does not import: the caches sit below the runner)."""

    @property
    def folder(self) -> Path:
        """The kit's copy of the exercise folder."""
        ...

    @property
    def source(self) -> Path:
        """Where the student files are read from."""
        ...

    def overlays(self) -> dict[str, Path]:
        """The student files, by their name in the exercise folder."""
        ...


class VerdictCache:
    """The verdicts of exercise tests, kept by everything that decides them.

    The key of a test holds its node id and the pytest options that shape a failure's text,
    the kit (``checks/``, ``conftest.py``, ``pyproject.toml``), the Python, pytest, pyright and
    git it runs with and how that Python was started, the environment student programs get,
    the whole exercise folder (tests, mystery programs, drivers) and the names and bytes of
    the student files checked, wherever they are. A test is kept only when it passed or failed
    by itself: not when a run was stopped (a timeout depends on the machine's load), pyright
    could not run, or the test was skipped or errored.
    """

    def __init__(self, folder: Path, options: str, environment: Mapping[str, str]) -> None:
        """``environment``: what student programs get (``checks.run.environment.child_environment()``)."""
        self.folder = folder
        self.options = options
        self.environment = json.dumps(sorted(environment.items()))
        self.hits = 0
        self._kit = ""
        self._exercises: dict[Path, str] = {}
        prune(folder)

    def key(self, nodeid: str, attempt: Checked) -> str:
        """The key of the test ``nodeid`` checking ``attempt``."""
        self._kit = self._kit or kit_digest().hex()  # once per session, when first needed
        folder = attempt.folder
        if folder not in self._exercises:
            self._exercises[folder] = digest_tree(folder)
        digest = hashlib.sha256()
        head = [
            "checks-verdict 3",
            self._kit,
            nodeid,
            self.options,
            self._exercises[folder],
            self.environment,
            _kit_process(),
        ]
        digest.update("\0".join(head).encode("utf-8", "surrogateescape"))
        for name, path in sorted(attempt.overlays().items()):
            digest.update(f"\1{name}\0{digest_path(path)}".encode("utf-8", "surrogateescape"))
        return digest.hexdigest()

    def load(self, key: str, attempt: Checked) -> tuple[bool, str, Failure | None] | None:
        """A kept verdict: whether the test passed, its failure's text and where it failed."""
        found = load_json(self.folder, key)
        if not isinstance(found, dict):
            return None
        passed, text = found.get("passed"), found.get("text")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        failure = cast("dict[str, object]", found).get("failure")
        if not isinstance(passed, bool) or not isinstance(text, str):
            return None
        self.hits += 1
        for mark, path in _places(attempt):
            text = text.replace(mark, path)
        return passed, text, Failure.from_json(failure)

    def store(
        self,
        key: str,
        attempt: Checked,
        *,
        passed: bool,
        text: str,
        failure: Failure | None = None,
    ) -> None:
        """Keep a test's verdict; where the student files were is kept as a mark."""
        for mark, path in _places(attempt):
            text = text.replace(path, mark)
        kept = failure.to_json() if failure is not None else None
        store_json(self.folder, key, {"passed": passed, "text": text, "failure": kept})


def _places(attempt: Checked) -> list[tuple[str, str]]:
    """The student files' folder, as a message may name it, and the mark that stands for it.

    The key leaves it out, so that the same files checked from two folders (two students'
    identical answers) share a verdict; the message then names the folder of the one asking.
    """
    named = str(attempt.source)
    resolved = str(attempt.source.resolve())
    places = [("\x00source\x00", named)]
    if resolved != named:
        places.insert(0, ("\x00resolved\x00", resolved))
    return places
