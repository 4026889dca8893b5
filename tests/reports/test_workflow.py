"""CI without a classroom: the job summary, the annotations on the student's files, the check.

A real run of the kit on the starters writes results.json; ``python -m checks.reports.workflow`` reads
it as GitHub Actions and GitLab CI run it, and the summary, annotations and exit status are
held against what a teacher and a student must see.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from checks import reports
from checks.manifest import load_all
from checks.model import Exercise, ExerciseResult, Grade, Outcome, TestResult
from checks.reports.workflow import error_annotations, student_place
from tests.support import KIT, run_pytest


def _row(message: str, files: tuple[str, ...] = ("pycache.py", "answers.py")) -> ExerciseResult:
    exercise = Exercise(
        number="07", folder=KIT / "exercises" / "07", title="t", goal="", files=files
    )
    test = TestResult(
        nodeid="exercises/07/test_x.py::test_a",
        exercise="07",
        name="test_a",
        outcome=Outcome.FAILED,
        message=message,
    )
    return reports.score_exercise(exercise, [test])


def test_the_student_place_is_the_file_and_line_the_message_names() -> None:
    """'line N of FILE' names the file and line; else the file named, or the first file."""
    assert student_place(_row(""), "stopped on line 25 of answers.py.") == (
        "exercises/07/answers.py",
        25,
    )
    assert student_place(_row(""), "answers.py says True on line 3") == (
        "exercises/07/answers.py",
        3,
    )
    assert student_place(_row(""), "nothing said") == ("exercises/07/pycache.py", 1)


def test_annotations_escape_the_message_and_name_the_exercise() -> None:
    """One ::error per failing exercise, newlines and % escaped as GitHub reads them."""
    grade = Grade(exercises=[_row("50% done\non line 4 of pycache.py")])
    (command,) = error_annotations(grade)
    assert command.startswith("::error file=exercises/07/pycache.py,line=4,title=Exercise 07")
    assert "50%25 done%0Aon line 4" in command


def _starter_results(tmp_path: Path) -> Path:
    results = tmp_path / "results.json"
    run_pytest("exercises", f"--gradescope={results}", "-p", "no:cacheprovider")
    assert results.is_file()
    return results


def test_the_step_writes_the_summary_and_fails_the_check(tmp_path: Path) -> None:
    """On the starters: the points table in the job summary, annotations, exit status 1."""
    results = _starter_results(tmp_path)
    step_summary = tmp_path / "summary.md"
    env = {**os.environ, "GITHUB_STEP_SUMMARY": str(step_summary), "GITHUB_ACTIONS": "true"}
    done = subprocess.run(
        [sys.executable, "-m", "checks.reports.workflow", str(results)],
        cwd=KIT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    text = step_summary.read_text(encoding="utf-8")
    assert text.startswith("## Points: 0 / 100")
    assert all(f"| {e.number} " in text for e in load_all())
    errors = [line for line in done.stdout.splitlines() if line.startswith("::error ")]
    assert len(errors) == len(load_all())
    assert "::error file=exercises/06/bytecode.py,line=18," in done.stdout


def test_a_missing_report_is_0_points_and_a_failed_check(tmp_path: Path) -> None:
    """When the kit wrote no results.json, the summary says 0 and why, and the check fails."""
    done = subprocess.run(
        [sys.executable, "-m", "checks.reports.workflow", str(tmp_path / "none.json")],
        cwd=KIT,
        env={k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "## Points: 0 / 100" in done.stdout
    assert "no readable report" in done.stdout
