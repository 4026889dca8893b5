"""Exercise 02: grammar.py parses, runs to the end and prints its countdown, functions intact."""

import pytest

from checks import Stage, expect
from checks.trials import Trial, expect_trials

FUNCTIONS = ["greet", "shout", "countdown"]

ONE_AT_A_TIME = (
    "the parser reports only the first mistake it meets. Fix that one (look at the line named, "
    "and at the end of the line above it), save, and check again: the next mistake shows up then."
)


def test_parses_and_prints_the_countdown(exercise):
    """grammar.py parses, runs to the end and prints exactly the seven lines of its README."""
    run = exercise.run("grammar.py")
    expect.stage(run, Stage.OK, advice=ONE_AT_A_TIME if run.stage is Stage.PARSE else "")
    expect.lines(
        run,
        [
            "Countdown program",
            "Hello, Ada!",
            "PARSE BEFORE YOU RUN!!!",
            "3",
            "2",
            "1",
            "Lift off!",
        ],
    )


@pytest.mark.guard
def test_keeps_its_functions(exercise):
    """grammar.py still defines greet, shout and countdown, and calls each of them."""
    tree = exercise.tree("grammar.py")
    expect.defines(tree, FUNCTIONS, file="grammar.py")
    expect.calls(tree, FUNCTIONS, file="grammar.py")


def test_functions_work_for_other_values(exercise):
    """greet, shout and countdown print the right lines for other names, words and numbers."""
    expect_trials(
        exercise,
        "grammar.py",
        [
            Trial('greet("Grace")', prints=("Hello, Grace!",)),
            Trial('shout("hi")', prints=("HI!!!",)),
            Trial("countdown(2)", prints=("2", "1", "Lift off!")),
        ],
    )
