"""CI without a classroom: a job summary and annotations from a run's ``results.json``.

The GitHub Actions workflow the kit ships (``.github/workflows/grade.yml``) and the GitLab CI
template (``.gitlab-ci.yml``) run the pristine tests on a student's files and write Gradescope's
``results.json`` and JUnit XML; then ``python -m checks.reports.workflow results.json`` turns the
first into a Markdown table of points per exercise (appended to ``$GITHUB_STEP_SUMMARY`` when
it is set, else printed) and, on GitHub, one ``::error`` annotation per failing exercise, on
the student's file and the line its message names. It exits 1 when an exercise is not passed,
so the check fails where an exercise fails.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from checks import reports
from checks.manifest import KIT_ROOT
from checks.model import ExerciseResult, Grade, Outcome, cents

__all__ = ["error_annotations", "main", "student_place", "summary"]

_LINE_OF = re.compile(r"line (\d+) of ([\w./-]+?\.\w+)")
_LINE = re.compile(r"\bline (\d+)\b")
_ANNOTATION_CAP = 4000
"""Characters of a message put in one annotation (GitHub shows a few lines of it)."""


def _shown(points: float) -> str:
    return f"{points:g}" if cents(points) % 100 == 0 else f"{points:.2f}"


def summary(grade: Grade) -> str:
    """The points table in Markdown: one row per exercise, then the total and the notes."""
    lines = [
        f"## Points: {_shown(grade.score)} / {_shown(grade.max_score)}",
        "",
        "| Exercise | Result | Points |",
        "|---|---|---|",
    ]
    for row in grade.exercises:
        mark = "passed" if row.passed else "not yet"
        title = row.exercise.title.replace("|", "\\|")
        lines.append(
            f"| {row.exercise.number} {title} | {mark} | "
            f"{_shown(row.score)} / {_shown(row.max_score)} |"
        )
    if grade.notes:
        lines += ["", *[f"- {note.splitlines()[0]}" for note in grade.notes if note.strip()]]
    return "\n".join(lines) + "\n"


def student_place(row: ExerciseResult, message: str) -> tuple[str, int]:
    """The student's file (from the kit's root) and line a failure's message names."""
    files = [name for name in row.exercise.files if not name.endswith("/")] or [
        row.exercise.files[0].rstrip("/")
    ]
    found = _LINE_OF.search(message)
    if found and Path(found.group(2)).name in {Path(f).name for f in files}:
        name = next(f for f in files if Path(f).name == Path(found.group(2)).name)
        return f"exercises/{row.exercise.number}/{name}", int(found.group(1))
    named = [f for f in files if Path(f).name in message] or files
    line = _LINE.search(message)
    return f"exercises/{row.exercise.number}/{named[0]}", int(line.group(1)) if line else 1


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def error_annotations(grade: Grade) -> list[str]:
    """One GitHub ``::error`` command per exercise not passed, on the student's file."""
    commands: list[str] = []
    for row in grade.exercises:
        earned = (Outcome.PASSED, Outcome.SKIPPED)
        failed = [t for t in row.tests if t.outcome not in earned]
        failed += [t for t in row.tests if t.outcome in earned and t.score < t.max_score]
        if not failed:
            continue
        first = failed[0]
        message = (first.message or row.message or "This exercise does not pass yet.").strip()
        file, line = student_place(row, message)
        title = f"Exercise {row.exercise.number}: {first.name}"
        commands.append(
            f"::error file={file},line={line},title={_escape(title).replace(',', '%2C')}::"
            f"{_escape(message[:_ANNOTATION_CAP])}"
        )
    return commands


def main(argv: Sequence[str] | None = None) -> int:
    """Write the job summary and annotations of a run; 1 when an exercise is not passed."""
    parser = argparse.ArgumentParser(prog="python -m checks.reports.workflow")
    parser.add_argument("results", type=Path, help="the run's results.json (--gradescope)")
    args = parser.parse_args(argv)
    exercises, _ = reports.kit_exercises(KIT_ROOT)
    try:
        data = json.loads(Path(args.results).read_text(encoding="utf-8"))
        grade = reports.from_gradescope(data, exercises)
    except (OSError, ValueError, TypeError, AttributeError) as error:
        why = f"The kit wrote no readable report ({type(error).__name__}): see the log above."
        grade = reports.zero_grade(exercises, why)
    text = summary(grade)
    target = os.environ.get("GITHUB_STEP_SUMMARY", "")
    if target:
        with Path(target).open("a", encoding="utf-8") as handle:
            handle.write(text)
    else:
        print(text)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for command in error_annotations(grade):
            print(command)
    print(f"Points: {_shown(grade.score)} / {_shown(grade.max_score)}")
    return 0 if grade.complete and all(row.passed for row in grade.exercises) else 1


if __name__ == "__main__":
    sys.exit(main())
