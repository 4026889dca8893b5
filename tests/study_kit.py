"""A small copy of the kit for the self-study tests: its checks, exercise 01 and a toy 02.

The copy holds the kit's own ``checks/``, ``conftest.py`` and ``pyproject.toml``, the real
exercise 01 (starter, solution, tests) and a toy exercise 02 written here (``answer.py`` must
print 42), so the tests of ``checks`` do not depend on the other exercises, which change on
their own schedule. ``python -m checks`` run in the copy imports the copy's ``checks``, so
nothing in the real tree is read or written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support import KIT

__all__ = ["TOY_HINTS", "make_kit", "run_checks", "write"]

TOY_HINTS = ("Look at the number.", "It is one too small.", "Print 42.")

_TOY_MANIFEST = f"""\
title = "The answer"
goal = "Make answer.py print 42."
files = ["answer.py"]
points = 10
hints = {list(TOY_HINTS)!r}
starter_fails_with = ["42"]
"""
_TOY_TEST = '''\
"""Toy exercise: answer.py prints 42."""

from checks import Stage

from checks.judges import expect


def test_prints_42(exercise):
    """answer.py runs to the end and prints 42."""
    run = exercise.run("answer.py")
    expect.stage(run, Stage.OK)
    expect.lines(run, ["42"])
'''
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")


def write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (making its folder), as an editor saves a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def make_kit(target: Path) -> Path:
    """Make the small kit in ``target`` and return it."""
    shutil.copytree(KIT / "checks", target / "checks", ignore=_IGNORED)
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copyfile(KIT / name, target / name)
    for top in ("exercises", "solutions", "starters"):
        shutil.copytree(KIT / top / "01", target / top / "01", ignore=_IGNORED)
    write(target / "exercises/02/exercise.toml", _TOY_MANIFEST)
    write(target / "exercises/02/test_answer.py", _TOY_TEST)
    for top, number in (("exercises", 41), ("starters", 41), ("solutions", 42)):
        write(target / top / "02/answer.py", f"print({number})\n")
    return target


def run_checks(
    kit: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m checks ARGS`` in ``kit``, as a student would type ``uv run checks``."""
    environment = {**os.environ, "COLUMNS": "80", "NO_COLOR": "", "FORCE_COLOR": ""}
    return subprocess.run(
        [sys.executable, "-m", "checks", *args],
        cwd=kit,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env={**environment, **(env or {})},
        timeout=300,
        check=False,
    )
