"""Exercise 09: Python runs what pyright rejects; then the invoice is fixed, not silenced."""

from checks import Stage, expect
from checks.syntax import typed_call_lines


def test_hints_are_not_enforced(exercise):
    """not_enforced.py runs cleanly, and pyright reports reportArgumentType on its wrong call."""
    run = exercise.run("not_enforced.py")
    expect.stage(
        run,
        Stage.OK,
        advice="the wrong call must still run: pick values that Python can add, such as two strings.",
    )
    exercise.silencing("not_enforced.py")
    calls = typed_call_lines(exercise.tree("not_enforced.py"))
    if not calls:
        expect.fail(
            "not_enforced.py no longer calls a function whose parameters have type hints. "
            "Keep `add` (with its hints) and call it."
        )
    expect.finding(
        exercise.findings("not_enforced.py"),
        rule="reportArgumentType",
        at=calls,
        file=exercise.path("not_enforced.py"),
        advice="call add() with values that do not match its hints (two strings, say).",
    )


def test_invoice_is_fixed(exercise):
    """invoice.py prints the right total, and pyright finds no error, with nothing silenced."""
    tree = exercise.tree("invoice.py")
    expect.defines(tree, ["line_total", "invoice_total"], file="invoice.py")
    expect.calls(tree, ["line_total", "invoice_total"], file="invoice.py")
    expect.annotated(tree, ["line_total", "invoice_total"], file="invoice.py")
    exercise.silencing("invoice.py")
    expect.no_findings(
        exercise.findings("invoice.py"),
        file=exercise.path("invoice.py"),
        advice="fix the values so they match the hints; pyright names each line.",
    )
    run = exercise.run("invoice.py")
    expect.stage(run, Stage.OK)
    expect.lines(run, ["Total: 15.40"])
