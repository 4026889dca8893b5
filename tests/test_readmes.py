"""Every exercise README gives its hint line, and every command it suggests runs as typed.

The commands are read from the README's code blocks (a line that starts with ``uv run``, or
``$ uv run`` / ``$ cd`` / ``$ ls`` in a console block) and run, in order, in a scratch copy of
the kit, with the kit's own environment in place of ``uv run``, and then its hint line's
command. A command may fail as the exercise's starter fails (exit 1), but never for want of a
file, with a usage error, or with a traceback from the kit's insides. How they are read and run
is ``checks.cli.selfcheck``'s, the same that ``checks dev check`` uses. A file of the kit's own
that a README has the student run (a demo such as 07's ``project/main.py``) runs without a
traceback, unless crashing is its lesson. ``python`` and ``pytest`` are the ones beside the
Python that runs these tests, so under ``nox -s tests-3.15`` every command runs on 3.15.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.cli.selfcheck import copy_kit, hint_line, readme_problem
from tests.support import KIT

EXERCISES = sorted(p.parent for p in (KIT / "exercises").glob("*/exercise.toml"))


@pytest.mark.parametrize("folder", EXERCISES, ids=lambda p: p.name)
def test_readme_gives_the_hint_line(folder: Path) -> None:
    """Each README says where the next hint is: Stuck? `uv run checks hint NN`."""
    text = (folder / "README.md").read_text(encoding="utf-8")
    assert hint_line(folder.name) in text


@pytest.fixture(scope="module")
def kit_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch copy of the kit, where suggested commands may write what they like."""
    return copy_kit(KIT, tmp_path_factory.mktemp("kit"))


@pytest.mark.parametrize("folder", EXERCISES, ids=lambda p: p.name)
def test_every_suggested_command_runs(folder: Path, kit_copy: Path) -> None:
    """Each command in a README's code blocks finds its files and runs, as typed, from the top."""
    problem = readme_problem(kit_copy / "exercises" / folder.name, kit_copy)
    assert problem is None, f"{folder.name}: {problem}"
