"""Exercise 03: crashes.py runs to the end and prints its report: each crash fixed, none hidden."""

import pytest

from checks import Stage, Trial, expect, expect_no_hiding, expect_trials, probe

FUNCTIONS = ["show_title", "total_distance", "show_total", "speed"]

ONE_CRASH_AT_A_TIME = (
    "fix the line the error names (or the value that reached it), save, and check again. The "
    "lines printed above show how far the program got; the next crash, if any, comes later."
)


LINES = ["Running log", "===========", "Runs: 3", "Total: 16 km", "Speed: 12.0 km/h", "Done."]
COMES_FROM = [
    ("show_title", ()),
    ("show_title", ()),
    (None, ()),
    ("show_total", ("total_distance",)),
    (None, ("speed",)),
    (None, ()),
]
"""For each of LINES: the function that prints it (None: the file's own top-level code), and
the functions whose calls must have returned since the line before it (its value comes from
them)."""


def test_runs_to_the_end(exercise):
    """crashes.py runs to the end and prints exactly the six lines of its README, each from the
    function it comes from."""
    run = exercise.run("crashes.py")
    expect.stage(run, Stage.OK, advice=ONE_CRASH_AT_A_TIME if run.stage is Stage.RUN else "")
    expect.lines(run, LINES)
    facts = probe.measure(exercise, "crashes.py")
    printed, returned = facts.get("printed", []), facts.get("returned_before", [])
    if [p["text"] for p in printed] != LINES or len(returned) != len(LINES):
        expect.fail(
            "Not every line crashes.py shows on the screen went through print() while the "
            "program ran its own code. Let its functions print and return what they do in the "
            "starter, and fix the crashes themselves."
        )
    for text, line, ended, (owner, needs) in zip(LINES, printed, returned, COMES_FROM):
        if owner is not None and line["by"] != owner:
            who = "by hand" if line["by"] == "<module>" else f"by {line['by']}()"
            expect.fail(
                f"The line {text!r} was printed {who}, but it is {owner}()'s line. Printing "
                "the expected text is not the same as fixing the program: call the functions "
                "and fix the crash where it happens."
            )
        missing = [name for name in needs if name not in ended]
        if missing:
            expect.fail(
                f"The line {text!r} was printed without {missing[0]}() returning first: its "
                f"value must come from {missing[0]}(). Call it, and fix the crash where it "
                "happens."
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
