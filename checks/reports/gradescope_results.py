"""Gradescope's ``results.json``: a ``Grade`` written as Gradescope reads it
(``gradescope``), and read back (``from_gradescope``), scored again by the kit's manifests; and
the cap on a failure message that every JSON report keeps (``capped``).

It may import the vocabulary and ``checks.reports.score``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from checks.model import Exercise, Failure, Grade, Outcome, TestResult
from checks.reports.score import json_points, paid, score_exercise, shown_points

__all__ = ["MESSAGE_CAP", "capped", "from_gradescope", "gradescope"]

MESSAGE_CAP = 20_000
"""Characters of one failure message kept in a report; the rest is cut with a note."""

_GRADESCOPE_KEY = "checks"


def capped(message: str) -> str:
    """A failure message cut at ``MESSAGE_CAP`` characters, with a note that says so."""
    if len(message) <= MESSAGE_CAP:
        return message
    return message[:MESSAGE_CAP] + f"\n[... cut: the message had {len(message)} characters]"


def _summary(grade: Grade) -> str:
    lines = [f"Score: {shown_points(grade.score)} / {shown_points(grade.max_score)}"]
    lines += [
        f"  {r.exercise.number}  {shown_points(r.score):>6} / {shown_points(r.max_score):<6} {r.exercise.title}"
        for r in grade.exercises
    ]
    if grade.notes:
        lines.append("")
        lines += [f"- {note}" for note in grade.notes]
    return "\n".join(lines)


def _test_label(test: TestResult, title: str) -> str:
    return f"{test.exercise} {title}: {test.name}" if title else f"{test.exercise}: {test.name}"


def gradescope(grade: Grade) -> dict[str, Any]:
    """Gradescope's ``results.json`` for a grade (top-level score = the sum of the tests')."""
    tests: list[dict[str, Any]] = []
    for result in grade.exercises:
        for index, test in enumerate(result.tests, start=1):
            passed = paid(test)
            parts = [test.description] if test.description else []
            if test.message:
                parts.append(capped(test.message))
            number = result.exercise.number
            tests.append(
                {
                    "name": _test_label(test, result.exercise.title),
                    "number": f"{int(number) if number.isdigit() else number}.{index}",
                    "score": json_points(test.score),
                    "max_score": json_points(test.max_score),
                    "status": "passed" if passed else "failed",
                    "output": "\n\n".join(parts),
                    "visibility": result.exercise.visibility_of(test.name),
                    "extra_data": {
                        "exercise": number,
                        "test": test.nodeid,
                        "outcome": test.outcome.value,
                        "weight": test.weight,
                        "guard": test.guard,
                        "description": test.description,
                        "message": capped(test.message),
                        "file": test.file,
                        "line": test.line,
                        "duration": round(test.duration, 3),
                        "failure": test.failure.to_json() if test.failure else None,
                    },
                }
            )
    return {
        "score": json_points(grade.score),
        "execution_time": math.ceil(grade.seconds),
        "output": _summary(grade),
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "visibility": "visible",
        "tests": tests,
        "extra_data": {
            _GRADESCOPE_KEY: {
                "max_score": json_points(grade.max_score),
                "complete": grade.complete,
                "notes": grade.notes,
                "exercises": [
                    {
                        "number": r.exercise.number,
                        "title": r.exercise.title,
                        "points": r.exercise.points,
                        "message": r.message,
                        "untouched": r.untouched,
                    }
                    for r in grade.exercises
                ],
            }
        },
    }


def from_gradescope(data: Mapping[str, Any], exercises: Sequence[Exercise]) -> Grade:
    """Read back a grade the kit wrote as ``results.json``, scored again by the kit's manifests.

    Only the outcomes are taken from the file; the shares and scores are computed again, so a
    file whose numbers were changed cannot change the grade.
    """
    info: Mapping[str, Any] = data.get("extra_data", {}).get(_GRADESCOPE_KEY, {})
    messages = {
        str(e.get("number")): str(e.get("message") or "") for e in info.get("exercises", [])
    }
    untouched = {
        str(e.get("number")) for e in info.get("exercises", []) if e.get("untouched") is True
    }
    found: dict[str, list[TestResult]] = {}
    for entry in data.get("tests", []):
        extra: Mapping[str, Any] = entry.get("extra_data", {})
        number = str(extra.get("exercise", ""))
        nodeid = str(extra.get("test", ""))
        if nodeid == f"exercises/{number}":
            continue  # the stand-in for an exercise without tests: made again below
        line = extra.get("line")
        found.setdefault(number, []).append(
            TestResult(
                nodeid=nodeid,
                exercise=number,
                name=nodeid.rpartition("::")[2] or nodeid,
                outcome=Outcome(str(extra.get("outcome", Outcome.ERROR.value))),
                weight=float(extra.get("weight", 1.0)),
                message=str(extra.get("message", "")),
                duration=float(extra.get("duration", 0.0)),
                file=str(extra.get("file", "")),
                line=int(line) if isinstance(line, int) else None,
                description=str(extra.get("description", "")),
                guard=extra.get("guard") is True,
                failure=Failure.from_json(extra.get("failure")),
            )
        )
    graded = [
        replace(
            score_exercise(e, found.get(e.number, []), messages.get(e.number, "")),
            untouched=e.number in untouched,
        )
        for e in exercises
    ]
    notes = [str(n) for n in info.get("notes", [])]
    seconds = float(data.get("execution_time", 0) or 0)
    return Grade(
        exercises=graded, complete=bool(info.get("complete", False)), notes=notes, seconds=seconds
    )
