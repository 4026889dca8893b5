"""The progress table, the failure report a student reads, and hints one at a time."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

from checks.cache import digest_tree
from checks.cli.progress import (
    STUDY_FOLDER,
    check,
    check_title,
    failure_report,
    failures_summary,
    next_hint,
    next_steps,
    next_up,
    standing,
    table,
)
from checks.cli.terminal import Terminal
from checks.manifest import load_all
from checks.model import Exercise, ExerciseResult, Outcome
from checks.model import TestResult as Result
from checks.starter import SEAL, STARTERS, seal
from tests.support import run_checks, small_kit

PLAIN = Terminal(width=79)


def _exercise(tmp_path: Path, number: str, hints: tuple[str, ...] = ()) -> Exercise:
    return Exercise(
        number=number,
        folder=tmp_path / "exercises" / number,
        title=f"Title {number}",
        goal=f"Goal of {number}.",
        files=("a.py",),
        hints=hints,
    )


def _result(exercise: Exercise, *outcomes: Outcome, message: str = "It failed.") -> ExerciseResult:
    return ExerciseResult(
        exercise,
        [
            Result(
                nodeid=f"exercises/{exercise.number}/test_a.py::test_check_{i}",
                exercise=exercise.number,
                name=f"test_check_{i}",
                outcome=outcome,
                message="" if outcome is Outcome.PASSED else message,
            )
            for i, outcome in enumerate(outcomes)
        ],
    )


def test_table_marks_done_and_next(tmp_path: Path) -> None:
    """Done exercises say done, the first one not done is marked next, the count is right."""
    exercises = [_exercise(tmp_path, n) for n in ("01", "02", "03")]
    results = {
        "01": _result(exercises[0], Outcome.PASSED),
        "02": _result(exercises[1], Outcome.PASSED, Outcome.FAILED),
        "03": _result(exercises[2]),
    }
    lines = table(exercises, results, PLAIN).splitlines()
    assert lines[0] == "Your progress: 1 of 3 exercises done"
    assert lines[2:] == [
        "  01  done           Title 01",
        "  02  not yet, 5/10  Title 02  <- next",
        "  03  not yet        Title 03",
    ]
    assert next_up(exercises, results) is exercises[1]


def test_the_end_offers_solutions_only_where_there_are_some() -> None:
    """With every exercise done, the solution verb is promised only in a copy that has them."""
    with_them = " ".join(next_steps(None, PLAIN, 10).split())
    assert "`uv run checks solution NN`" in with_them
    assert "`uv run checks` shows the table" in with_them
    without = " ".join(next_steps(None, PLAIN, 10, solutions=False).split())
    assert "All 10 exercises pass" in without
    assert "checks solution" not in without
    assert "without the reference solutions" in without


def test_a_done_core_shows_its_points(tmp_path: Path) -> None:
    """An exercise whose core passes and going-further part fails says 'core done, 8/10'."""
    exercise = _exercise(tmp_path, "07")
    result = _result(exercise, Outcome.PASSED, Outcome.PASSED, Outcome.FAILED)
    weights = (4.0, 4.0, 2.0)
    result.tests = [
        replace(test, weight=weight, going_further=weight == 2.0)
        for test, weight in zip(result.tests, weights, strict=True)
    ]
    assert standing(result) == "core done, 8/10"
    assert "  07  core done, 8/10  Title 07  <- next" in table([exercise], {"07": result}, PLAIN)
    result.tests[1] = replace(result.tests[1], outcome=Outcome.FAILED)
    assert standing(result) == "not yet, 4/10"
    guard = replace(result.tests[0], name="test_guard", guard=True, outcome=Outcome.FAILED)
    result.tests.append(guard)
    assert standing(result) == "not yet", "a failing guard leaves nothing to show"


def test_an_exercise_with_no_tests_is_not_done(tmp_path: Path) -> None:
    """No test, no verdict: the exercise is not done, and the report says why."""
    exercise = _exercise(tmp_path, "01")
    result = _result(exercise)
    assert not result.passed
    assert "has no tests yet" in failure_report(result, PLAIN)


def test_long_titles_fit_80_columns(tmp_path: Path) -> None:
    """A title too long for the line is cut with an ellipsis."""
    exercise = Exercise("01", tmp_path, "word " * 30, "goal", ("a.py",))
    text = table([exercise], {"01": _result(exercise, Outcome.FAILED)}, PLAIN)
    assert max(len(line) for line in text.splitlines()) <= 79
    assert "..." in text


def test_next_steps_names_goal_and_command(tmp_path: Path) -> None:
    """The next exercise comes with its goal and the command that checks it."""
    text = next_steps(_exercise(tmp_path, "04"), PLAIN, 10)
    assert "Your next exercise: 04, Title 04" in text
    assert "Goal of 04." in text
    assert "uv run pytest exercises/04" in text
    assert "All 10 exercises pass" in next_steps(None, PLAIN, 10)


def test_failure_report_shows_the_first_failure_whole(tmp_path: Path) -> None:
    """The first failing check is shown in full, the others by name, without pytest's noise."""
    exercise = _exercise(tmp_path, "01")
    noisy = (
        "inner error\n\nDuring handling of the above exception, another exception occurred:\n"
        "grammar.py does not parse yet.\n\n    3 | def f(\n"
    )
    result = _result(exercise, Outcome.FAILED, Outcome.PASSED, Outcome.ERROR, message=noisy)
    report = failure_report(result, PLAIN)
    assert "Not yet: 2 of 3 checks fail." in report
    assert "check 0:\ngrammar.py does not parse yet.\n\n    3 | def f(" in report
    assert "During handling" not in report
    assert "inner error" not in report
    assert "Also failing: check 2." in report
    assert failures_summary(result) == [
        "check 0: grammar.py does not parse yet.",
        "check 2: grammar.py does not parse yet.",
    ]


def test_check_titles_read_as_words(tmp_path: Path) -> None:
    """Test names read as words; a parameter stays as it was."""
    exercise = _exercise(tmp_path, "01")
    [plain] = _result(exercise, Outcome.PASSED).tests
    assert check_title(plain) == "check 0"
    plain.name = "test_predicts_stage[a.py]"
    assert check_title(plain) == "predicts stage [a.py]"


def test_hints_come_one_at_a_time(tmp_path: Path) -> None:
    """Each call gives the next hint, remembered in the study folder; then the last again."""
    exercise = _exercise(tmp_path, "01", ("one", "two"))
    shown = [next_hint(exercise, tmp_path) for _ in range(3)]
    assert [(h.number, h.text, h.again, h.last) for h in shown if h] == [
        (1, "one", False, False),
        (2, "two", False, True),
        (2, "two", True, True),
    ]
    assert (tmp_path / ".checks/hints.json").exists()
    assert (tmp_path / ".checks/.gitignore").read_text(encoding="utf-8").endswith("*\n")
    other = _exercise(tmp_path, "02", ("first",))
    hint = next_hint(other, tmp_path)
    assert hint is not None
    assert hint.text == "first", "each exercise keeps its own count"
    assert next_hint(_exercise(tmp_path, "03"), tmp_path) is None


def test_sealed_starters_are_known_without_a_run(tmp_path: Path) -> None:
    """In a fresh copy, every exercise is not started, and no test runs to say so."""
    kit = small_kit(tmp_path / "kit")
    seal(kit)
    exercises = load_all(kit)
    results = check(exercises, kit, starters=True)
    assert results is not None
    assert all(r.untouched and not r.tests and not r.passed for r in results.values())
    assert not (kit / STUDY_FOLDER).exists(), "a test ran: the study folder was made"
    assert "01  not yet" in table(exercises, results, PLAIN)
    assert "not started" in failure_report(results["01"], PLAIN)
    assert "not started" in failures_summary(results["01"])[0]


def test_the_first_table_of_a_fresh_copy_imports_no_pytest(tmp_path: Path) -> None:
    """A fresh copy's table comes from the sealed starters, with no run: the ``checks`` a student
    types first pays for no pytest (a third of its time), only for what it shows."""
    kit = small_kit(tmp_path / "kit")
    seal(kit)
    done = run_checks(kit, env={"PYTHONPROFILEIMPORTTIME": "1"})  # each import, on stderr
    assert done.returncode == 0, done.stdout + done.stderr
    assert "01  not yet" in done.stdout
    assert not (kit / STUDY_FOLDER).exists(), "a test ran: the study folder was made"
    imported = [line.rpartition("|")[2].strip() for line in done.stderr.splitlines()]
    assert "checks.cli" in imported, done.stderr  # the list is there to read
    assert [name for name in imported if name.partition(".")[0] in ("pytest", "_pytest")] == []


def test_a_seal_never_makes_a_file_pass(tmp_path: Path) -> None:
    """A seal rewritten over a solved folder hides the progress, never fakes a pass."""
    kit = small_kit(tmp_path / "kit", ["01"])
    shutil.copytree(kit / "solutions", kit / "exercises", dirs_exist_ok=True)
    exercises = load_all(kit)
    forged = {"01": digest_tree(exercises[0].folder)}
    (kit / STARTERS / SEAL).write_text(json.dumps(forged), encoding="utf-8")
    shortcut = check(exercises, kit, starters=True)
    assert shortcut is not None
    assert not shortcut["01"].passed
    ran = check(exercises, kit)
    assert ran is not None
    assert ran["01"].passed
