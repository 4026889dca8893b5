"""Scores: the kit's exercises, the tests a run covers, and the verdicts of one run turned into
a ``Grade``; and how every report shows a number of points (``shown_points``, ``json_points``).

It may import the vocabulary (``checks.model``, ``checks.manifest``) and nothing else of the
kit; every format in ``checks/reports/`` is made from the ``Grade`` made here.

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

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

from checks.manifest import DEFAULT_POINTS, MANIFEST, ManifestError, load_exercise
from checks.model import Exercise, ExerciseResult, Grade, Outcome, TestResult, cents

__all__ = [
    "covered",
    "grade_run",
    "json_points",
    "kit_exercises",
    "paid",
    "score_exercise",
    "shares",
    "shown_points",
    "whole_points",
    "zero_grade",
]

DESELECTED = "This test did not run: the run deselected it (-k or -m), so it scores 0."
STOPPED = "This test did not run: the run ended before it ({why}), so it scores 0."
NO_TESTS = "No test of this exercise was collected, so it scores 0."
GATED = (
    "This check passed, but it scores 0 for now: the exercise's guard ({guards}) failed, and "
    "the exercise earns nothing until its guards pass. Its message says what to fix."
)


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


def paid(test: TestResult) -> bool:
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


def json_points(points: float) -> float | int:
    """A score as JSON shows it: an integer when it is whole, else two decimals."""
    value = round(points, 2)
    return int(value) if value == int(value) else value


def shown_points(points: float) -> str:
    """A score as text shows it: whole points bare, else two decimals."""
    return f"{json_points(points):g}" if points == int(points) else f"{points:.2f}"
