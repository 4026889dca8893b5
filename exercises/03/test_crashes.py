"""Exercise 03: crashes.py runs to the end and prints its report: each crash fixed, none hidden."""

import pytest

from checks import Stage, Trial, expect, expect_no_hiding, expect_trials

FUNCTIONS = ["show_title", "total_distance", "show_total", "speed"]

ONE_CRASH_AT_A_TIME = (
    "fix the line the error names (or the value that reached it), save, and check again. The "
    "lines printed above show how far the program got; the next crash, if any, comes later."
)


def test_runs_to_the_end(exercise):
    """crashes.py runs to the end and prints exactly the six lines of its README."""
    run = exercise.run("crashes.py")
    expect.stage(run, Stage.OK, advice=ONE_CRASH_AT_A_TIME if run.stage is Stage.RUN else "")
    expect.lines(
        run,
        [
            "Running log",
            "===========",
            "Runs: 3",
            "Total: 16 km",
            "Speed: 12.0 km/h",
            "Done.",
        ],
    )


@pytest.mark.guard
def test_keeps_its_functions(exercise):
    """crashes.py still defines its four functions and calls each of them."""
    tree = exercise.tree("crashes.py")
    expect.defines(tree, FUNCTIONS, file="crashes.py")
    expect.calls(tree, FUNCTIONS, file="crashes.py")


@pytest.mark.guard
def test_hides_no_error(exercise):
    """crashes.py has no try statement, no with block and no early exit, anywhere."""
    expect_no_hiding(exercise.tree("crashes.py"), file="crashes.py")


def test_functions_work_for_other_runs(exercise):
    """total_distance, show_total and speed give the right answers for other runs too."""
    expect_trials(
        exercise,
        "crashes.py",
        [
            Trial("total_distance", ([1, 2, 3],), returns=6),
            Trial("show_total", ([2, 2],), prints=("Total: 4 km",)),
            Trial("speed", (10, 30), returns=20.0),
            Trial("speed", (6, 90), returns=4.0),
        ],
    )
