"""Exercise 08: print statements run in the order Python reaches them.

The real output of program.py is not stored anywhere: the checks run it, on the Python that
runs the tests, and compare it with the prediction, line by line.
"""

import difflib
import pytest

from checks import Stage, Trial, expect, expect_trials, probe, written_answers

REPORT = [
    "FRUIT REPORT",
    "============",
    "apples: 3",
    "pears: 5",
    "plums: 2",
    "============",
    "total: 10",
]
SECTIONS = ["print_header", "print_rows", "print_footer"]
OWNERS = ["print_header"] * 2 + ["print_rows"] * 3 + ["print_footer"] * 2
"""The function that prints each line of REPORT."""
OTHER_ITEMS = [("kiwis", 7), ("figs", 1)]
TRIALS = [
    Trial("print_header", prints=("FRUIT REPORT", "============")),
    Trial("print_rows", (OTHER_ITEMS,), prints=("kiwis: 7", "figs: 1")),
    Trial("print_footer", (OTHER_ITEMS,), prints=("============", "total: 8")),
]
NEARLY = 0.8
"""How alike a predicted line and the real one must be to count as a near miss."""

FOLLOW = (
    "Follow program.py from the top, one statement at a time, the way Python does. A `def` "
    "only defines a function: its body runs each time the function is called, and only then."
)


def predicted_lines(exercise):
    """PREDICTED from predict.py, read from its syntax tree (never run)."""
    tree = exercise.tree("predict.py")
    predicted = written_answers(tree, ["PREDICTED"], file="predict.py")["PREDICTED"]
    if not isinstance(predicted, (list, tuple)) or not all(
        isinstance(line, str) for line in predicted
    ):
        expect.fail(
            "PREDICTED in predict.py must be a list of lines, each one text in quotes:\n\n"
            '    PREDICTED = [\n        "the first line",\n        "the second line",\n    ]'
        )
    return list(predicted)


def listing(predicted, upto, mark, *, to_the_end=False):
    """The prediction, numbered: right up to line ``upto``, which gets ``mark``.

    With ``to_the_end``, every line from ``upto`` on is shown with ``mark``.
    """
    rows = []
    last = len(predicted) if to_the_end else upto
    for number, line in enumerate(predicted[:last], start=1):
        note = mark if number >= upto else "right"
        rows.append(f"    {number:2} | {line!r:40} {note}")
    if len(predicted) > last:
        rest = len(predicted) - upto
        rows.append(f"       ... and {rest} more line{'s' if rest != 1 else ''}")
    return "\n".join(rows)


def test_prediction_matches_the_real_output(exercise):
    """PREDICTED in predict.py is exactly the lines program.py prints before it crashes."""
    predicted = predicted_lines(exercise)
    run = exercise.run("program.py")
    if run.stage is not Stage.RUN or run.timed_out or run.cut:
        expect.fail(
            "program.py should print some lines, then crash part-way, but it did not:\n\n"
            f"{expect.describe(run)}\n\nprogram.py is the kit's file, not yours to change. "
            "Restore it (git checkout exercises/08/program.py) and predict its output instead."
        )
    printed = run.lines
    if predicted == printed:
        return
    same = 0
    while same < min(len(predicted), len(printed)) and predicted[same] == printed[same]:
        same += 1
    number = same + 1
    if same < min(len(predicted), len(printed)):
        want, have = printed[same], predicted[same]
        head = f"Line {number} of your prediction is not what program.py prints there."
        shown = listing(predicted, number, "<- not this")
        if difflib.SequenceMatcher(None, want, have).ratio() >= NEARLY:
            why = (
                f"Nearly: program.py printed {want!r}. Compare the two character by "
                "character: spaces, capital letters and punctuation all count."
            )
        elif same:
            why = (
                f"Lines 1 to {same} are right. Which print does Python reach after the one that "
                f"printed line {same}? {FOLLOW}"
            )
        else:
            why = f"Which print does Python reach first? {FOLLOW}"
    elif same < len(printed):
        head = (
            f"Your prediction stops after line {same}, but program.py printed more lines "
            "before it crashed."
        )
        shown = listing(predicted, same, "right") if predicted else "    (nothing)"
        why = f"Which print does Python reach after the one that printed line {same}? {FOLLOW}"
    else:
        extra = len(predicted) - same
        head = (
            f"program.py printed only {same} line{'s' if same != 1 else ''}, then crashed: "
            f"{extra} line{'s' if extra != 1 else ''} of your prediction never print."
        )
        shown = listing(predicted, number, "<- never printed", to_the_end=True)
        where = f"\n    {run.line} | {run.source_line}" if run.source_line else ""
        why = (
            f"It stopped on line {run.line} of program.py with {run.error}: {run.message}"
            f"{where}\n\nOnce a line crashes, nothing after it runs: not the rest of the "
            "function, not the rest of the loop, not the lines below. Your prediction must "
            "stop where the crash stops the program."
        )
    expect.fail(
        f"{head}\n\nYour prediction:\n{shown}\n\n{why}\n\nNext: fix predict.py; you can watch "
        "program.py yourself with `uv run python exercises/08/program.py`."
    )


def test_report_prints_header_rows_footer(exercise):
    """report.py runs to the end and prints its header, then its rows, then its footer."""
    run = exercise.run("report.py")
    expect.stage(run, Stage.OK)
    expect.lines(
        run,
        REPORT,
        advice=(
            "find the first call Python reaches in report.py (the definitions above it print "
            "nothing), then follow each call into its function, in order."
        ),
    )


def printed_by(exercise):
    """Each line report.py printed while it ran, and which of its functions printed it."""
    return probe.measure(exercise, "report.py").get("printed", [])


@pytest.mark.guard
def test_report_keeps_its_functions(exercise):
    """report.py's three section functions are still there, called, and print their section."""
    tree = exercise.tree("report.py")
    expect.defines(tree, SECTIONS, file="report.py")
    expect.calls(tree, SECTIONS, file="report.py")
    printed = printed_by(exercise)
    outside = sorted({p["line"] for p in printed if p["by"] not in SECTIONS and p["line"]})
    if outside or any(p["by"] not in SECTIONS for p in printed):
        where = f", on line {', '.join(map(str, outside))}" if outside else ""
        expect.fail(
            f"report.py prints outside its three section functions{where}. Every line of the "
            f"report must come from {', '.join(f'{n}()' for n in SECTIONS)} while they run: "
            "change where they are called, not what is printed."
        )
    texts = [p["text"] for p in printed]
    if texts != REPORT:
        if exercise.run("report.py").lines == REPORT:
            expect.fail(
                "Not every line report.py shows on the screen went through print() while one "
                f"of its functions ran: the checks saw only these ({len(texts)} of "
                f"{len(REPORT)}):\n\n" + "\n".join(f"    {t}" for t in texts or ["(nothing)"])
                + "\n\nLet print_header(), print_rows() and print_footer() print their own "
                "lines, with print()."
            )
        texts = []
    wrong = [
        (text, p["by"], owner)
        for text, p, owner in zip(REPORT, printed, OWNERS)
        if texts and p["by"] != owner
    ]
    if wrong:
        text, by, owner = wrong[0]
        expect.fail(
            f"The line {text!r} was printed by {by}(), but it is {owner}()'s line. Each section "
            "must come from its own function: change where the functions are called, not what "
            "each one prints."
        )
    expect_trials(
        exercise,
        "report.py",
        TRIALS,
        advice="keep the three functions as the starter has them; change only where they are called.",
    )
