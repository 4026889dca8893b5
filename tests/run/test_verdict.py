"""Verdicts come from the exercises' own tests, and a kept verdict is never stale.

``judge`` runs real child pytest runs in a small copy of the kit (``tests/support.py``); the
``announce`` callback tells whether tests ran or kept verdicts were used.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from checks.manifest import load_all
from checks.model import Exercise, ExerciseResult, Outcome
from checks.run.verdict import VerdictError, fingerprint, judge, run_tests
from tests.support import study_kit, write


@pytest.fixture
def kit(tmp_path: Path) -> Path:
    """A fresh small copy of the kit."""
    return study_kit(tmp_path / "kit")


def _judge(kit: Path, announced: list[list[str]]) -> dict[str, ExerciseResult]:
    def announce(todo: list[Exercise]) -> None:
        announced.append([exercise.number for exercise in todo])

    results = judge(load_all(kit), root=kit, cache=kit / "cache.json", announce=announce)
    assert results is not None
    return results


def test_verdicts_are_the_tests_outcomes(kit: Path) -> None:
    """A starter fails and a solved exercise passes, with each test's outcome and message."""
    write(kit / "exercises/02/answer.py", "print(42)\n")
    results = _judge(kit, [])
    assert not results["01"].passed
    [test] = results["01"].tests
    assert test.name == "test_prints_hello"
    assert test.outcome is Outcome.FAILED
    assert "stopped at the PARSE stage" in test.message
    assert results["02"].passed


def test_verdicts_keep_each_tests_weight_and_kind(kit: Path) -> None:
    """Points, guard and going-further markers reach the verdict, fresh and from the cache."""
    write(
        kit / "exercises/02/test_more.py",
        "import pytest\n\n\n"
        "@pytest.mark.points(3)\ndef test_core():\n    pass\n\n\n"
        "@pytest.mark.guard\ndef test_guarded():\n    pass\n\n\n"
        "@pytest.mark.going_further\n@pytest.mark.points(0.5)\ndef test_further():\n"
        "    assert False\n",
    )
    for announced in ([["01", "02"]], []):
        seen: list[list[str]] = []
        tests = {t.name: t for t in _judge(kit, seen)["02"].tests}
        assert seen == announced
        assert (tests["test_core"].weight, tests["test_core"].going_further) == (3.0, False)
        assert tests["test_guarded"].guard
        assert (tests["test_further"].weight, tests["test_further"].going_further) == (0.5, True)


def test_kept_verdicts_are_reused(kit: Path) -> None:
    """A second judgement with nothing changed runs no test."""
    announced: list[list[str]] = []
    first = _judge(kit, announced)
    second = _judge(kit, announced)
    assert announced == [["01", "02"]]
    assert {n: r.passed for n, r in first.items()} == {n: r.passed for n, r in second.items()}


def test_verdicts_left_to_keep_later_are_kept_then_unless_a_file_changed(kit: Path) -> None:
    """``later`` (checks watch: the verdict first on the screen) holds keeping the verdicts:
    nothing is kept until it is done, and a student file changed before then keeps none."""
    announced: list[list[str]] = []
    later: list[Callable[[], None]] = []
    cache = kit / "cache.json"
    assert judge(load_all(kit), root=kit, cache=cache, later=later) is not None
    assert not cache.exists()
    assert len(later) == 1
    later.pop()()
    _judge(kit, announced)
    assert announced == []
    write(kit / "exercises" / "01" / "hello.py", "print('changed')\n")
    assert judge(load_all(kit), root=kit, cache=cache, later=later) is not None
    write(kit / "exercises" / "01" / "hello.py", "print('changed again')\n")
    later.pop()()
    _judge(kit, announced)
    assert announced == [["01"]]


@pytest.mark.parametrize(
    ("changed", "again"),
    [
        ("exercises/01/hello.py", ["01"]),
        ("exercises/02/test_answer.py", ["02"]),
        ("exercises/02/exercise.toml", ["02"]),
        ("exercises/02/notes.txt", ["02"]),
        ("checks/judges/expect.py", ["01", "02"]),
        ("conftest.py", ["01", "02"]),
        ("pyproject.toml", ["01", "02"]),
    ],
)
def test_any_change_that_decides_a_verdict_makes_it_checked_again(
    kit: Path, changed: str, again: list[str]
) -> None:
    """A student file, an exercise's tests or data, or the kit itself: each change is seen."""
    announced: list[list[str]] = []
    _judge(kit, announced)
    path = kit / changed
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    write(path, old + "\n# changed\n")
    _judge(kit, announced)
    assert announced[1:] == [again]


def test_bytecode_caches_are_not_a_change(kit: Path) -> None:
    """``__pycache__`` folders written beside the files do not change a fingerprint."""
    [first, *_] = load_all(kit)
    before = fingerprint(first, kit)
    write(kit / "exercises/01/__pycache__/hello.cpython-311.pyc", "junk")
    assert fingerprint(first, kit) == before


def test_a_deleted_student_file_is_a_change(kit: Path) -> None:
    """Deleting the student's file changes the fingerprint, and the verdict says it fails."""
    announced: list[list[str]] = []
    _judge(kit, announced)
    (kit / "exercises/01/hello.py").unlink()
    results = _judge(kit, announced)
    assert announced[1:] == [["01"]]
    assert not results["01"].passed
    assert "uv run checks reset 01" in results["01"].tests[0].message


def test_a_test_file_that_cannot_be_collected_fails_only_its_exercise(kit: Path) -> None:
    """A broken test file is an error of its exercise; the other exercise is still judged."""
    write(kit / "exercises/02/answer.py", "print(42)\n")
    write(kit / "exercises/01/test_hello.py", "import no_such_module\n")
    results = _judge(kit, [])
    [broken] = results["01"].tests
    assert broken.outcome is Outcome.ERROR
    assert "no_such_module" in broken.message
    assert results["02"].passed


def test_a_kit_that_cannot_run_its_tests_raises(kit: Path) -> None:
    """When pytest itself cannot start (a broken conftest.py), judge says so, with its words."""
    write(kit / "conftest.py", "pytest_plugins = ['no_such_plugin']\n")
    with pytest.raises(VerdictError, match="no_such_plugin"):
        _judge(kit, [])
    assert not (kit / "cache.json").exists()


def test_many_exercises_in_one_call(kit: Path) -> None:
    """run_tests gives the outcomes of every exercise asked for, even one with no tests."""
    write(kit / "exercises/03/exercise.toml", 'title = "t"\ngoal = "g"\nfiles = ["a.py"]\n')
    found = run_tests(["01", "02", "03"], root=kit)
    assert found is not None
    assert set(found) == {"01", "02", "03"}
    assert found["03"] == []
    assert [t.outcome for t in found["02"]] == [Outcome.FAILED]


def test_stop_ends_the_tests_and_everything_they_started(
    kit: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Setting ``stop`` ends a run (a program that never ends included): with a time limit of
    an hour, only the stop can have ended it, and nothing it started is left, not even the
    folder of the run it stopped."""
    temporary = tmp_path / "temporary"
    temporary.mkdir()
    monkeypatch.setenv("TMPDIR", str(temporary))
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    write(kit / "exercises/01/hello.py", "while True:\n    pass\n")
    stop = threading.Event()
    threading.Timer(2.0, stop.set).start()
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    assert run_tests(["01"], root=kit, stop=stop, options=["-o", "checks_timeout=3600"]) is None
    left = [
        p
        for p in psutil.Process().children(recursive=True)
        if p.pid not in before and p.status() != psutil.STATUS_ZOMBIE
    ]
    assert not left
    assert not list(temporary.iterdir())
