"""A submission's student files, taken, and what its copy of the kit changed outside them.

From a student's copy of the kit (``find_kit``) only the files the manifests list are copied,
byte for byte, into a folder that holds nothing else (``take_student_files``); symbolic links,
special files, files past ``FILE_CAP`` and what cannot be read are left out with a note. The rest
of the copy (``conftest.py``, ``pyproject.toml``, ``checks/``, ``exercises/``) is never run, only
compared with this kit's (``modified_outside``). Names are data: one that is not UTF-8 is shown
escaped (``printable``).

Imports only the vocabulary (``checks.manifest``, ``checks.model``) and the standard library.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from checks.manifest import KIT_ROOT
from checks.model import Exercise

__all__ = [
    "COMPARED",
    "COMPARE_CAP",
    "FILE_CAP",
    "SHOWN_PATH_CAP",
    "Taken",
    "find_kit",
    "inside",
    "modified_outside",
    "printable",
    "take_student_files",
    "walk",
    "why_not_gradable",
]

FILE_CAP = 1024 * 1024
"""Largest student file taken from a submission, in bytes; a larger one is left out with a note."""

COMPARE_CAP = 20_000
"""Files of a submission compared with the kit at most; past this the comparison stops."""

SHOWN_PATH_CAP = 200
"""Characters of a path a report shows; a longer one (past the system's limit) is cut."""

COMPARED = ("conftest.py", "pyproject.toml", "checks", "exercises")
"""The parts of a submission compared with the kit: what could change a verdict if it ran."""

_IGNORED_NAMES = frozenset(
    {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".DS_Store"}
)
_IGNORED_SUFFIXES = (".pyc", ".pyo")


@dataclass
class Taken:
    """The student files copied from a submission, and what was left out and why."""

    count: int = 0
    missing: list[str] = field(default_factory=list[str])
    refused: list[str] = field(default_factory=list[str])


def printable(text: str) -> str:
    """A name as it can be written anywhere: bytes that are not UTF-8 shown as ``\\xNN``."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _ignored(name: str) -> bool:
    return name in _IGNORED_NAMES or name.endswith(_IGNORED_SUFFIXES)


def find_kit(folder: Path) -> Path | None:
    """The copy of the kit in a submission: the folder itself, or its one sub-folder holding it
    (a zip that unpacks into a folder), or ``None``."""
    if (folder / "exercises").is_dir():
        return folder
    inner = [
        p
        for p in folder.iterdir()
        if p.is_dir() and not p.is_symlink() and not p.name.startswith((".", "__MACOSX"))
    ]
    if len(inner) == 1 and (inner[0] / "exercises").is_dir():
        return inner[0]
    return None


def why_not_gradable(folder: Path) -> str:
    """Why a submission cannot be graded at all, or an empty string."""
    try:
        visible = [p for p in folder.iterdir() if not p.name.startswith(".")]
    except OSError as error:
        return f"The submission cannot be read: {error}."
    if not visible:
        return "The submission is an empty folder: there is nothing to grade."
    if find_kit(folder) is None:
        return "The submission is not a copy of the kit: it has no exercises/ folder."
    return ""


def inside(path: Path, root: Path) -> bool:
    """Whether ``path`` is ``root`` or lies under it."""
    return path == root or root in path.parents


def _copy_one(source: Path, target: Path, shown: str, root: Path, taken: Taken) -> None:
    try:
        _copy_regular(source, target, shown, root, taken)
    except OSError as error:
        taken.refused.append(f"{shown} (cannot be read: {error.strerror or error})")


def _copy_regular(source: Path, target: Path, shown: str, root: Path, taken: Taken) -> None:
    if source.is_symlink() or not inside(source.resolve(), root):
        taken.refused.append(f"{shown} (a symbolic link: never followed)")
        return
    if not source.is_file():
        taken.refused.append(f"{shown} (not a regular file)")
        return
    size = source.stat().st_size
    if size > FILE_CAP:
        taken.refused.append(f"{shown} ({size} bytes: larger than {FILE_CAP})")
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(source.read_bytes())
    taken.count += 1


def take_student_files(kit: Path, exercises: Sequence[Exercise], into: Path) -> Taken:
    """Copy the files the manifests list from a submission's kit into ``into``, nothing else.

    Files are copied byte for byte, never linked; symbolic links, special files and files over
    ``FILE_CAP`` bytes are left out and reported.
    """
    taken = Taken()
    root = kit.resolve()
    for exercise in exercises:
        for name in exercise.files:
            relative = Path("exercises", exercise.number, name.rstrip("/"))
            source = kit / relative
            shown = printable(relative.as_posix())
            if source.is_symlink():
                taken.refused.append(f"{shown} (a symbolic link: never followed)")
            elif source.is_dir():
                unreadable: list[str] = []
                for inner in sorted(walk(source, unreadable)):
                    rel = inner.relative_to(kit)
                    _copy_one(inner, into / rel, printable(rel.as_posix()), root, taken)
                taken.refused += [_unreadable(kit, path) for path in unreadable]
            elif source.exists():
                _copy_one(source, into / relative, shown, root, taken)
            else:
                taken.missing.append(shown)
    return taken


def walk(folder: Path, unreadable: list[str] | None = None) -> Iterator[Path]:
    """Every file and symbolic link under ``folder``, never following links, caches left out.

    What cannot be read (a folder past the system's path limit, one without permission) is
    left out, its path and the reason added to ``unreadable``.
    """

    def note(error: OSError) -> None:
        if unreadable is not None:
            unreadable.append(f"{error.filename}\0{error.strerror or error}")

    for directory, dirs, files in os.walk(folder, onerror=note, followlinks=False):
        here = Path(directory)
        links: list[str] = []
        for name in dirs:
            try:
                if (here / name).is_symlink():
                    links.append(name)
            except OSError as error:
                note(error)
                links.append(name)  # not entered: a link or not, it cannot be looked at
        dirs[:] = sorted(d for d in dirs if not _ignored(d) and d not in links)
        for name in sorted([*files, *links]):
            if not _ignored(name):
                yield here / name


def _unreadable(root: Path, noted: str) -> str:
    """One entry of ``walk``'s ``unreadable``, as a report shows it: relative, printable."""
    path, _, why = noted.partition("\0")
    with contextlib.suppress(ValueError):
        path = Path(path).relative_to(root).as_posix()
    return f"{_shown_path(path)} (cannot be read: {why}; left out)"


def _shown_path(path: str) -> str:
    """A path as a report shows it: printable, and cut in the middle past ``SHOWN_PATH_CAP``."""
    path = printable(path)
    if len(path) > SHOWN_PATH_CAP:
        path = path[: SHOWN_PATH_CAP // 2] + "..." + path[-SHOWN_PATH_CAP // 2 :]
    return path


def _student_path(relative: str, exercises: Sequence[Exercise]) -> bool:
    for exercise in exercises:
        for name in exercise.files:
            own = f"exercises/{exercise.number}/{name.rstrip('/')}"
            if relative == own or relative.startswith(own + "/"):
                return True
    return False


def _files(
    root: Path, exercises: Sequence[Exercise], unreadable: list[str] | None = None
) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for part in COMPARED:
        start = root / part
        paths = [start] if start.is_file() or start.is_symlink() else walk(start, unreadable)
        for path in paths:
            relative = printable(path.relative_to(root).as_posix())
            if not _student_path(relative, exercises):
                found[relative] = path
            if len(found) > COMPARE_CAP:
                return found
    return found


def _same(mine: Path, theirs: Path) -> bool:
    if theirs.is_symlink() or not theirs.is_file() or theirs.stat().st_size > FILE_CAP:
        return False

    def text(path: Path) -> bytes:
        return path.read_bytes().replace(b"\r\n", b"\n")

    return text(mine) == text(theirs)


def modified_outside(kit: Path, exercises: Sequence[Exercise], root: Path = KIT_ROOT) -> list[str]:
    """The files of a submission's kit that differ from this kit's, outside the student files.

    Compared: ``conftest.py``, ``pyproject.toml``, ``checks/`` and ``exercises/`` (line
    endings aside). Each entry is a path with what happened to it: changed, added or deleted.
    """
    pristine = _files(root, exercises)
    unreadable: list[str] = []
    theirs = _files(kit, exercises, unreadable)
    found: list[str] = [_unreadable(kit, path) for path in unreadable]
    for relative in sorted(set(pristine) | set(theirs)):
        if relative not in theirs:
            found.append(f"{_shown_path(relative)} (deleted)")
        elif relative not in pristine:
            found.append(f"{_shown_path(relative)} (added)")
        else:
            with contextlib.suppress(OSError):
                if _same(pristine[relative], theirs[relative]):
                    continue
            found.append(f"{_shown_path(relative)} (changed)")
    return found
