"""Starters: the files an exercise begins with, and putting them back without losing any work.

The kit ships each starter twice. ``exercises/NN`` holds the copy the student edits in place;
``starters/NN`` holds the pristine copy that ``checks reset`` puts back: the files the manifest
names and nothing else, as ``solutions/NN`` holds the reference version of the same files. A
reset needs no git history, so it works in a downloaded zip of the kit too. The kit's own tests
keep the two copies equal and check that the starter fails its exercise's tests.

The kit also ships a seal of its starters, ``starters/sealed.json``: the digest of each exercise
folder as shipped (its tests, manifest, data and starter files). A folder that still has that
digest is an untouched starter under the kit's own tests, which the kit's tests prove fails
(``tests/test_starters.py``), so ``checks`` can say "not started" without running it
(``sealed_starter``). The seal only ever says "fails": a student who rewrites it can hide their
own progress from their table, never make a file pass. ``python -m checks.starter`` writes it
again after an exercise changes; the kit's tests say when it is stale.

A file the manifest names that is absent from ``starters/NN`` is one the student creates: a
reset removes it. Before a reset changes anything, every student file of the exercise is copied
to a new backup folder, ``.checks/backups/NN-<date>-<time>/``, so that nothing is ever lost.
"""

from __future__ import annotations

import json
import shutil
import sys
from datetime import datetime
from pathlib import Path
from typing import cast

from checks.cache import digest_tree
from checks.manifest import KIT_ROOT, load_all
from checks.model import Exercise

__all__ = [
    "SEAL",
    "STARTERS",
    "StarterError",
    "backup",
    "restore",
    "seal",
    "sealed_starter",
    "starter_folder",
    "untouched",
]

STARTERS = "starters"
"""The folder at the kit's root that holds the pristine starter of each exercise."""

SEAL = "sealed.json"
"""The file in ``starters/`` holding the digest of each exercise folder as shipped."""

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


def _seal_of(root: Path) -> dict[str, str]:
    """The digests in the kit's seal, by exercise number (none if it is missing or unreadable)."""
    try:
        data: object = json.loads((root / STARTERS / SEAL).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    entries = cast("dict[object, object]", data)
    return {
        number: digest
        for number, digest in entries.items()
        if isinstance(number, str) and isinstance(digest, str)
    }


def sealed_starter(exercise: Exercise, root: Path) -> bool:
    """Whether ``exercise``'s folder is, byte for byte, the one the kit shipped with its starter
    (so its tests fail on it: the kit's own tests prove it)."""
    digest = _seal_of(root).get(exercise.number)
    return digest is not None and digest == digest_tree(exercise.folder)


def seal(root: Path = KIT_ROOT) -> dict[str, str]:
    """Write the seal of the kit's exercise folders as they are now (each holding its starter)."""
    exercises = load_all(root)
    for exercise in exercises:
        if not untouched(exercise, root):
            msg = (
                f"exercises/{exercise.number} does not hold its starter (starters/"
                f"{exercise.number}/): put it back with `uv run checks reset {exercise.number}`, "
                "then seal again"
            )
            raise StarterError(msg)
    sealed = {exercise.number: digest_tree(exercise.folder) for exercise in exercises}
    text = json.dumps(sealed, indent=1, sort_keys=True) + "\n"
    (root / STARTERS / SEAL).write_text(text, encoding="utf-8")
    return sealed


if __name__ == "__main__":
    for number, digest in seal().items():
        sys.stdout.write(f"{number} {digest}\n")
