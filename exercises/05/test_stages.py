"""Exercise 05: each file stops at exactly its stage, with its error, after its output."""

import builtins

from checks import Stage, expect

GRAMMAR_ERRORS = {"SyntaxError", "IndentationError", "TabError"}


def _is_name_error(name):
    """Whether the error named ``name`` is a NameError or of its kind (UnboundLocalError)."""
    found = getattr(builtins, name or "", None)
    return isinstance(found, type) and issubclass(found, NameError)


def test_fails_at_parse(exercise):
    """fails_at_parse.py is refused by the parser: a SyntaxError before anything runs."""
    run = exercise.run("fails_at_parse.py")
    expect.stage(
        run,
        Stage.PARSE,
        advice="break the grammar itself: the parser must refuse the file, so nothing runs.",
    )
    if run.error not in GRAMMAR_ERRORS:
        expect.fail(f"fails_at_parse.py stopped at the parse stage, but with {run.error}.")


def test_fails_at_compile(exercise):
    """fails_at_compile.py parses, then the compiler refuses it with a SyntaxError."""
    run = exercise.run("fails_at_compile.py")
    expect.stage(
        run,
        Stage.COMPILE,
        error="SyntaxError",
        advice=(
            "keep the grammar valid and use a statement where it is not allowed: the parser "
            "accepts it, the compiler does not."
        ),
    )


def test_fails_at_run(exercise):
    """fails_at_run.py prints `started`, then stops with a NameError (or UnboundLocalError)."""
    run = exercise.run("fails_at_run.py")
    expect.stage(
        run,
        Stage.RUN,
        error=run.error if _is_name_error(run.error) else "NameError",
        advice="print `started`, then use a name that was never defined.",
    )
    expect.lines(run, ["started"])


def test_runs_ok(exercise):
    """runs_ok.py runs to the end without an error."""
    run = exercise.run("runs_ok.py")
    expect.stage(run, Stage.OK)
