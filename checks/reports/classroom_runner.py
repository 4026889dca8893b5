"""GitHub Classroom's runner JSON (legacy: the Classroom closed in 2026), in whole points.

Classroom 50's ``result.json`` is not here: it is ``checks.grade.classroom50``'s. This module
may import the vocabulary, ``checks.reports.score`` and ``checks.reports.gradescope_results``
(for the cap on a message).
"""

from __future__ import annotations

from typing import Any

from checks.model import Grade, Outcome, cents
from checks.reports.gradescope_results import capped
from checks.reports.score import paid, whole_points

__all__ = ["CLASSROOM_VERSION", "classroom"]

CLASSROOM_VERSION = 1
"""The version of GitHub Classroom's runner JSON written (``version`` field)."""


def classroom(grade: Grade) -> dict[str, Any]:
    """GitHub Classroom's runner JSON for a grade (legacy: the Classroom closed in 2026).

    Its reporter adds up the tests' scores as floating-point numbers, so shares in hundredths
    came out as 52.56999999999999: the scores are whole points instead, by the rule Classroom 50
    follows (``whole_points``), and ``max_score`` is the maximum rounded the same way.
    """
    tests: list[dict[str, Any]] = []
    whole = whole_points([cents(test.score) for test in grade.tests])
    for test, points in zip(grade.tests, whole, strict=True):
        ran = test.outcome in (Outcome.FAILED, Outcome.PASSED, Outcome.SKIPPED)
        status = "pass" if paid(test) else "fail" if ran else "error"
        tests.append(
            {
                "name": f"{test.exercise} {test.name}",
                "status": status,
                "score": points,
                "message": capped(test.message) if status != "pass" else test.description,
                "test_code": f"uv run pytest {test.nodeid}",
                "filename": test.file,
                "line_no": test.line or 0,
                "duration": round(test.duration * 1000),
            }
        )
    if not grade.complete:
        status = "error"
    elif all(t["status"] == "pass" for t in tests):
        status = "pass"
    else:
        status = "fail"
    return {
        "version": CLASSROOM_VERSION,
        "status": status,
        "max_score": (cents(grade.max_score) + 50) // 100,
        "tests": tests,
    }
