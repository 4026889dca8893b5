"""What a student's terminal shows for a plain run: the verdict, the teaching message, progress.

Nothing a beginner must learn to ignore (pytest's header, its plugin lines, the cut one-line
summary of each failure), the exercise to do next on a pass, and everything again under ``-v``.
"""

from __future__ import annotations

from tests.support import run_pytest

NOISE = (
    "platform ",
    "plugins:",
    "timeout:",
    "rootdir:",
    "short test summary",
    "FAILED ",
    "collected ",
)
"""Lines of pytest's own a plain student run must not show."""


def _noise(output: str) -> list[str]:
    return [
        line
        for line in output.splitlines()
        if line.startswith(NOISE) or "test session starts" in line
    ]


def test_a_failing_run_shows_the_message_and_no_noise() -> None:
    """A failing plain run shows the teaching message and what to do, without pytest's noise."""
    done = run_pytest("exercises/01")
    assert done.returncode == 1, done.stdout
    assert _noise(done.stdout) == [], done.stdout
    assert "hello.py stopped at the PARSE stage, on line 4." in done.stdout
    assert "Exercise 01 is not done yet: Make hello.py print exactly: Hello, Python!" in done.stdout
    assert "`uv run checks hint 01` gives a hint" in done.stdout
    assert "1 failed" in done.stdout.splitlines()[-1]


def test_a_passing_run_names_the_next_exercise() -> None:
    """A passing plain run names the next exercise and the command that checks it."""
    done = run_pytest("exercises/01", "--solutions")
    assert done.returncode == 0, done.stdout
    assert _noise(done.stdout) == [], done.stdout
    assert "  01  done" in done.stdout
    assert "Your next exercise is 02, Grammar errors stop everything" in done.stdout
    assert "Read exercises/02/README.md, then run `uv run pytest exercises/02`." in done.stdout


def test_the_last_exercise_says_so() -> None:
    """A pass of the last exercise says it was the last, and where the whole table is."""
    done = run_pytest("exercises/10", "--solutions")
    assert done.returncode == 0, done.stdout
    assert "That was the last exercise. `uv run checks` shows the whole table." in done.stdout


def test_verbose_gets_everything() -> None:
    """Under -v (a maintainer's run) pytest's header and summary lines are all there."""
    done = run_pytest("exercises/01", "-v")
    assert done.returncode == 1, done.stdout
    assert "platform " in done.stdout
    assert "short test summary info" in done.stdout
    assert "FAILED exercises/01/test_hello.py::test_prints_hello" in done.stdout
