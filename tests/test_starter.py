"""Starters: ``checks reset`` puts them back without losing work, and the kit ships them right.

The first tests pin ``checks.starter`` on made-up exercises. The last ones check the kit itself:
every exercise ships ``starters/NN`` with exactly its starter, the same files the student finds
in ``exercises/NN``, and that starter fails the exercise's tests.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from checks.manifest import load_all
from checks.model import Exercise
from checks.starter import (
    SEAL,
    STARTERS,
    StarterError,
    backup,
    restore,
    seal,
    sealed_starter,
    starter_folder,
    untouched,
)
from tests.support import KIT, run_pytest

EXERCISES = load_all()
NOON = datetime(2025, 1, 2, 12, 0, 0)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def exercise(tmp_path: Path) -> Exercise:
    """An exercise with a file, a folder and a file the student creates, and its starter."""
    folder = tmp_path / "exercises" / "07"
    for base in (folder, tmp_path / STARTERS / "07"):
        _write(base / "main.py", "print('start')\n")
        _write(base / "project" / "keep.txt", "start\n")
    return Exercise("07", folder, "t", "g", ("main.py", "project/", "notes.txt"))


def test_a_fresh_exercise_is_untouched(exercise: Exercise, tmp_path: Path) -> None:
    """The starter's own files are untouched; any change, added file or deletion is not."""
    assert untouched(exercise, tmp_path)
    _write(exercise.folder / "notes.txt", "mine\n")
    assert not untouched(exercise, tmp_path)
    (exercise.folder / "notes.txt").unlink()
    (exercise.folder / "project" / "keep.txt").unlink()
    assert not untouched(exercise, tmp_path)


def test_backup_then_restore(exercise: Exercise, tmp_path: Path) -> None:
    """Every student file is kept, then the starter comes back and a created file goes."""
    _write(exercise.folder / "main.py", "print('mine')\n")
    _write(exercise.folder / "project" / "extra.txt", "mine\n")
    _write(exercise.folder / "notes.txt", "my notes\n")
    kept = backup(exercise, tmp_path / "backups", NOON)
    assert kept == tmp_path / "backups" / "07-20250102-120000"
    restore(exercise, tmp_path)
    assert untouched(exercise, tmp_path)
    assert not (exercise.folder / "notes.txt").exists()
    assert (kept / "main.py").read_text(encoding="utf-8") == "print('mine')\n"
    assert (kept / "project" / "extra.txt").read_text(encoding="utf-8") == "mine\n"
    assert (kept / "notes.txt").read_text(encoding="utf-8") == "my notes\n"


def test_backups_never_overwrite_each_other(exercise: Exercise, tmp_path: Path) -> None:
    """Two backups in the same second go to two folders."""
    first = backup(exercise, tmp_path / "backups", NOON)
    second = backup(exercise, tmp_path / "backups", NOON)
    assert first != second
    assert second.name == "07-20250102-120000-2"


def test_no_starter_folder(exercise: Exercise, tmp_path: Path) -> None:
    """A kit without starters/NN says so instead of guessing."""
    shutil.rmtree(tmp_path / STARTERS)
    with pytest.raises(StarterError, match="no starter for exercise 07"):
        starter_folder(exercise, tmp_path)


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.number)
def test_the_kit_ships_each_starter(exercise: Exercise) -> None:
    """starters/NN holds exactly the student files of exercises/NN as shipped, nothing else."""
    starter = KIT / STARTERS / exercise.number
    assert starter.is_dir(), f"{STARTERS}/{exercise.number}/ is missing: copy the starter there"
    shipped = {p.relative_to(starter).as_posix() for p in starter.rglob("*") if p.is_file()}
    named = {
        name
        for name in shipped
        if any(name == f or name.startswith(f.rstrip("/") + "/") for f in exercise.files)
    }
    assert shipped == named, f"{STARTERS}/{exercise.number} holds files the manifest does not name"
    assert untouched(exercise, KIT), (
        f"exercises/{exercise.number} differs from {STARTERS}/{exercise.number}: the starter a "
        "student gets must be the one `checks reset` puts back"
    )


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.number)
def test_the_seal_is_current(exercise: Exercise) -> None:
    """starters/sealed.json holds the digest of exercises/NN as shipped (its starter, its
    tests): ``checks`` shows it as not started without running it."""
    assert sealed_starter(exercise, KIT), (
        f"{STARTERS}/{SEAL} does not match exercises/{exercise.number}: once its starter and "
        "its tests are as they should ship, seal them again with `uv run python -m checks.starter`"
    )


def test_a_seal_is_only_for_starters(exercise: Exercise, tmp_path: Path) -> None:
    """A seal is written only over untouched starters, and a changed file breaks it."""
    (tmp_path / "exercises" / "07" / "exercise.toml").write_text(
        'title = "t"\ngoal = "g"\nfiles = ["main.py", "project/", "notes.txt"]\n',
        encoding="utf-8",
    )
    shipped = seal(tmp_path)
    assert set(shipped) == {"07"}
    assert sealed_starter(exercise, tmp_path)
    _write(exercise.folder / "main.py", "print('mine')\n")
    assert not sealed_starter(exercise, tmp_path)
    with pytest.raises(StarterError, match="does not hold its starter"):
        seal(tmp_path)


def test_every_starter_fails_its_tests(tmp_path: Path) -> None:
    """Each starters/NN, checked as a student's copy, fails its exercise's tests."""
    for exercise in EXERCISES:
        starter = KIT / STARTERS / exercise.number
        if starter.is_dir():
            shutil.copytree(starter, tmp_path / "exercises" / exercise.number)
        else:
            (tmp_path / "exercises" / exercise.number).mkdir(parents=True)
    for exercise in EXERCISES:
        done = run_pytest(f"exercises/{exercise.number}", "--submission", str(tmp_path))
        assert done.returncode == 1, f"{exercise.number}:\n{done.stdout}{done.stderr}"
