"""Try a student's functions on other values than the program's own, in a child process.

A program can print the lines a README asks for without being fixed: a function emptied and
the answer printed by hand, a ``return 16`` instead of a sum, the call's arguments changed so
that the bug does not show. A trial calls the functions themselves, on values the student did
not see, and compares what each call returns and prints with what it should.

The calls run like every student run (``run_file``: a throwaway copy, a timeout, limits), in
the child's trial mode (``checks/child/calls.py``), which loads the student file as a module
and answers each call with one record on the sealed channel (``checks/run/facts.py``). What a call prints is caught at the file descriptor, so a
stream bound before the call (``from sys import stdout``) or ``os.write(1, ...)`` counts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from checks.judges import expect
from checks.judges.attempt import Attempt
from checks.judges.drawn import SEED_VARIABLE, draw_seed
from checks.run.program import run_file

__all__ = ["Answer", "Trial", "answers", "expect_trials", "trial_seed"]

_seed: list[int] = []

_WHY = (
    "The checks also call your functions with other values than the program's own, so that a "
    "fix works for any value, not only for the lines the README shows."
)


@dataclass(frozen=True)
class Trial:
    """One call the checks make (a function of the student's file, by name, and the values to
    call it with), and what it must return and print."""

    function: str
    args: tuple[object, ...] = ()
    returns: object = None
    prints: tuple[str, ...] = ()

    @property
    def call(self) -> str:
        """The call as Python writes it, for the messages: ``speed(10, 30)``."""
        return f"{self.function}({', '.join(repr(a) for a in self.args)})"


@dataclass(frozen=True)
class Answer:
    """What one call gave: its value (as ``repr`` shows it) and printed lines, or its error."""

    call: int | None
    """The call's place among the trials; ``None`` for loading the file itself."""
    value: str | None = None
    printed: tuple[str, ...] = ()
    error: str | None = None
    message: str = ""
    line: int | None = None
    source_line: str = ""


def _answer(call: int | None, data: Mapping[str, object]) -> Answer:
    line = data.get("line")
    printed = data.get("printed")
    value = data.get("value")
    error = data.get("error")
    return Answer(
        call=call,
        value=value if isinstance(value, str) else None,
        printed=tuple(str(p) for p in printed) if isinstance(printed, list) else (),  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
        error=error if isinstance(error, str) else None,
        message=str(data.get("message") or ""),
        line=line if isinstance(line, int) else None,
        source_line=str(data.get("source_line") or ""),
    )


def answers(attempt: Attempt, file: str, trials: Sequence[Trial]) -> dict[int | None, Answer]:
    """Load ``file`` as a module and make each trial's call; the answers by the call's place
    (``None``: loading).

    The answers come on the sealed channel (``checks/run/facts.py``), one per call, in order. A
    call missing from the result gave no answer: the program ended the process, or ran out of
    time. Fails the test (with the parser's message) if the file does not parse, and says so
    if the program changed how the checks watch it.
    """
    attempt.tree(file)
    attempt.student_file(file)
    run = run_file(
        attempt.folder / file,
        folder=attempt.folder,
        overlays=attempt.overlays(),
        limits=attempt.limits,
        calls=[repr((trial.function, trial.args)) for trial in trials],
    )
    expect.untampered(run)
    found: dict[int | None, Answer] = {}
    for number, (kind, data) in enumerate(run.facts):
        place = number - 1
        said = cast("dict[str, object]", data) if isinstance(data, dict) else {}
        is_answer = kind == "answer" and said.get("call") == place
        if not (kind == "loaded" and number == 0) and not is_answer:
            expect.tampered(run, "a record of the checks' came out of turn")
        found[None if number == 0 else place] = _answer(None if number == 0 else place, said)
    if run.facts_ended and len(run.facts) != len(trials) + 1:
        expect.tampered(run, "the checks' answers did not all come")
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


def trial_seed() -> int:
    """The seed this session draws its trial values with (``checks.judges.drawn.draw_seed``:
    ``CHECKS_SEED`` if it is set, to replay a failure), drawn once per session."""
    if not _seed:
        _seed.append(draw_seed())
    return _seed[0]


def expect_trials(
    attempt: Attempt,
    file: str,
    trials: Sequence[Trial],
    *,
    advice: str = "",
    seed: int | None = None,
) -> None:
    """Require that each trial's call returns and prints what it should.

    ``seed``: the trials' values were drawn with it (``trial_seed``); a failure says how to
    draw the same ones again.
    """
    found = answers(attempt, file, trials)
    for number, trial in enumerate(trials):
        wrong = _verdict(trial, found.get(number), file)
        if wrong is not None:
            replay = (
                f"\n\nThese values were drawn at random (seed {seed}). To try the very same "
                f"ones again, set {SEED_VARIABLE}={seed} before the command, as in "
                f"`{SEED_VARIABLE}={seed} uv run pytest ...`."
                if seed is not None
                else ""
            )
            expect.fail(f"{_WHY}\n\n{wrong}" + (f"\n\nNext: {advice}" if advice else "") + replay)
