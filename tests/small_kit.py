"""A small copy of the kit (a few exercises only) and students' copies of it, for the tests of
grading: a whole ``checks grade`` of one takes seconds, not minutes."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from tests.support import KIT

KEPT = ("01", "03")
"""The exercises of the small kit by default: one a line of output, one three crashes."""

IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")


def make_small_kit(target: Path, numbers: Sequence[str] = KEPT) -> Path:
    """Copy the kit with only the exercises ``numbers`` (their starters and solutions too)."""
    target.mkdir(parents=True)
    for name in ("pyproject.toml", "conftest.py", "README.md"):
        shutil.copyfile(KIT / name, target / name)
    shutil.copytree(KIT / "checks", target / "checks", ignore=IGNORED)
    for part in ("exercises", "starters", "solutions"):
        for number in numbers:
            shutil.copytree(KIT / part / number, target / part / number, ignore=IGNORED)
    return target


def make_student(folder: Path, root: Path, *, solved: bool = True) -> Path:
    """A student's copy of the kit at ``root`` (no solutions/), solved or untouched."""
    folder.mkdir(parents=True)
    for name in ("pyproject.toml", "conftest.py"):
        shutil.copyfile(root / name, folder / name)
    shutil.copytree(root / "checks", folder / "checks", ignore=IGNORED)
    shutil.copytree(root / "exercises", folder / "exercises", ignore=IGNORED)
    if solved:
        shutil.copytree(root / "solutions", folder / "exercises", dirs_exist_ok=True)
    return folder
