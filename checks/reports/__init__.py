"""Points and reports: the verdicts of one run turned into a ``Grade``, and the ``Grade`` turned
into Gradescope's ``results.json``, GitHub Classroom's (legacy) runner JSON, a CSV gradebook and
a text report (Classroom 50's ``result.json`` is ``checks.grade.classroom50``'s). Every format is made from the same ``Grade``, so every view adds up the same.

How points are counted, the one rule every view follows:

- An exercise is worth the ``points`` of its manifest (default 10). Its tests share them in
  proportion to their weight, ``@pytest.mark.points(n)`` (default 1).
- Shares are whole hundredths of a point: each exact share is rounded down, and the hundredths
  left over go one each to the largest remainders (the earlier test first on a tie), so the
  shares add up exactly to the exercise's points.
- A test scores its whole share when it passes, or when it is skipped (a check that cannot be
  made on this machine is not held against the student); it scores 0 when it fails, errors or
  does not run.
- Nothing for nothing: a guard (``@pytest.mark.guard``, a check that the real tests can be
  trusted, such as "keeps its functions") has no share, and while a guard fails, every test of
  its exercise scores 0. An untouched starter, on which only guards pass, scores 0.
- An exercise's score is the sum of its tests' scores, a run's the sum of its exercises'; every
  sum is done in hundredths, so no view rounds differently from another. Views that take whole
  points (Classroom 50, the legacy runner JSON) show the total rounded half up, shared by
  largest remainder (``whole_points``).
- The maximum of a run is the points of every exercise its paths cover: the whole kit for
  ``pytest`` or ``pytest exercises``, one exercise for ``pytest exercises/03``. An exercise whose
  tests could not be collected counts as one test worth its points, scoring 0 with the reason;
  a collected test that did not run (deselected, or the run stopped) scores 0 with the reason.
"""

from __future__ import annotations

import csv
import json
import math
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any, TextIO

from checks.manifest import DEFAULT_POINTS, MANIFEST, ManifestError, load_exercise
from checks.model import Exercise, ExerciseResult, Failure, Grade, Outcome, TestResult, cents

__all__ = [
    "CLASSROOM_VERSION",
    "MESSAGE_CAP",
    "classroom",
    "covered",
    "csv_header",
    "csv_row",
    "from_gradescope",
    "grade_run",
    "gradescope",
    "kit_exercises",
    "score_exercise",
    "shares",
    "text_report",
    "whole_points",
    "write_csv",
    "write_json",
    "zero_grade",
]

CLASSROOM_VERSION = 1
"""The version of GitHub Classroom's runner JSON written (``version`` field)."""

MESSAGE_CAP = 20_000
"""Characters of one failure message kept in a report; the rest is cut with a note."""

REPORT_LINES = 25
"""Lines of one failure message shown in the text report."""

DESELECTED = "This test did not run: the run deselected it (-k or -m), so it scores 0."
STOPPED = "This test did not run: the run ended before it ({why}), so it scores 0."
NO_TESTS = "No test of this exercise was collected, so it scores 0."
GATED = (
    "This check passed, but it scores 0 for now: the exercise's guard ({guards}) failed, and "
    "the exercise earns nothing until its guards pass. Its message says what to fix."
)
_GRADESCOPE_KEY = "checks"


def kit_exercises(root: Path) -> tuple[list[Exercise], list[str]]:
    """Every exercise folder of the kit at ``root``, and what is wrong with unreadable manifests.

    An exercise whose manifest cannot be read still counts, with the default points, so that a
    broken manifest lowers nobody's maximum.
    """
    exercises: list[Exercise] = []
    problems: list[str] = []
    folder = root / "exercises"
    if not folder.is_dir():
        return exercises, [f"{folder} is missing: there are no exercises to grade."]
    for path in sorted(p for p in folder.iterdir() if (p / MANIFEST).is_file()):
        try:
            exercises.append(load_exercise(path))
        except ManifestError as error:
            problems.append(str(error))
            exercises.append(
                Exercise(
                    number=path.name,
                    folder=path,
                    title="(manifest unreadable)",
                    goal="",
                    files=(),
                    points=DEFAULT_POINTS,
                )
            )
    return exercises, problems


def covered(exercises: Iterable[Exercise], paths: Iterable[Path]) -> list[Exercise]:
    """The exercises a run's paths cover: a path at, above or inside an exercise folder."""
    resolved = [path.resolve() for path in paths]
    found: list[Exercise] = []
    for exercise in exercises:
        folder = exercise.folder.resolve()
        if any(p == folder or p in folder.parents or folder in p.parents for p in resolved):
            found.append(exercise)
    return found


def shares(points: float, weights: Sequence[float]) -> list[int]:
    """Split ``points`` into hundredths in proportion to ``weights``; the parts sum exactly."""
    total = cents(points)
    exact_weights = [Fraction(w) for w in weights]
    weight_sum = sum(exact_weights)
    if weight_sum <= 0:
        exact_weights = [Fraction(1)] * len(weights)
        weight_sum = Fraction(len(weights))
    exact = [total * w / weight_sum for w in exact_weights]
    parts = [math.floor(x) for x in exact]
    left = total - sum(parts)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return parts


def _half_up(hundredths: int) -> int:
    return (hundredths + 50) // 100


def whole_points(hundredths: Sequence[int]) -> list[int]:
    """Whole points for values in hundredths: they add up to the sum rounded half up, and
    each is its value rounded down or up (largest remainders first, the earlier on a tie)."""
    target = _half_up(sum(hundredths))
    parts = [value // 100 for value in hundredths]
    order = sorted(range(len(hundredths)), key=lambda i: (-(hundredths[i] % 100), i))
    for i in order[: max(0, target - sum(parts))]:
        parts[i] += 1
    return parts


def _earns(test: TestResult) -> bool:
    return test.outcome in (Outcome.PASSED, Outcome.SKIPPED)


def _paid(test: TestResult) -> bool:
    """Whether a scored test got its whole share (a guard's share is nothing)."""
    return _earns(test) and cents(test.score) == cents(test.max_score)


def score_exercise(
    exercise: Exercise, tests: Sequence[TestResult], message: str = ""
) -> ExerciseResult:
    """Share the exercise's points among its tests and score each test by its outcome.

    With no test at all, the exercise is one test worth its points that scores 0 with
    ``message`` (or a standard one).
    """
    if not tests:
        tests = [
            TestResult(
                nodeid=f"exercises/{exercise.number}",
                exercise=exercise.number,
                name=f"exercise {exercise.number}",
                outcome=Outcome.ERROR,
                message=message or NO_TESTS,
                file=f"exercises/{exercise.number}",
            )
        ]
    paying = any(not t.guard for t in tests)
    parts = shares(exercise.points, [0.0 if t.guard and paying else t.weight for t in tests])
    failed_guards = [t.name for t in tests if t.guard and not _earns(t)]
    gate = GATED.format(guards=", ".join(failed_guards)) if failed_guards else ""
    scored: list[TestResult] = []
    for test, share in zip(tests, parts, strict=True):
        earned = _earns(test) and not gate
        text = gate if _earns(test) and gate and share else test.message
        scored.append(
            replace(test, max_score=share / 100, score=share / 100 if earned else 0.0, message=text)
        )
    return ExerciseResult(exercise=exercise, tests=scored, message=message)


def grade_run(
    exercises: Sequence[Exercise],
    *,
    planned: Mapping[str, TestResult],
    results: Mapping[str, Sequence[TestResult]],
    broken: Mapping[str, str] | None = None,
    deselected: Iterable[str] = (),
    stop: str = "",
    notes: Sequence[str] = (),
    seconds: float = 0.0,
) -> Grade:
    """The grade of one pytest run.

    Args:
        exercises: the exercises the run covers, in order.
        planned: every test collected from them, by node id, before deselection.
        results: the verdicts the run reported, by exercise number.
        broken: why an exercise's tests could not be collected, by exercise number.
        deselected: node ids deselected with ``-k`` or ``-m``.
        stop: why the run stopped before its end, empty when it ran to the end.
        notes: anything else the reader must know.
        seconds: how long the run took.
    """
    broken = broken or {}
    skipped_ids = set(deselected)
    by_id = {t.nodeid: t for tests in results.values() for t in tests}
    graded: list[ExerciseResult] = []
    for exercise in exercises:
        mine = [t for t in planned.values() if t.exercise == exercise.number]
        known = {t.nodeid for t in mine}
        mine += [t for t in results.get(exercise.number, []) if t.nodeid not in known]
        tests: list[TestResult] = []
        for test in mine:
            verdict = by_id.get(test.nodeid)
            failure = None
            if verdict is not None:
                outcome, message, duration = verdict.outcome, verdict.message, verdict.duration
                failure = verdict.failure
            elif test.nodeid in skipped_ids:
                outcome, message, duration = Outcome.NOT_RUN, DESELECTED, 0.0
            else:
                why = STOPPED.format(why=stop or "it stopped early")
                outcome, message, duration = Outcome.NOT_RUN, why, 0.0
            tests.append(
                replace(test, outcome=outcome, message=message, duration=duration, failure=failure)
            )
        graded.append(score_exercise(exercise, tests, broken.get(exercise.number, "")))
    complete = not stop and not broken
    all_notes = list(notes)
    if stop:
        all_notes.insert(0, f"The run did not finish: {stop}. What did not run scores 0.")
    numbers = {exercise.number for exercise in exercises}
    for number in sorted(broken):
        where = f"The tests of exercise {number}" if number in numbers else f"exercises/{number}"
        all_notes.append(f"{where} could not be collected.")
    return Grade(exercises=graded, complete=complete, notes=all_notes, seconds=seconds)


def zero_grade(exercises: Sequence[Exercise], reason: str) -> Grade:
    """A grade of 0 on every exercise, for a submission that could not be graded."""
    graded = [score_exercise(exercise, [], reason) for exercise in exercises]
    return Grade(exercises=graded, complete=False, notes=[reason])


def _number(points: float) -> float | int:
    """A score as JSON shows it: an integer when it is whole, else two decimals."""
    value = round(points, 2)
    return int(value) if value == int(value) else value


def _shown(points: float) -> str:
    return f"{_number(points):g}" if points == int(points) else f"{points:.2f}"


def _capped(message: str) -> str:
    if len(message) <= MESSAGE_CAP:
        return message
    return message[:MESSAGE_CAP] + f"\n[... cut: the message had {len(message)} characters]"


def _summary(grade: Grade) -> str:
    lines = [f"Score: {_shown(grade.score)} / {_shown(grade.max_score)}"]
    lines += [
        f"  {r.exercise.number}  {_shown(r.score):>6} / {_shown(r.max_score):<6} {r.exercise.title}"
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
            passed = _paid(test)
            parts = [test.description] if test.description else []
            if test.message:
                parts.append(_capped(test.message))
            number = result.exercise.number
            tests.append(
                {
                    "name": _test_label(test, result.exercise.title),
                    "number": f"{int(number) if number.isdigit() else number}.{index}",
                    "score": _number(test.score),
                    "max_score": _number(test.max_score),
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
                        "message": _capped(test.message),
                        "file": test.file,
                        "line": test.line,
                        "duration": round(test.duration, 3),
                        "failure": test.failure.to_json() if test.failure else None,
                    },
                }
            )
    return {
        "score": _number(grade.score),
        "execution_time": math.ceil(grade.seconds),
        "output": _summary(grade),
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "visibility": "visible",
        "tests": tests,
        "extra_data": {
            _GRADESCOPE_KEY: {
                "max_score": _number(grade.max_score),
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
        status = "pass" if _paid(test) else "fail" if ran else "error"
        tests.append(
            {
                "name": f"{test.exercise} {test.name}",
                "status": status,
                "score": points,
                "message": _capped(test.message) if status != "pass" else test.description,
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


def text_report(grade: Grade, student: str = "") -> str:
    """A short report for a person: the score, the notes, each exercise and each failure."""
    head = f"{student}: " if student else ""
    lines = [f"{head}{_shown(grade.score)} / {_shown(grade.max_score)} points"]
    if not grade.complete:
        lines.append("(incomplete: the notes say why)")
    for note in grade.notes:
        first, *rest = note.splitlines() or [""]
        lines.append(f"- {first}")
        lines += [f"  {text}" for text in rest]
    noted = {note.strip() for note in grade.notes}
    for result in grade.exercises:
        lines.append("")
        lines.append(
            f"{result.exercise.number}  {result.exercise.title}: "
            f"{_shown(result.score)} / {_shown(result.max_score)}"
        )
        for test in result.tests:
            if _paid(test):
                continue
            lines.append(
                f"  {test.outcome.value}: {test.name} "
                f"({_shown(test.score)} / {_shown(test.max_score)})"
            )
            if test.message.strip() in noted:
                continue
            message = test.message.strip().splitlines()
            shown = message[:REPORT_LINES]
            lines += [f"      {text}".rstrip() for text in shown]
            if len(message) > len(shown):
                lines.append(f"      [... {len(message) - len(shown)} more lines]")
    return "\n".join(lines) + "\n"


def csv_header(exercises: Sequence[Exercise]) -> list[str]:
    """The gradebook's columns: student, total, max, one per exercise, a note, the folder."""
    return ["student", "total", "max", *[e.number for e in exercises], "note", "path"]


def csv_row(
    student: str, grade: Grade, exercises: Sequence[Exercise], folder: str = ""
) -> list[str]:
    """One student's gradebook row; the total is the sum of the exercise columns. ``folder``
    is the submission's folder, which tells apart two students of one name."""
    scores = {r.exercise.number: r.score for r in grade.exercises}
    return [
        student,
        _shown(grade.score),
        _shown(grade.max_score),
        *[_shown(scores.get(e.number, 0.0)) for e in exercises],
        " ".join(note.splitlines()[0] for note in grade.notes if note.strip()),
        folder,
    ]


def write_csv(
    path: Path,
    grades: Mapping[str, Grade],
    exercises: Sequence[Exercise],
    folders: Mapping[str, str] | None = None,
) -> None:
    """Write the gradebook, one row per student in name order, with each one's folder (printable)."""
    where = dict(folders or {})
    rows = [csv_header(exercises)]
    rows += [csv_row(name, grades[name], exercises, where.get(name, "")) for name in sorted(grades)]
    _atomic_write(path, lambda handle: csv.writer(handle, lineterminator="\n").writerows(rows))


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write a report as UTF-8 JSON, all at once (a reader never sees half a file)."""
    _atomic_write(path, lambda handle: json.dump(data, handle, ensure_ascii=False, indent=2))


def _atomic_write(path: Path, fill: Callable[[TextIO], object]) -> None:
    """Write a whole file or nothing, with the permissions any file ``open`` makes gets (the
    umask's), so every report a run writes has the same ones."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
        try:
            handle = temporary.open("x", encoding="utf-8", newline="")
        except FileExistsError:
            continue
        break
    try:
        with handle:
            fill(handle)
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
