"""Exercise 03: crashes.py runs to the end and prints its report: each crash fixed, none hidden."""

import random

import pytest

from checks import Stage, Trial, expect, expect_no_hiding, expect_trials, probe, trial_seed

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


def drawn_runs(draw: random.Random) -> list[float]:
    """Distances a runner may log: whole kilometres and quarters of one (sums stay exact), at
    least one of them not whole, in any order."""
    runs = [
        draw.randint(1, 42) if draw.random() < 0.5 else draw.randint(1, 168) / 4
        for _ in range(draw.randint(0, 5))
    ]
    runs.insert(draw.randint(0, len(runs)), draw.randint(0, 41) + draw.choice([0.25, 0.5, 0.75]))
    return runs


def drawn_minutes(draw: random.Random, low: int, high: int) -> int:
    """Minutes that make no whole hour, nor a number of hours with two decimals."""
    return draw.choice([m for m in range(low, high) if m % 3])


def trials_for(seed):
    """Calls on values drawn from the whole space the README allows, each answered by its rule."""
    draw = random.Random(seed)
    runs, shown = drawn_runs(draw), drawn_runs(draw)
    times = [
        (draw.randint(1, 42), drawn_minutes(draw, 1, 60)),
        (draw.randint(1, 168) / 4, drawn_minutes(draw, 61, 300)),
    ]
    return [
        Trial("total_distance", (runs,), returns=sum(runs)),
        Trial("show_total", (shown,), prints=(f"Total: {sum(shown)} km",)),
        # README: speed(km, minutes) is the speed in km per hour.
        *(Trial("speed", (km, minutes), returns=km / (minutes / 60)) for km, minutes in times),
    ]


def test_functions_work_for_other_runs(exercise):
    """total_distance, show_total and speed give the right answers for other runs too."""
    seed = trial_seed()
    expect_trials(exercise, "crashes.py", trials_for(seed), seed=seed)
