"""Every starter fails for the reason its README gives, and every solution passes.

The reason is the manifest's ``starter_fails_with``: words that the starter's failure output
must show (the stage it stops at, the error it raises), so a starter that fails for some other
reason (a typo in a test, a missing file) is caught.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.manifest import load_all
from checks.model import Exercise
from tests.support import KIT, run_pytest

EXERCISES = load_all()


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.number)
def test_starter_fails_for_its_reason(exercise: Exercise) -> None:
    """The starter fails (exit 1) and its failure says what the README says."""
    assert exercise.starter_fails_with, f"{exercise.number}: manifest lacks starter_fails_with"
    done = run_pytest(f"exercises/{exercise.number}")
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    for words in exercise.starter_fails_with:
        assert words in output, f"{exercise.number}: {words!r} not in:\n{output}"


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.number)
def test_solution_passes(exercise: Exercise) -> None:
    """The reference solution passes every test of its exercise."""
    done = run_pytest(f"exercises/{exercise.number}", "--solutions")
    assert done.returncode == 0, done.stdout + done.stderr


HOSTILE_SHELL = {
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONPYCACHEPREFIX": "pycache-elsewhere",
    "PYTHONUNBUFFERED": "",
    "PYTHONSAFEPATH": "1",
    "PYTHONIOENCODING": "latin-1",
    "PYTHONWARNINGS": "error",
    "PYTHONOPTIMIZE": "2",
    "COLUMNS": "30",
    "NO_COLOR": "1",
}


@pytest.mark.parametrize("number", ["01", "05"])
def test_verdicts_ignore_the_shell(number: str, tmp_path: Path) -> None:
    """Starters fail and solutions pass alike under odd PYTHON* settings, from any folder."""
    exercise = next(e for e in EXERCISES if e.number == number)
    target = str(KIT / "exercises" / number)
    starter = run_pytest(target, "-p", "no:cacheprovider", cwd=tmp_path, env=HOSTILE_SHELL)
    output = starter.stdout + starter.stderr
    assert starter.returncode == 1, output
    for words in exercise.starter_fails_with:
        assert words in output, output
    solved = run_pytest(
        target, "--solutions", "-p", "no:cacheprovider", cwd=tmp_path, env=HOSTILE_SHELL
    )
    assert solved.returncode == 0, solved.stdout + solved.stderr
