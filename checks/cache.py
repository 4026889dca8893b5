"""The kit's caches on disk: small JSON records in a folder, named by the key that decides them.

Three caches use it: pyright's findings (``typecheck``), the verdicts of runs (``run.RunCache``)
and the verdicts of whole tests (``VerdictCache``, here). Each key is a digest of everything
that decides what is kept, so a record is either right or never found: a stale one cannot be
read. The folders live under pytest's cache folder (``--cache-clear`` empties them, and so does
deleting ``.pytest_cache``), or where ``--checks-cache DIR`` says.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import sys
import threading
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from checks.attempt import Attempt

__all__ = ["ENTRIES", "VerdictCache", "load_json", "prune", "store_json"]

ENTRIES = 4000
"""Records a cache folder keeps; past this the oldest are removed when the cache is opened."""

KIT_ROOT = Path(__file__).resolve().parent.parent

_SKIPPED = ("__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache")


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


def digest_tree(folder: Path, *, caches: bool = False) -> str:
    """A digest of the names, bytes and permissions of every file under ``folder``.

    Symbolic links count by where they point, never followed. Bytecode and tool caches
    (``__pycache__``, ``.pytest_cache``...) are left out unless ``caches`` is given.
    """
    digest = hashlib.sha256()
    for directory, dirs, files in os.walk(folder):
        here = Path(directory)
        links = [d for d in dirs if (here / d).is_symlink()]
        dirs[:] = sorted(d for d in dirs if d not in links and (caches or d not in _SKIPPED))
        for name in sorted([*files, *links]):
            if not caches and name.endswith((".pyc", ".pyo")):
                continue
            entry = here / name
            mark = entry.relative_to(folder).as_posix().encode("utf-8", "surrogateescape")
            try:
                if entry.is_symlink():
                    body = b"link\0" + os.fsencode(entry.readlink())
                else:
                    kind = b"x" if os.access(entry, os.X_OK) else b"-"
                    body = kind + b"\0" + entry.read_bytes()
            except OSError as error:
                body = f"unreadable\0{error.errno}".encode()
            digest.update(mark + b"\0" + str(len(body)).encode() + b"\0" + body)
    return digest.hexdigest()


@functools.cache
def _kit_digest() -> str:
    """The kit's code and configuration: what every verdict depends on."""
    digest = hashlib.sha256()
    digest.update(digest_tree(KIT_ROOT / "checks").encode())
    for name in ("conftest.py", "pyproject.toml"):
        with contextlib.suppress(OSError):
            digest.update(name.encode() + b"\0" + (KIT_ROOT / name).read_bytes())
    versions = [sys.version, shutil.which("git") or ""]
    for package in ("pytest", "pyright"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions.append(f"{package} {metadata.version(package)}")
    digest.update("\0".join(versions).encode())
    return digest.hexdigest()


def _kit_process() -> str:
    """How the Python running the tests was started: its flags, warning options and the
    shell's ``PYTHON*`` variables (``PYTHONOPTIMIZE`` strips asserts, ``PYTHONWARNINGS=error``
    turns a warning into an error): a verdict must hold under them, so it is kept by them."""
    shell = sorted((k, v) for k, v in os.environ.items() if k.startswith("PYTHON"))
    return json.dumps([repr(sys.flags), sys.warnoptions, shell])


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

    def __init__(self, folder: Path, options: str) -> None:
        self.folder = folder
        self.options = options
        self.hits = 0
        self._exercises: dict[tuple[str, str], str] = {}
        prune(folder)

    def key(self, nodeid: str, attempt: Attempt) -> str:
        """The key of the test ``nodeid`` checking ``attempt``."""
        from checks.run import child_environment

        folder = attempt.folder
        slot = (str(folder), str(attempt.source))
        if slot not in self._exercises:
            self._exercises[slot] = digest_tree(folder)
        digest = hashlib.sha256()
        head = [
            "checks-verdict 1",
            _kit_digest(),
            nodeid,
            self.options,
            self._exercises[slot],
            json.dumps(sorted(child_environment().items())),
            _kit_process(),
        ]
        digest.update("\0".join(head).encode("utf-8", "surrogateescape"))
        for name, path in sorted(attempt.overlays().items()):
            with contextlib.suppress(OSError):
                data = path.read_bytes() if path.is_file() else digest_tree(path).encode()
                digest.update(b"\1" + name.encode() + b"\0" + data)
        return digest.hexdigest()

    def load(self, key: str, attempt: Attempt) -> tuple[bool, str] | None:
        """A kept verdict: whether the test passed, and its failure's text."""
        found = load_json(self.folder, key)
        if not isinstance(found, dict):
            return None
        passed, text = found.get("passed"), found.get("text")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        if not isinstance(passed, bool) or not isinstance(text, str):
            return None
        self.hits += 1
        for mark, path in _places(attempt):
            text = text.replace(mark, path)
        return passed, text

    def store(self, key: str, attempt: Attempt, *, passed: bool, text: str) -> None:
        """Keep a test's verdict; where the student files were is kept as a mark."""
        for mark, path in _places(attempt):
            text = text.replace(path, mark)
        store_json(self.folder, key, {"passed": passed, "text": text})


def _places(attempt: Attempt) -> list[tuple[str, str]]:
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
