"""Starters: the files an exercise begins with, and putting them back without losing any work.

The kit ships each starter twice. ``exercises/NN`` holds the copy the student edits in place;
``starters/NN`` holds the pristine copy that ``checks reset`` puts back: the files the manifest
names and nothing else, as ``solutions/NN`` holds the reference version of the same files. A
reset needs no git history, so it works in a downloaded zip of the kit too. The kit's own tests
keep the two copies equal and check that the starter fails its exercise's tests.

A file the manifest names that is absent from ``starters/NN`` is one the student creates: a
reset removes it. Before a reset changes anything, every student file of the exercise is copied
to a new backup folder, ``.checks/backups/NN-<date>-<time>/``, so that nothing is ever lost.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from checks.model import Exercise

__all__ = ["STARTERS", "StarterError", "backup", "restore", "starter_folder", "untouched"]

STARTERS = "starters"
"""The folder at the kit's root that holds the pristine starter of each exercise."""

_Snapshot = dict[str, bytes | None]


class StarterError(Exception):
    """The kit has no starter for an exercise, so it cannot be put back."""


def starter_folder(exercise: Exercise, root: Path) -> Path:
    """Where the pristine starter of ``exercise`` is kept; StarterError if the kit has none."""
    folder = root / STARTERS / exercise.number
    if not folder.is_dir():
        msg = (
            f"this copy of the kit has no starter for exercise {exercise.number} "
            f"({STARTERS}/{exercise.number}/ is missing), so it cannot be put back"
        )
        raise StarterError(msg)
    return folder


def _content(path: Path) -> bytes | None:
    if path.is_symlink():
        return b"symlink:" + str(path.readlink()).encode("utf-8", "surrogateescape")
    if path.is_file():
        return path.read_bytes()
    return None


def _snapshot(base: Path, exercise: Exercise) -> _Snapshot:
    """The student files of ``exercise`` under ``base``: each file's bytes, None if absent."""
    found: _Snapshot = {}
    for name in exercise.files:
        path = base / name
        if path.is_dir() and not path.is_symlink():
            for inner in sorted(path.rglob("*")):
                if not inner.is_dir() or inner.is_symlink():
                    found[inner.relative_to(base).as_posix()] = _content(inner)
        else:
            found[name] = _content(path)
    return found


def untouched(exercise: Exercise, root: Path, folder: Path | None = None) -> bool:
    """Whether the student files of ``exercise`` (in ``folder``, by default the exercise's own)
    are exactly its starter."""
    starter = starter_folder(exercise, root)
    return _snapshot(folder or exercise.folder, exercise) == _snapshot(starter, exercise)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir() and not source.is_symlink():
        shutil.copytree(source, target, symlinks=True)
    else:
        shutil.copy2(source, target, follow_symlinks=False)


def backup(exercise: Exercise, backups: Path, now: datetime | None = None) -> Path:
    """Copy the student files of ``exercise`` into a new folder under ``backups``; its path."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    folder = backups / f"{exercise.number}-{stamp}"
    tries = 1
    while folder.exists():
        tries += 1
        folder = backups / f"{exercise.number}-{stamp}-{tries}"
    folder.mkdir(parents=True)
    for name in exercise.files:
        path = exercise.folder / name
        if path.exists() or path.is_symlink():
            _copy(path, folder / name)
    return folder


def restore(exercise: Exercise, root: Path) -> None:
    """Put the starter's version of every student file of ``exercise`` back in its folder."""
    starter = starter_folder(exercise, root)
    for name in exercise.files:
        target = exercise.folder / name
        _remove(target)
        source = starter / name
        if source.exists() or source.is_symlink():
            _copy(source, target)
