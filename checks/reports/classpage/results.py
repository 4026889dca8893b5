"""The class as a grading left it: the gradebook's students, each with the grade its
``results.json`` holds, and where each student stands on each exercise.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checks import reports
from checks.model import (
    Exercise,
    ExerciseResult,
    FailedAt,
    Failure,
    Grade,
    Outcome,
    TestResult,
    cents,
)

__all__ = [
    "GRADEBOOK",
    "NOT_GRADED",
    "RESULTS",
    "Student",
    "first_failing",
    "first_failure",
    "read_class",
    "solved",
]

GRADEBOOK = "grades.csv"
RESULTS = "results.json"

NOT_GRADED = "not graded"
"""The error of an exercise none of whose tests ran (a folder that is not a kit, say)."""


@dataclass
class Student:
    """One row of the gradebook and the grade its ``results.json`` holds."""

    name: str
    total: float
    max_score: float
    grade: Grade | None
    """``None`` when the student's ``results.json`` is missing or cannot be read."""
    note: str = ""


def solved(result: ExerciseResult) -> bool:
    """Whether a student earned every point of an exercise (what the gradebook shows in full)."""
    return result.max_score > 0 and cents(result.score) == cents(result.max_score)


def first_failing(result: ExerciseResult) -> TestResult | None:
    """The first test of an exercise that did not pass or skip, in the order they ran."""
    for test in result.tests:
        if test.outcome not in (Outcome.PASSED, Outcome.SKIPPED):
            return test
    return None


def first_failure(result: ExerciseResult) -> Failure:
    """Where the first test of an exercise that did not pass (or skip) stopped."""
    test = first_failing(result)
    if test is None:
        return Failure(FailedAt.OTHER)
    if test.failure is not None:
        return test.failure
    if test.nodeid == f"exercises/{result.exercise.number}":
        return Failure(FailedAt.OTHER, NOT_GRADED)  # no test ran: the notes say why
    if test.outcome is Outcome.NOT_RUN:
        return Failure(FailedAt.OTHER, "did not run")
    return Failure(FailedAt.OTHER)


def _read_results(folder: Path, exercises: Sequence[Exercise]) -> Grade | None:
    try:
        data: Any = json.loads((folder / RESULTS).read_text(encoding="utf-8"))
        return reports.from_gradescope(data, exercises)
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def _points(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def read_class(out: Path, exercises: Sequence[Exercise]) -> list[Student]:
    """The students of a grading's folder: the gradebook's rows, each with its results."""
    with (out / GRADEBOOK).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    students: list[Student] = []
    for row in rows:
        name = row.get("student") or ""
        folder = out / name
        inside = name not in ("", ".", "..") and folder.resolve().parent == out.resolve()
        grade = _read_results(folder, exercises) if inside else None
        students.append(
            Student(
                name=name,
                total=_points(row.get("total") or ""),
                max_score=_points(row.get("max") or ""),
                grade=grade,
                note=row.get("note") or "",
            )
        )
    return students
