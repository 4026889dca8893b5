"""Points and reports: shares that add up, and each format against its field list.

The unit tests pin the counting rule on made-up verdicts; the others drive real pytest runs of
the kit (solved, failing, narrowed, deselected, stopped, broken) and read the files they write.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from checks import reports
from checks.grade import classroom50
from checks.manifest import load_all
from checks.model import Exercise, Grade, Outcome, TestResult, cents
from tests.support import KIT, copy_kit, run_checks, run_pytest

GRADESCOPE_TOP = {"score", "execution_time", "output", "tests"}
GRADESCOPE_TEST = {"name", "number", "score", "max_score", "status", "output", "visibility"}
CLASSROOM_TOP = {"version", "status", "max_score", "tests"}
CLASSROOM_TEST = {
    "name",
    "status",
    "score",
    "message",
    "test_code",
    "filename",
    "line_no",
    "duration",
}


def _exercise(number: str = "01", points: float = 10.0, folder: Path | None = None) -> Exercise:
    return Exercise(
        number=number,
        folder=folder or KIT / "exercises" / number,
        title=f"Exercise {number}",
        goal="",
        files=("x.py",),
        points=points,
    )


def _test(name: str, outcome: Outcome, weight: float = 1.0, number: str = "01") -> TestResult:
    return TestResult(
        nodeid=f"exercises/{number}/test_x.py::{name}",
        exercise=number,
        name=name,
        outcome=outcome,
        weight=weight,
        message="" if outcome is Outcome.PASSED else f"{name} went wrong",
        file=f"exercises/{number}/test_x.py",
        line=3,
        description=f"{name} does its job.",
    )


def _grade() -> Grade:
    """Two exercises: 10 points over three tests (one fails), 7.5 over weights 2:1 (all pass)."""
    first = reports.score_exercise(
        _exercise("01"),
        [
            _test("test_a", Outcome.PASSED),
            _test("test_b", Outcome.FAILED),
            _test("test_c", Outcome.PASSED),
        ],
    )
    second = reports.score_exercise(
        _exercise("02", 7.5),
        [
            _test("test_d", Outcome.PASSED, weight=2, number="02"),
            _test("test_e", Outcome.SKIPPED, number="02"),
        ],
    )
    return Grade(exercises=[first, second], notes=["a note"], seconds=1.2)


def _sum_cents(values: list[Any]) -> int:
    return sum(cents(float(v)) for v in values)


# -- the counting rule -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "weights", "expected"),
    [
        (10, [1, 1, 1], [334, 333, 333]),
        (10, [2, 1, 1], [500, 250, 250]),
        (7.5, [1, 1], [375, 375]),
        (1, [1] * 7, [15, 15, 14, 14, 14, 14, 14]),
        (10, [0.5, 3], [143, 857]),
        (0, [1, 1], [0, 0]),
    ],
)
def test_shares_add_up_exactly(points: float, weights: list[float], expected: list[int]) -> None:
    """An exercise's points split into hundredths in proportion to the weights, summing exactly."""
    parts = reports.shares(points, weights)
    assert parts == expected
    assert sum(parts) == cents(points)


def test_shares_always_sum_to_the_points() -> None:
    """Whatever the points and weights, the shares add up to the points, to the hundredth."""
    for points in (1, 2.5, 3.33, 10, 17, 100):
        for count in range(1, 13):
            for weights in ([1.0] * count, [float(i + 1) for i in range(count)]):
                assert sum(reports.shares(points, weights)) == cents(points)


def test_a_test_scores_its_share_when_it_passes_or_is_skipped() -> None:
    """Passed and skipped tests earn their share; failed, errored and unrun tests earn 0."""
    grade = _grade()
    scores = {t.name: (t.score, t.max_score) for t in grade.tests}
    assert scores == {
        "test_a": (3.34, 3.34),
        "test_b": (0.0, 3.33),
        "test_c": (3.33, 3.33),
        "test_d": (5.0, 5.0),
        "test_e": (2.5, 2.5),
    }
    assert grade.score == 14.17
    assert grade.max_score == 17.5
    assert [r.score for r in grade.exercises] == [6.67, 7.5]


def test_an_exercise_without_tests_is_worth_its_points_and_scores_0() -> None:
    """No test collected: one stand-in test worth the exercise's points, 0, with the reason."""
    result = reports.score_exercise(_exercise("03", 10), [], "it could not be collected")
    assert result.max_score == 10
    assert result.score == 0
    assert [t.message for t in result.tests] == ["it could not be collected"]


def test_grade_run_says_why_a_test_did_not_run() -> None:
    """Deselected tests and tests after a stop score 0 with a message that says which."""
    exercise = _exercise("01")
    planned = {t.nodeid: t for t in (_test(n, Outcome.NOT_RUN) for n in ("t1", "t2", "t3"))}
    ran = [_test("t1", Outcome.PASSED)]
    ids = list(planned)
    grade = reports.grade_run(
        [exercise],
        planned=planned,
        results={"01": ran},
        deselected=[ids[1]],
        stop="it was interrupted",
    )
    outcomes = [(t.name, t.outcome, t.score) for t in grade.tests]
    assert outcomes == [
        ("t1", Outcome.PASSED, 3.34),
        ("t2", Outcome.NOT_RUN, 0.0),
        ("t3", Outcome.NOT_RUN, 0.0),
    ]
    assert "deselected" in grade.tests[1].message
    assert "it was interrupted" in grade.tests[2].message
    assert not grade.complete
    assert grade.max_score == 10
    assert "did not finish" in grade.notes[0]


def test_covered_exercises_follow_the_run_paths() -> None:
    """A run covers the exercises at, above or inside its paths, and nothing else."""
    exercises = [_exercise("01"), _exercise("02")]

    def numbers(paths: list[Path]) -> list[str]:
        return [e.number for e in reports.covered(exercises, paths)]

    assert numbers([KIT]) == ["01", "02"]
    assert numbers([KIT / "exercises"]) == ["01", "02"]
    assert numbers([KIT / "exercises" / "02"]) == ["02"]
    assert numbers([KIT / "exercises" / "01" / "test_hello.py"]) == ["01"]
    assert numbers([KIT / "tests"]) == []


# -- the formats, on a made-up grade -----------------------------------------------------------


def test_gradescope_holds_its_fields_and_adds_up() -> None:
    """results.json has Gradescope's fields, and its score is the sum of the tests' scores."""
    data = reports.gradescope(_grade())
    assert set(data) >= GRADESCOPE_TOP
    for test in data["tests"]:
        assert set(test) >= GRADESCOPE_TEST
        assert test["status"] in ("passed", "failed")
        assert test["visibility"] == "visible"
    assert cents(data["score"]) == _sum_cents([t["score"] for t in data["tests"]])
    assert _sum_cents([t["max_score"] for t in data["tests"]]) == cents(17.5)
    failed = [t for t in data["tests"] if t["status"] == "failed"]
    assert [t["number"] for t in failed] == ["1.2"]
    assert "test_b went wrong" in failed[0]["output"]
    assert "a note" in data["output"]
    json.dumps(data)


def test_classroom_holds_its_fields_and_adds_up() -> None:
    """The runner JSON has GitHub Classroom's fields; its tests' scores add up to the grade."""
    data = reports.classroom(_grade())
    assert set(data) == CLASSROOM_TOP
    assert data["version"] == 1
    assert data["status"] == "fail"
    assert data["max_score"] == 18  # 17.5 rounded half up: the legacy reporter takes whole points
    for test in data["tests"]:
        assert set(test) == CLASSROOM_TEST
        assert test["status"] in ("pass", "fail", "error")
        assert isinstance(test["line_no"], int)
        assert test["test_code"].startswith("uv run pytest exercises/")
    assert [t["score"] for t in data["tests"]] == [3, 0, 3, 5, 3]  # 14.17 -> 14
    assert all(isinstance(t["score"], int) for t in data["tests"])
    assert [t["message"] for t in data["tests"] if t["status"] == "fail"] == ["test_b went wrong"]


def test_classroom_status_is_error_when_the_run_did_not_finish() -> None:
    """An incomplete run is an error for GitHub Classroom, a full pass a pass."""
    grade = _grade()
    grade.complete = False
    assert reports.classroom(grade)["status"] == "error"
    passing = Grade(exercises=[reports.score_exercise(_exercise(), [_test("t", Outcome.PASSED)])])
    assert reports.classroom(passing)["status"] == "pass"


def test_text_report_and_csv_row_show_the_same_total() -> None:
    """The text report and the gradebook row give the total, which the exercise columns sum to."""
    grade = _grade()
    text = reports.text_report(grade, "alice")
    assert text.startswith("alice: 14.17 / 17.50 points")
    assert "failed: test_b (0 / 3.33)" in text
    assert "test_b went wrong" in text
    exercises = [r.exercise for r in grade.exercises]
    header = reports.csv_header(exercises)
    row = reports.csv_row("alice", grade, exercises)
    assert header == ["student", "total", "max", "01", "02", "note", "path"]
    assert row[:3] == ["alice", "14.17", "17.50"]
    assert cents(float(row[1])) == _sum_cents(row[3:5])
    assert row[-2:] == ["a note", ""]


def test_a_written_results_json_reads_back_the_same(tmp_path: Path) -> None:
    """Reading results.json back gives the same grade; edited numbers in it change nothing."""
    grade = _grade()
    data = reports.gradescope(grade)
    for test in data["tests"]:
        test["score"] = test["max_score"] = 100
    data["score"] = 1000
    path = tmp_path / "results.json"
    reports.write_json(path, data)
    again = reports.from_gradescope(
        json.loads(path.read_text(encoding="utf-8")), [r.exercise for r in grade.exercises]
    )
    assert again.score == grade.score
    assert again.max_score == grade.max_score
    assert [(t.name, t.outcome, t.message) for t in again.tests] == [
        (t.name, t.outcome, t.message) for t in grade.tests
    ]
    assert again.notes == grade.notes


def _guarded(guard: Outcome, other: Outcome = Outcome.PASSED) -> list[TestResult]:
    first, second = _test("test_a", other), _test("test_b", Outcome.PASSED)
    keeps = _test("test_keeps", guard)
    keeps.guard = True
    return [first, keeps, second]


def test_a_guard_earns_nothing_and_the_other_tests_share_the_points() -> None:
    """A passing guard's share is 0; the exercise's points go to its other tests."""
    result = reports.score_exercise(_exercise(), _guarded(Outcome.PASSED))
    assert [t.max_score for t in result.tests] == [5.0, 0.0, 5.0]
    assert result.score == 10.0


def test_a_failing_guard_zeroes_its_exercise() -> None:
    """While a guard fails, every test of its exercise scores 0, and a passing one says why."""
    result = reports.score_exercise(_exercise(), _guarded(Outcome.FAILED))
    assert result.score == 0.0
    assert result.max_score == 10.0
    gated = result.tests[0]
    assert gated.outcome is Outcome.PASSED
    assert "test_keeps" in gated.message
    data = reports.gradescope(Grade(exercises=[result]))
    assert data["score"] == 0
    assert [t["status"] for t in data["tests"]] == ["failed", "failed", "failed"]
    legacy = reports.classroom(Grade(exercises=[result]))
    assert [t["status"] for t in legacy["tests"]] == ["fail", "fail", "fail"]


def test_a_guard_is_kept_when_results_json_is_read_back() -> None:
    """The guard flag survives Gradescope's results.json, so grading scores it the same."""
    grade = Grade(exercises=[reports.score_exercise(_exercise(), _guarded(Outcome.FAILED))])
    again = reports.from_gradescope(reports.gradescope(grade), [_exercise()])
    assert [t.guard for t in again.tests] == [False, True, False]
    assert again.score == 0.0


def test_an_exercise_of_guards_only_still_pays() -> None:
    """An exercise whose every test is a guard shares its points among them."""
    keeps = _test("test_keeps", Outcome.PASSED)
    keeps.guard = True
    assert reports.score_exercise(_exercise(), [keeps]).score == 10.0


@pytest.mark.parametrize(
    ("hundredths", "expected"),
    [
        ([1000, 1000, 0], [10, 10, 0]),
        ([334, 333, 333], [4, 3, 3]),
        ([250, 250, 0, 257], [3, 2, 0, 3]),
        ([5257, 0], [53, 0]),
        ([1, 1, 1, 1], [0, 0, 0, 0]),
    ],
)
def test_whole_points_add_up_to_the_rounded_total(
    hundredths: list[int], expected: list[int]
) -> None:
    """Classroom 50's whole points sum to the kit's total rounded half up, by largest remainder."""
    parts = reports.whole_points(hundredths)
    assert parts == expected
    assert sum(parts) == (sum(hundredths) + 50) // 100


# -- real runs of the kit ----------------------------------------------------------------------


def _kit_max() -> int:
    return sum(cents(e.points) for e in load_all())


def _reports(tmp_path: Path, *args: str, cwd: Path = KIT) -> tuple[Any, Any, int]:
    gradescope, classroom = tmp_path / "gs.json", tmp_path / "cl.json"
    done = run_pytest(*args, f"--gradescope={gradescope}", f"--classroom={classroom}", cwd=cwd)
    assert gradescope.exists(), done.stdout + done.stderr
    return (
        json.loads(gradescope.read_text(encoding="utf-8")),
        json.loads(classroom.read_text(encoding="utf-8")),
        done.returncode,
    )


def _short_of_full_marks(gradescope: Any) -> list[Any]:
    """The tests of a Gradescope report that did not earn their whole share, with their output:
    what a failed assertion on a solved run shows."""
    return [t for t in gradescope["tests"] if t["score"] < t["max_score"]]


def _check_sums(gradescope: Any, classroom: Any) -> None:
    scores = [t["score"] for t in gradescope["tests"]]
    assert cents(gradescope["score"]) == _sum_cents(scores)
    assert sum(t["score"] for t in classroom["tests"]) == (cents(gradescope["score"]) + 50) // 100
    maxima = _sum_cents([t["max_score"] for t in gradescope["tests"]])
    assert (maxima + 50) // 100 == classroom["max_score"]
    for test in gradescope["tests"]:
        assert set(test) >= GRADESCOPE_TEST
    for test in classroom["tests"]:
        assert set(test) == CLASSROOM_TEST


def test_a_solved_run_scores_the_whole_kit(tmp_path: Path) -> None:
    """`pytest --solutions` reports every exercise, full marks, in both formats."""
    gradescope, classroom, status = _reports(tmp_path, "exercises", "--solutions")
    assert status == 0, _short_of_full_marks(gradescope)
    _check_sums(gradescope, classroom)
    assert cents(gradescope["score"]) == _kit_max()
    assert cents(classroom["max_score"]) == _kit_max()
    assert classroom["status"] == "pass"
    listed = {t["extra_data"]["exercise"] for t in gradescope["tests"]}
    assert listed == {e.number for e in load_all()}


def test_a_failing_run_adds_up_and_carries_the_teaching_messages(tmp_path: Path) -> None:
    """On the starters, the reports still add up and each failure carries its message."""
    gradescope, classroom, status = _reports(tmp_path, "exercises")
    assert status == 1
    _check_sums(gradescope, classroom)
    assert cents(classroom["max_score"]) == _kit_max()
    assert classroom["status"] == "fail"
    assert cents(gradescope["score"]) < _kit_max()
    failed = [t for t in gradescope["tests"] if t["status"] == "failed"]
    assert failed
    assert all(t["output"].strip() for t in failed)
    hello = next(t for t in classroom["tests"] if t["name"] == "01 test_prints_hello")
    assert "PARSE stage" in hello["message"]
    assert hello["filename"] == "exercises/01/test_hello.py"
    assert hello["line_no"] > 0


def test_an_untouched_starter_scores_nothing_in_any_format(tmp_path: Path) -> None:
    """On every starter, every report says 0 (results.json, the runner JSON, grades.csv,
    Classroom 50's result.json), and only guards pass."""
    gradescope, classroom, _ = _reports(tmp_path, "exercises")
    passing = [t for t in gradescope["tests"] if t["extra_data"]["outcome"] == "passed"]
    assert all(t["extra_data"]["guard"] for t in passing), [t["name"] for t in passing]
    assert gradescope["score"] == 0
    assert _sum_cents([t["score"] for t in classroom["tests"]]) == 0
    grade = reports.from_gradescope(gradescope, load_all())
    assert grade.score == 0.0
    assert cents(grade.max_score) == _kit_max()
    row = reports.csv_row("alice", grade, load_all())
    assert row[1] == "0"
    assert set(row[3:-2]) == {"0"}
    result = classroom50.result(grade, {})
    assert result["score"] == 0
    assert result["max-score"] * 100 == _kit_max()


def test_a_run_of_one_exercise_is_worth_that_exercise(tmp_path: Path) -> None:
    """`pytest exercises/01` reports exercise 01 only: its points are the maximum."""
    gradescope, classroom, _ = _reports(tmp_path, "exercises/01", "--solutions")
    (first,) = [e for e in load_all() if e.number == "01"]
    assert {t["extra_data"]["exercise"] for t in gradescope["tests"]} == {"01"}
    assert cents(classroom["max_score"]) == cents(first.points)
    _check_sums(gradescope, classroom)


def test_deselected_tests_score_0_and_say_so(tmp_path: Path) -> None:
    """With -k, the maximum stays the whole kit's; what was deselected scores 0, with a reason."""
    gradescope, classroom, _ = _reports(
        tmp_path, "exercises", "--solutions", "-k", "test_prints_hello"
    )
    _check_sums(gradescope, classroom)
    assert cents(classroom["max_score"]) == _kit_max()
    hello = [t for t in gradescope["tests"] if t["extra_data"]["exercise"] == "01"]
    assert sum(t["score"] for t in hello) == next(e.points for e in load_all() if e.number == "01")
    others = [t for t in gradescope["tests"] if t["extra_data"]["exercise"] != "01"]
    assert all(t["score"] == 0 and "deselected" in t["output"] for t in others)


def test_a_run_stopped_by_x_scores_what_ran(tmp_path: Path) -> None:
    """-x stops at the first failure; the rest is listed, 0, and the run is marked incomplete."""
    gradescope, classroom, _ = _reports(tmp_path, "exercises", "-x")
    _check_sums(gradescope, classroom)
    assert cents(classroom["max_score"]) == _kit_max()
    assert classroom["status"] == "error"
    unrun = [t for t in gradescope["tests"] if t["extra_data"]["outcome"] == "not run"]
    assert unrun
    assert all("did not run" in t["output"] for t in unrun)


# -- runs in a throwaway copy of the kit -------------------------------------------------------


def _kit_copy(tmp_path: Path, numbers: tuple[str, ...] = ("01",)) -> Path:
    """A copy of the kit's machinery with only some exercises, where tests can be added."""
    return copy_kit(tmp_path / "kit", numbers)


def _made_up_exercise(root: Path, body: str, points: int = 6) -> None:
    folder = root / "exercises" / "99"
    folder.mkdir(parents=True)
    (folder / "exercise.toml").write_text(
        f'title = "Made up"\ngoal = "Pass."\nfiles = ["x.py"]\npoints = {points}\n',
        encoding="utf-8",
    )
    (folder / "test_made_up.py").write_text(body, encoding="utf-8")


def test_the_points_marker_weights_a_test(tmp_path: Path) -> None:
    """@pytest.mark.points(n) gives a test n shares of its exercise's points."""
    root = _kit_copy(tmp_path, ())
    _made_up_exercise(
        root,
        "import pytest\n\n"
        "@pytest.mark.points(4)\ndef test_big():\n    pass\n\n"
        "def test_small():\n    assert False, 'small went wrong'\n\n"
        "def test_other():\n    pass\n",
    )
    gradescope, classroom, status = _reports(tmp_path, "exercises", cwd=root)
    assert status == 1
    _check_sums(gradescope, classroom)
    got = {t["name"].rpartition(": ")[2]: (t["score"], t["max_score"]) for t in gradescope["tests"]}
    assert got == {"test_big": (4, 4), "test_small": (0, 1), "test_other": (1, 1)}


def test_a_manifest_sets_gradescope_visibility_of_its_tests(tmp_path: Path) -> None:
    """`[visibility]` in a manifest holds tests back on Gradescope; the rest stay visible."""
    root = _kit_copy(tmp_path, ())
    _made_up_exercise(
        root,
        "import pytest\n\n"
        "def test_shown():\n    pass\n\n"
        "@pytest.mark.parametrize('n', [1, 2])\ndef test_held(n):\n    pass\n",
    )
    manifest = root / "exercises" / "99" / "exercise.toml"
    with manifest.open("a", encoding="utf-8") as handle:
        handle.write('[visibility]\ntest_held = "after_due_date"\n')
    gradescope, _, status = _reports(tmp_path, "exercises", cwd=root)
    assert status == 0
    got = {t["name"].rpartition(": ")[2]: t["visibility"] for t in gradescope["tests"]}
    assert got == {
        "test_shown": "visible",
        "test_held[1]": "after_due_date",
        "test_held[2]": "after_due_date",
    }
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("after_due_date", "later"), encoding="utf-8"
    )
    done = run_pytest("exercises", cwd=root)
    assert done.returncode == pytest.ExitCode.USAGE_ERROR
    assert "`visibility` must be one of visible, hidden, after_due_date" in done.stderr


def test_a_bad_points_marker_is_a_usage_error(tmp_path: Path) -> None:
    """A points marker without one positive number stops the run with a clear message."""
    root = _kit_copy(tmp_path, ())
    _made_up_exercise(root, "import pytest\n\n@pytest.mark.points(-1)\ndef test_a():\n    pass\n")
    done = run_pytest("exercises", cwd=root)
    assert done.returncode == 4
    assert "@pytest.mark.points(n)" in done.stdout + done.stderr


def test_a_collection_error_still_writes_a_complete_report(tmp_path: Path) -> None:
    """Tests that cannot be collected: every exercise is listed, at 0, and the run is an error."""
    root = _kit_copy(tmp_path, ("01",))
    _made_up_exercise(root, "def test_a(:\n    pass\n")
    gradescope, classroom, status = _reports(tmp_path, "exercises", "--solutions", cwd=root)
    assert status == 2
    _check_sums(gradescope, classroom)
    assert classroom["status"] == "error"
    assert cents(classroom["max_score"]) == cents(10 + 6)
    assert gradescope["score"] == 0
    made_up = [t for t in gradescope["tests"] if t["extra_data"]["exercise"] == "99"]
    assert len(made_up) == 1
    assert "SyntaxError" in made_up[0]["output"]
    hello = [t for t in gradescope["tests"] if t["extra_data"]["exercise"] == "01"]
    assert hello
    assert all("did not run" in t["output"] for t in hello)


def test_a_broken_exercise_folder_is_reported_for_that_exercise(tmp_path: Path) -> None:
    """A conftest.py that cannot be imported breaks its exercise only, and the report says so."""
    root = _kit_copy(tmp_path, ("01",))
    _made_up_exercise(root, "def test_a():\n    pass\n")
    (root / "exercises" / "99" / "conftest.py").write_text("raise RuntimeError('no luck')\n")
    gradescope, classroom, _ = _reports(tmp_path, "exercises", "--solutions", cwd=root)
    _check_sums(gradescope, classroom)
    assert classroom["status"] == "error"
    (made_up,) = [t for t in gradescope["tests"] if t["extra_data"]["exercise"] == "99"]
    assert "no luck" in made_up["output"]
    assert "The tests of exercise 99 could not be collected." in gradescope["output"]


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT to itself")
def test_an_interrupted_run_keeps_the_points_of_what_ran(tmp_path: Path) -> None:
    """Ctrl-C in the middle: the tests that ran keep their points, the rest score 0."""
    root = _kit_copy(tmp_path, ())
    _made_up_exercise(
        root,
        "import os, signal\n\n"
        "def test_first():\n    pass\n\n"
        "def test_second():\n    os.kill(os.getpid(), signal.SIGINT)\n\n"
        "def test_third():\n    pass\n",
    )
    gradescope, classroom, status = _reports(tmp_path, "exercises", cwd=root)
    assert status == 2
    _check_sums(gradescope, classroom)
    got = {t["name"].rpartition(": ")[2]: t["score"] for t in gradescope["tests"]}
    assert got == {"test_first": 2, "test_second": 0, "test_third": 0}
    assert classroom["status"] == "error"
    assert "interrupted" in gradescope["output"]


def test_a_report_path_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    """--gradescope naming a folder is a usage error, said in one line."""
    done = run_pytest("exercises/01", f"--gradescope={tmp_path}")
    assert done.returncode == 4
    assert "give a file name" in done.stderr


def test_reports_are_written_in_utf8_whatever_the_locale(tmp_path: Path) -> None:
    """The reports are UTF-8 JSON even when the shell's locale is not."""
    root = _kit_copy(tmp_path, ())
    _made_up_exercise(root, "def test_a():\n    assert False, 'caf\\u00e9 \\u2192 \\u2603'\n")
    path = tmp_path / "gs.json"
    done = run_pytest(
        "exercises", f"--gradescope={path}", cwd=root, env={"LC_ALL": "C", "PYTHONUTF8": "0"}
    )
    assert done.returncode == 1
    assert "caf\u00e9 \u2192 \u2603" in path.read_text(encoding="utf-8")


def test_two_students_of_one_name_are_told_apart_by_their_folder(tmp_path: Path) -> None:
    """`checks grade a/alice b/alice`: two rows, each with its folder in the path column, and
    every file written with the same permissions."""
    folders = [tmp_path / "a" / "alice", tmp_path / "b" / "alice"]
    for folder in folders:
        folder.mkdir(parents=True)
    out = tmp_path / "out"
    done = run_checks(KIT, "grade", *map(str, folders), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    with (out / "grades.csv").open(encoding="utf-8", newline="") as handle:
        rows = {row["student"]: row["path"] for row in csv.DictReader(handle)}
    assert rows == {"alice": str(folders[0].resolve()), "alice-2": str(folders[1].resolve())}
    modes = {p.relative_to(out).as_posix(): p.stat().st_mode & 0o777 for p in out.rglob("*.*")}
    assert len(set(modes.values())) == 1, modes


def test_grading_messages_name_the_students_own_file(tmp_path: Path) -> None:
    """A grading report names the student's file inside their copy, never the folder graded."""
    student = tmp_path / "bob"
    copy_kit(student)
    (student / "exercises" / "03" / "crashes.py").unlink()
    out = tmp_path / "out"
    done = run_checks(KIT, "grade", str(student), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    for name in ("results.json", "report.txt"):
        text = (out / "bob" / name).read_text(encoding="utf-8")
        assert "checks-grade-" not in text
    report = (out / "bob" / "report.txt").read_text(encoding="utf-8")
    assert str(student.resolve() / "exercises" / "03" / "crashes.py") in report
