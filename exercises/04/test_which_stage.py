"""Exercise 04: predict the stage, and the error, at which Python stops each mystery program.

The right answers are not stored anywhere: the checks run every program in mystery/ with the
kit's runner, on the Python that runs the tests, and compare with answers.py.
"""

import platform
import textwrap

from checks import Stage, expect, run_each, written_answers

STAGES = [stage.value for stage in Stage]

FILL_IN = (
    "write its stage (one of read, parse, compile, run, ok) and its error's name, or None if "
    "it runs to the end."
)

NUDGES = {
    # Python stopped it before the run stage; the student expected it to start.
    "never_started": (
        "Run it yourself: did even its first line print? If nothing printed, its code never "
        "started, so it stopped before the run stage. Which earlier stage refuses what you see?"
    ),
    # It started; the student expected it to be refused before running.
    "started": (
        "Run it yourself: does anything print before it stops, or at all? Output means Python "
        "got past reading, parsing and compiling."
    ),
    "runs_to_the_end": (
        "Run it yourself, to the end. Does the line you suspect ever run, and if it runs, "
        "is it really an error for Python?"
    ),
    "stops": "Run it yourself: does it really finish without an error?",
    Stage.READ.value: (
        "Read the error message, not only its name: is Python complaining about the grammar, "
        "or about the characters in the file?"
    ),
    Stage.PARSE.value: (
        "Would this statement be fine somewhere else in a file, or is the grammar itself broken "
        "wherever it stands?"
    ),
    Stage.COMPILE.value: (
        "Is the grammar really broken? Every colon, bracket and indent can be right and the "
        "statement still not be allowed where it stands."
    ),
    "error": (
        "The stage is right; the error is not. The error's name is the word before the colon "
        "on the last line Python prints (it may not be the first one you think of)."
    ),
    "no_error": (
        "A program that runs to the end raises no exception: write None, without quotes, as "
        "its error."
    ),
    "quoted_none": 'Write None without quotes: "None" in quotes is a piece of text.',
    "error_spelling": (
        "Nearly: that is the right error, written differently. A stage may be written in any "
        "case, but an error's name must be written exactly as Python prints it, capital letters "
        "included, with no spaces: compare yours with the last line Python prints, letter by "
        "letter."
    ),
}


def mystery_programs(exercise):
    """The mystery programs, by file name."""
    return {path.name: path for path in sorted((exercise.folder / "mystery").glob("*.py"))}


def measured(exercise):
    """What Python does with each mystery program: its stage and error (None when it is ok)."""
    truth = {}
    programs = mystery_programs(exercise)
    runs = run_each(list(programs.values()), limits=exercise.limits)
    for name, run in zip(programs, runs):
        if run.timed_out or run.cut:
            expect.fail(f"The kit could not judge mystery/{name}: {expect.describe(run)}")
        truth[name] = (run.stage.value, run.error if run.stage is not Stage.OK else None)
    stages = {stage for stage, _ in truth.values()}
    errors_at_run = [error for stage, error in truth.values() if stage == Stage.RUN.value]
    if stages != set(STAGES) or len(set(errors_at_run)) < 2:
        expect.fail(
            "The kit's mystery programs no longer cover every stage on this Python "
            f"({platform.python_version()}): this is a fault in the kit, not in your answers. "
            "Restore the mystery/ folder (git checkout exercises/04/mystery) or report it."
        )
    return truth


def predictions(exercise):
    """STAGES and ERRORS from answers.py, read from its syntax tree (never run)."""
    tree = exercise.tree("answers.py")
    answers = written_answers(tree, ["STAGES", "ERRORS"], file="answers.py")
    programs = mystery_programs(exercise)
    for name, given in answers.items():
        if not isinstance(given, dict):
            expect.fail(
                f'{name} in answers.py must be a dictionary: {{"a.py": ..., "b.py": ...}}, '
                "one entry per mystery program."
            )
        for key, value in given.items():
            if key not in programs:
                expect.fail(
                    f"{name} in answers.py has an entry for {key!r}, but there is no mystery "
                    f"program by that name. The programs are: {', '.join(programs)}. "
                    "Remove that entry."
                )
            if value is not None and not isinstance(value, str):
                expect.fail(
                    f"{name}[{key!r}] in answers.py is {value!r}: write text in quotes "
                    f"(or None{' for a program that runs to the end' if name == 'ERRORS' else ''})."
                )
        missing = [program for program in programs if program not in given]
        if missing:
            expect.fail(
                f"{name} in answers.py has no entry for {', '.join(missing)}. Every mystery "
                f'program needs a prediction: add "{missing[0]}": ... to {name}.'
            )
    return answers["STAGES"], answers["ERRORS"]


def nudge(said_stage, said_error, stage, error):
    """A question that points the way for one wrong prediction, without giving it away."""
    if said_stage != stage:
        started = stage in (Stage.RUN.value, Stage.OK.value)
        said_started = said_stage in (Stage.RUN.value, Stage.OK.value)
        if started != said_started:
            return NUDGES["started" if started else "never_started"]
        if started:
            return NUDGES["runs_to_the_end" if stage == Stage.OK.value else "stops"]
        return NUDGES[stage]
    if error is None:
        return NUDGES["quoted_none" if said_error == "None" else "no_error"]
    if said_error is not None and "".join(said_error.split()).lower() == error.lower():
        return NUDGES["error_spelling"]
    return NUDGES["error"]


def judge(said_stage, said_error, stage, error):
    """The verdict on one prediction and, when it is wrong, a nudge (never the answer)."""
    if said_stage in ("?", "") or said_error in ("?", ""):
        return "not answered yet", None
    if said_stage not in STAGES:
        return "not a stage", f"Write one of {', '.join(STAGES)} as its stage."
    stage_wrong, error_wrong = said_stage != stage, said_error != error
    if not stage_wrong and not error_wrong:
        return "right", None
    wrong = " and ".join(
        part for part, is_wrong in (("stage", stage_wrong), ("error", error_wrong)) if is_wrong
    )
    return f"wrong {wrong}", nudge(said_stage, said_error, stage, error)


def test_predictions_match_what_python_does(exercise):
    """answers.py, written out by hand, predicts where Python really stops each mystery program."""
    said_stages, said_errors = predictions(exercise)
    truth = measured(exercise)
    rows, verdicts = [], []
    for name, (stage, error) in truth.items():
        said_stage = str(said_stages[name]).strip().lower()
        said_error = said_errors[name].strip() if isinstance(said_errors[name], str) else None
        verdict, hint = judge(said_stage, said_error, stage, error)
        verdicts.append(verdict)
        shown_error = '"None"' if said_errors[name] == "None" else said_errors[name]
        shown = f"{said_stages[name]} / {shown_error}"
        rows.append(f"  {name:6} you said {shown:28} {verdict}")
        if hint:
            rows.append(
                textwrap.fill(hint, width=92, initial_indent=" " * 9, subsequent_indent=" " * 9)
            )
    right = verdicts.count("right")
    if right == len(truth):
        return
    message = (
        f"Python {platform.python_version()} just ran the {len(truth)} mystery programs: "
        f"your predictions are right for {right} of them.\n\n" + "\n".join(rows)
    )
    if "not answered yet" in verdicts:
        message += f"\n\nFor each program not answered yet, {FILL_IN}"
    expect.fail(
        message + "\n\nNext: take one that is not right, run it yourself (uv run python "
        "exercises/04/mystery/NAME.py), read the last line Python prints and ask which stage "
        "could have said it. The README's list of stages helps."
    )
