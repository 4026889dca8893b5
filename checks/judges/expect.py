"""The assertions exercise tests make, each failing with a message written for a beginner.

This is the one place where failure messages are worded. Each message says what happened, on
which line, what the program printed before it stopped, and what to look at next. None of them
relies on ``assert``, so ``python -O`` cannot switch them off.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NoReturn

import pytest

from checks.judges.syntax import called_names, defined_functions, unannotated
from checks.model import FailedAt, Failure, Finding, Run, Stage, Suppression

SILENCING_GOAL = (
    "remove these and fix the values or the hints themselves, so that pyright finds nothing "
    "wrong because nothing is wrong."
)
"""What to do instead of silencing pyright, where the file must end with no finding."""

__all__ = [
    "SILENCING_GOAL",
    "annotated",
    "calls",
    "defines",
    "describe",
    "fail",
    "failure_of",
    "failure_raised",
    "finding",
    "lines",
    "no_findings",
    "no_silencing",
    "output_shown",
    "returned",
    "stage",
]

SHOWN_LINES = 15
"""Lines of a program's output quoted in a message; the rest is summarised."""

_CLOSERS = {"(": ")", "[": "]", "{": "}"}
"""Each bracket and the one that closes it."""

_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
"""A piece of text in quotes on one line."""

_TRACEBACK = "Traceback (most recent call last):"
"""The line with which Python starts the report of an error on stderr."""

_WHAT_STAGE_MEANS = {
    Stage.READ: (
        "Python could not even read the file as text. Nothing ran. Save the file as UTF-8 "
        "(most editors have an 'Encoding' menu) and remove any odd characters."
    ),
    Stage.PARSE: (
        "The parser checks the grammar of the whole file before any line runs, so nothing "
        "was printed. Look at that line and the one before it: a missing colon, bracket or "
        "quote is the usual cause."
    ),
    Stage.COMPILE: (
        "The grammar is fine, but the compiler refused the code while turning it into "
        "bytecode, so nothing ran. The error names the statement that is not allowed where "
        "it stands."
    ),
    Stage.RUN: (
        "The file parsed and started to run, then stopped at that line. Everything above it "
        "ran; nothing after it did."
    ),
    Stage.OK: "The file ran to the end without an error.",
}


FAILURE_ATTRIBUTE = "checks_failure"
"""The attribute of pytest's failure exception that carries where the check failed."""


def fail(message: str, failure: Failure | None = None) -> NoReturn:
    """Fail the current test with ``message`` and no traceback of the kit; ``failure`` says
    where it stopped (another kind of check, if not given)."""
    try:
        pytest.fail(message.rstrip() + "\n", pytrace=False)
    except pytest.fail.Exception as error:
        error.__suppress_context__ = True  # no "During handling of ..." above the message
        setattr(error, FAILURE_ATTRIBUTE, failure or Failure(FailedAt.OTHER))
        raise


def untampered(run: Run) -> None:
    """Fail the test if the program changed how the checks watch it (``Run.tampered``)."""
    if run.tampered:
        tampered(run, run.tampered)


def tampered(run: Run, what: str) -> NoReturn:
    """Fail the test: the program changed how the checks watch it, ``what`` says how."""
    fail(
        f"The checks cannot judge this run: your program changed how the checks watch it "
        f"({what}).\n\nWhat they measured while it ran cannot be believed, so this test fails. "
        "A program that solves the exercise has no need of that: take that code out and check "
        "again.",
        Failure(FailedAt.RUN, "tampering", run.file.name),
    )


def failure_raised(error: BaseException) -> Failure | None:
    """The failure ``fail`` gave the exception it raised, if it raised it."""
    found: object = getattr(error, FAILURE_ATTRIBUTE, None)
    return found if isinstance(found, Failure) else None


def failure_of(run: Run) -> Failure:
    """Where a run that did not do what was expected stopped."""
    at = FailedAt.RUN if run.timed_out or run.cut else FailedAt.of_stage(run.stage)
    error = "timeout" if run.timed_out else "too much output" if run.cut else run.error or ""
    if run.stage is Stage.OK and not error:
        error = "ran to the end"
    return Failure(at, error, run.file.name, run.line)


def _quote(text: str, limit: int = SHOWN_LINES) -> str:
    shown = text.splitlines()
    if not shown:
        return "    (nothing)"
    extra = len(shown) - limit
    body = "\n".join(f"    | {line}" for line in shown[:limit])
    if extra > 0:
        body += f"\n    | ... and {extra} more line{'s' if extra != 1 else ''}"
    return body


def _written_to_stderr(run: Run) -> str:
    """What the program itself wrote to stderr: without Python's report of the error it hit."""
    if not run.stage.started:
        return ""
    text = run.stderr
    if text.startswith(_TRACEBACK):
        return ""
    cut = text.find("\n" + _TRACEBACK)
    return text[: cut + 1] if cut >= 0 else text


def output_shown(run: Run) -> str:
    """What the program printed, quoted for a message, and what it wrote to stderr, if anything."""
    shown = _quote(run.stdout)
    errors = _written_to_stderr(run)
    if errors.strip():
        if not run.stdout:
            shown = "    (nothing on the screen's normal output, stdout)"
        shown += (
            "\n\nIt also wrote to stderr, the error stream (`print(..., file=sys.stderr)` "
            "writes there). Your screen shows both, but the checks read only stdout:\n"
            + _quote(errors)
        )
    return shown


def returned(shown: str, expected: object = None) -> str:
    """A value a function returned (as ``repr`` shows it), in words a beginner reads.

    ``None`` is "nothing (None)"; text is called text, with a word on the number it looks like
    when ``expected`` is one; a generator is told to be wrapped in ``list(...)``.
    """
    if shown == "None":
        return "nothing (None): does the function end with a `return` line?"
    if shown.startswith("<generator object"):
        return (
            f"a generator ({shown}), which gives the values one at a time: wrap it in "
            "list(...) to return them all as a list"
        )
    if shown[:1] in ("'", '"'):
        looks = (
            f", not the number {expected!r}: return the number itself, not text made from it"
            if isinstance(expected, (int, float)) and not isinstance(expected, bool)
            else ""
        )
        return f"the text {shown} (a str: the quotes show it is text){looks}"
    return shown


def describe(run: Run) -> str:
    """Say in a few lines where and why a run stopped."""
    name = run.file.name
    if run.timed_out:
        return (
            f"{name} did not finish in time and was stopped. Is there a loop that never ends, "
            "or a wait for something that never comes?\n\nIt printed before it was stopped:\n"
            + output_shown(run)
        )
    if run.cut:
        return (
            f"{name} printed far too much and was stopped. Look for a loop that prints and "
            "never ends.\n\nIt began with:\n" + output_shown(run)
        )
    if run.stage is Stage.OK:
        return f"{name} ran to the end without an error.\n\nIt printed:\n" + output_shown(run)
    where = f"line {run.line}" if run.line else "an unknown line"
    parts = [f"{name} stopped at the {run.stage.value.upper()} stage, on {where}."]
    if run.source_line:
        parts.append(f"\n    --> {name}:{run.line}\n    {run.line} | {run.source_line}")
    if run.error:
        parts.append(f"    {run.error}: {run.message}".rstrip(": "))
    elif run.message:
        parts.append(f"    ({run.message})")
    parts.append("\n" + _WHAT_STAGE_MEANS[run.stage])
    inside = bracket_in_quotes(run)
    if inside:
        parts.append("\n" + inside)
    if run.waited_for_input:
        parts.append(
            "It called input(), but the checks give a program no keyboard: the answer must "
            "not depend on typing."
        )
    if run.stage.started:
        parts.append("\nWhat it printed before it stopped:\n" + output_shown(run))
    return "\n".join(parts)


def bracket_in_quotes(run: Run) -> str:
    """A word for a bracket never closed because its closing one sits inside quotes, or ``""``."""
    opened = re.match(r"'(.)' was never closed", run.message or "")
    if run.stage is not Stage.PARSE or opened is None or not run.source_line:
        return ""
    closer = _CLOSERS.get(opened.group(1), "")
    quoted = [piece for piece in _QUOTED.findall(run.source_line) if closer and closer in piece]
    if not quoted:
        return ""
    return (
        f"Look at {quoted[0]} on that line: the {closer} is inside the quotes, so Python reads it "
        f"as part of the text, not as the end of the bracket. Move it after the closing quote."
    )


def stage(run: Run, expected: Stage, *, error: str | None = None, advice: str = "") -> None:
    """Require that ``run`` stopped at ``expected`` (and, if given, with ``error``)."""
    same_error = error is None or run.error == error
    if run.stage is expected and same_error and not run.timed_out and not run.cut:
        return
    if expected is Stage.OK:
        head = f"Expected {run.file.name} to run to the end without an error."
    else:
        wanted = f" with a {error}" if error else ""
        head = f"Expected {run.file.name} to stop at the {expected.value.upper()} stage{wanted}."
    fail(f"{head}\n\n{describe(run)}" + (f"\n\nNext: {advice}" if advice else ""), failure_of(run))


def lines(run: Run, expected: Sequence[str], *, advice: str = "") -> None:
    """Require that the program printed exactly ``expected``, line by line."""
    got = run.lines
    if got == list(expected):
        return
    for number, (want, have) in enumerate(zip(expected, got, strict=False), start=1):
        if want != have:
            first = f"Line {number} of the output differs.\n" + _difference(want, have)
            break
    else:
        number = min(len(expected), len(got)) + 1
        if len(got) < len(expected):
            first = f"The output stops early: line {number} should be:\n    {expected[number - 1]}"
        else:
            first = f"The output has extra lines, from line {number}:\n    {got[number - 1]}"
    message = (
        f"{run.file.name} printed something other than expected.\n\n{first}\n\n"
        f"Expected:\n{_quote(chr(10).join(expected))}\n\nPrinted:\n{output_shown(run)}"
    )
    failure = Failure(FailedAt.OUTPUT, "", run.file.name)
    if not run.stage.started or run.stage is Stage.RUN:
        message += "\n\n" + describe(run)
        failure = failure_of(run)
    fail(message + (f"\n\nNext: {advice}" if advice else ""), failure)


def _difference(want: str, have: str) -> str:
    """Two lines one above the other, as printed (no quotes), with a mark where they part."""
    column = next(
        (i for i, (a, b) in enumerate(zip(want, have, strict=False)) if a != b),
        min(len(want), len(have)),
    )
    rows = [f"    expected: {want}", f"    printed:  {have}", "              " + " " * column + "^"]
    parted = want[column : column + 1] + have[column : column + 1]
    if any(char.isspace() for char in parted):
        rows.append(f"    (they part at character {column + 1}: a space or a tab, easy to miss)")
    return "\n".join(rows)


def finding(
    findings: Iterable[Finding], *, rule: str, at: Iterable[int] = (), file: Path, advice: str = ""
) -> Finding:
    """Require a pyright finding of ``rule`` (on one of the lines ``at``, if given)."""
    lines_wanted = set(at)
    found = list(findings)
    for item in found:
        if item.rule == rule and (not lines_wanted or item.line in lines_wanted):
            return item
    where = f" on line {', '.join(map(str, sorted(lines_wanted)))}" if lines_wanted else ""
    seen = "\n".join(f"    line {f.line}: [{f.rule}] {f.message.splitlines()[0]}" for f in found)
    fail(
        f"pyright should report {rule}{where} in {file.name}, but it does not.\n\n"
        f"pyright reported:\n{seen or '    (nothing)'}" + (f"\n\nNext: {advice}" if advice else ""),
        Failure(FailedAt.TYPECHECK, f"no {rule}", file.name),
    )


def no_findings(
    findings: Iterable[Finding], *, file: Path, advice: str = "", explained: Sequence[str] = ()
) -> None:
    """Require that pyright reports no error in ``file`` (``explained``: its findings in plain
    words, shown above pyright's own)."""
    errors = [f for f in findings if f.severity == "error"]
    if not errors:
        return
    listed = "\n".join(
        f"    line {f.line}, column {f.column}: [{f.rule}]\n      "
        + f.message.replace("\n", "\n      ")
        for f in errors
    )
    count = f"{len(errors)} type error{'s' if len(errors) != 1 else ''}"
    if explained:
        plain = "\n".join(f"    {line}" for line in explained)
        body = f"{plain}\n\npyright's own words, for those who want them:\n{listed}"
        head = f"pyright still finds {count} in {file.name}. In plain words:"
    else:
        body, head = listed, f"pyright still finds {count} in {file.name}:"
    fail(
        f"{head}\n\n{body}" + (f"\n\nNext: {advice}" if advice else ""),
        Failure(FailedAt.TYPECHECK, errors[0].rule, file.name, errors[0].line),
    )


def no_silencing(
    file: Path,
    found: Sequence[Suppression],
    tree: ast.Module | None,
    *,
    goal: str = SILENCING_GOAL,
) -> None:
    """Refuse comments and names that silence pyright or change its settings for one file."""
    skipped = [f"    line {s.line}: {s.text}" for s in found if not _is_setting(s.text)]
    settings = [f"    line {s.line}: {s.text}" for s in found if _is_setting(s.text)]
    if tree is not None:
        for node in ast.walk(tree):
            name = (
                node.id
                if isinstance(node, ast.Name)
                else node.attr
                if isinstance(node, ast.Attribute)
                else None
            )
            if name in {"Any", "cast"}:
                skipped.append(f"    line {node.lineno}: uses {name}")  # type: ignore[attr-defined]
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name in {"Any", "cast"}:
                        skipped.append(f"    line {node.lineno}: imports {alias.name}")
    parts: list[str] = []
    if skipped:
        parts.append(
            f"{file.name} tells pyright to skip what it would check (an ignore comment, or "
            "Any or cast, which let any value pass):\n\n" + "\n".join(sorted(set(skipped)))
        )
    if settings:
        parts.append(
            f"{file.name} changes pyright's settings for itself:\n\n"
            + "\n".join(sorted(set(settings)))
            + "\n\nThe checks run pyright with the kit's settings for every file, and those are "
            "not a student file's to change, even to make pyright stricter: remove the line."
        )
    if parts:
        fail(
            "\n\n".join(parts) + f"\n\nNext: {goal}",
            Failure(FailedAt.OTHER, "silenced pyright", file.name),
        )


def _is_setting(comment: str) -> bool:
    """Whether a comment sets pyright's options for the file (``# pyright: strict``), rather
    than asking it to ignore a line."""
    return "pyright:" in comment and "ignore" not in comment.split("pyright:", 1)[1][:8]


def defines(tree: ast.Module, names: Iterable[str], *, file: str, advice: str = "") -> None:
    """Require that the file still defines each function in ``names`` (read from its syntax tree)."""
    missing = [n for n in names if n not in defined_functions(tree)]
    if missing:
        fail(
            f"{file} no longer defines {', '.join(f'{n}()' for n in missing)}. The exercise is "
            "to fix the program, not to replace it: put the function back and fix it."
            + (f"\n\nNext: {advice}" if advice else ""),
            Failure(FailedAt.OTHER, "function removed", file),
        )


def calls(tree: ast.AST, names: Iterable[str], *, file: str, advice: str = "") -> None:
    """Require that the code calls each function in ``names`` somewhere (on its syntax tree)."""
    missing = [n for n in names if n not in called_names(tree)]
    if missing:
        fail(
            f"{file} no longer calls {', '.join(f'{n}()' for n in missing)}. Printing the "
            "expected text is not the same as fixing the program: the output must come from "
            "the program's own code." + (f"\n\nNext: {advice}" if advice else ""),
            Failure(FailedAt.OTHER, "call removed", file),
        )


def annotated(tree: ast.Module, names: Iterable[str], *, file: str) -> None:
    """Require that each function in ``names`` keeps a type hint on every parameter and return."""
    functions = defined_functions(tree)
    bare = {n: unannotated(functions[n]) for n in names if n in functions}
    bare = {n: missing for n, missing in bare.items() if missing}
    if bare:
        listed = "\n".join(f"    {n}(): no hint for {', '.join(m)}" for n, m in bare.items())
        fail(
            f"{file} took type hints away:\n\n{listed}\n\nWithout hints pyright has nothing "
            "to check, so its silence proves nothing. Put the hints back and make the values "
            "match them.",
            Failure(FailedAt.OTHER, "hints removed", file),
        )
