"""Exercise 02: grammar.py parses, runs to the end and prints its countdown, functions intact."""

import pytest

from checks import Stage, Trial, expect, expect_trials, probe

FUNCTIONS = ["greet", "shout", "countdown"]
LINES = [
    "Countdown program",
    "Hello, Ada!",
    "PARSE BEFORE YOU RUN!!!",
    "3",
    "2",
    "1",
    "Lift off!",
]
PRINTED_BY = [None, "greet", "shout", "countdown", "countdown", "countdown", "countdown"]
"""Who prints each of LINES: the first line anyone (the starter prints it at the top of the
file), the others their function."""

ONE_AT_A_TIME = (
    "the parser reports only the first mistake it meets. Fix that one (look at the line named, "
    "and at the end of the line above it), save, and check again: the next mistake shows up then."
)


def test_parses_and_prints_the_countdown(exercise):
    """grammar.py parses, runs to the end and prints exactly the seven lines of its README."""
    run = exercise.run("grammar.py")
    expect.stage(run, Stage.OK, advice=ONE_AT_A_TIME if run.stage is Stage.PARSE else "")
    expect.lines(run, LINES)


@pytest.mark.guard
def test_keeps_its_functions(exercise):
    """grammar.py still defines greet, shout and countdown, and each prints its own lines."""
    tree = exercise.tree("grammar.py")
    expect.defines(tree, FUNCTIONS, file="grammar.py")
    printed = probe.measure(exercise, "grammar.py").get("printed", [])
    if [p["text"] for p in printed] != LINES:
        if exercise.run("grammar.py").lines == LINES:
            expect.fail(
                "Not every line grammar.py shows on the screen went through print() while the "
                "program ran its own code. Let greet, shout and countdown print their lines "
                "with print()."
            )
        return  # the wrong output is test_parses_and_prints_the_countdown's to explain
    for text, line, by in zip(LINES, printed, PRINTED_BY):
        if by is None or line["by"] == by:
            continue
        who = "by hand, outside every function" if line["by"] == "<module>" else f"by {line['by']}()"
        at = f" (line {line['line']})" if line.get("line") else ""
        expect.fail(
            f"The line {text!r} was printed {who}{at}, but it is {by}()'s line. Fix the "
            "grammar and keep the program's own code: each function prints its lines when it "
            "is called, so the calls must really run."
        )


def test_functions_work_for_other_values(exercise):
    """greet, shout and countdown print the right lines for other names, words and numbers."""
    expect_trials(
        exercise,
        "grammar.py",
        [
            Trial("greet", ("Grace",), prints=("Hello, Grace!",)),
            Trial("shout", ("hi",), prints=("HI!!!",)),
            Trial("countdown", (2,), prints=("2", "1", "Lift off!")),
        ],
    )
