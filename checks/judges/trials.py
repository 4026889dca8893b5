"""Try a student's functions on other values than the program's own, in a child process.

A program can print the lines a README asks for without being fixed: a function emptied and
the answer printed by hand, a ``return 16`` instead of a sum, the call's arguments changed so
that the bug does not show. A trial calls the functions themselves, on values the student did
not see, and compares what each call returns and prints with what it should.

The calls run like every student run (``run_file``: a throwaway copy, a timeout, limits), in
the child's trial mode (``checks/child/calls.py``), which loads the student file as a module
and answers one JSON line per call. What a call prints is caught at the file descriptor, so a
stream bound before the call (``from sys import stdout``) or ``os.write(1, ...)`` counts.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

from checks.judges import expect
from checks.judges.attempt import Attempt
from checks.run.program import run_file

__all__ = ["Answer", "Trial", "answers", "expect_trials"]

_WHY = (
    "The checks also call your functions with other values than the program's own, so that a "
    "fix works for any value, not only for the lines the README shows."
)


@dataclass(frozen=True)
class Trial:
    """One call the checks make (a Python expression), and what it must return and print."""

    call: str
    returns: object = None
    prints: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answer:
    """What one call gave: its value (as ``repr`` shows it) and printed lines, or its error."""

    call: str | None
    """The call; ``None`` for loading the file itself."""
    value: str | None = None
    printed: tuple[str, ...] = ()
    error: str | None = None
    message: str = ""
    line: int | None = None
    source_line: str = ""


def _answer(data: dict[str, object]) -> Answer:
    line = data.get("line")
    printed = data.get("printed")
    call = data.get("call")
    value = data.get("value")
    error = data.get("error")
    return Answer(
        call=call if isinstance(call, str) else None,
        value=value if isinstance(value, str) else None,
        printed=tuple(str(p) for p in printed) if isinstance(printed, list) else (),  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
        error=error if isinstance(error, str) else None,
        message=str(data.get("message") or ""),
        line=line if isinstance(line, int) else None,
        source_line=str(data.get("source_line") or ""),
    )


def answers(attempt: Attempt, file: str, calls: Sequence[str]) -> dict[str | None, Answer]:
    """Load ``file`` as a module and make each call; the answers by call (``None``: loading).

    A call missing from the result gave no answer: the program ended the process, or ran out
    of time. Fails the test (with the parser's message) if the file does not parse.
    """
    attempt.tree(file)
    # The mark that starts each answer line. It keeps a line the program prints by chance
    # from passing for an answer; it is no secret (what the calls print is caught apart), so
    # it is the same for the same calls, and an unchanged file's run can be cached.
    token = hashlib.sha256(json.dumps(["trials", file, list(calls)]).encode()).hexdigest()
    attempt.student_file(file)
    run = run_file(
        attempt.folder / file,
        folder=attempt.folder,
        overlays=attempt.overlays(),
        limits=attempt.limits,
        calls=list(calls),
        token=token,
    )
    found: dict[str | None, Answer] = {}
    for line in run.lines:
        mark, _, body = line.partition(" ")
        if mark == token:
            answer = _answer(json.loads(body))
            found[answer.call] = answer
    return found


def _same(expected: object, value: str | None) -> bool:
    if value == repr(expected):
        return True
    if isinstance(expected, float) and value is not None:
        try:
            return math.isclose(float(value), expected, rel_tol=1e-9)
        except ValueError:
            return False
    return False


def _quote(lines: Sequence[str]) -> str:
    return "\n".join(f"    | {line}" for line in lines) if lines else "    (nothing)"


def _stopped(answer: Answer, file: str) -> str:
    where = f" on line {answer.line} of {file}" if answer.line else ""
    text = f"\n    {answer.line} | {answer.source_line}" if answer.source_line else ""
    error = f"{answer.error}: {answer.message}" if answer.message else str(answer.error)
    return f"it stopped{where} with an error:{text}\n    {error}"


def _verdict(trial: Trial, answer: Answer | None, file: str) -> str | None:
    """What is wrong with one answer, in words for a beginner; ``None`` if it is right."""
    if answer is None:
        return (
            f"{trial.call} gave no answer: the program ended or ran out of time before the call "
            "returned."
        )
    if answer.error is not None:
        return f"{trial.call} should {_promise(trial)}, but {_stopped(answer, file)}"
    if list(answer.printed) != list(trial.prints):
        return (
            f"{trial.call} should print:\n{_quote(trial.prints)}\n"
            f"but it printed:\n{_quote(answer.printed)}"
        )
    if not _same(trial.returns, answer.value):
        got = expect.returned(str(answer.value), trial.returns)
        return f"{trial.call} should return {trial.returns!r}, but it returned {got}."
    return None


def _promise(trial: Trial) -> str:
    if trial.prints:
        return "print " + " then ".join(repr(p) for p in trial.prints)
    return f"return {trial.returns!r}"


def expect_trials(
    attempt: Attempt, file: str, trials: Sequence[Trial], *, advice: str = ""
) -> None:
    """Require that each trial's call returns and prints what it should."""
    found = answers(attempt, file, [t.call for t in trials])
    for trial in trials:
        wrong = _verdict(trial, found.get(trial.call), file)
        if wrong is not None:
            expect.fail(f"{_WHY}\n\n{wrong}" + (f"\n\nNext: {advice}" if advice else ""))
