"""Probes: kit-owned scripts that try a student's module in a child process and report facts.

Some exercises ask for functions rather than a program that prints. Their tests never import the
student's module into pytest, since student code is untrusted. Instead a script that belongs to
the kit (``exercises/NN/driver.py``) runs through the runner, in a throwaway copy of the
exercise folder with the student's files laid over it, on the Python under test. It imports the
student's module (``Probe.load``), calls its functions (``Probe.call``), and prints what it
found as one record on the sealed channel (``Probe.report``, ``checks/child/seal.py``). The test
reads that record (``measure``) and judges it against what it measures itself, in its own process.

The child's half is ``checks.child.probe``: it imports nothing heavy (no pytest), since every
run of a driver pays for what it imports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NoReturn, cast

from checks.cache import digest_path
from checks.child.print_order import printed_lines
from checks.child.probe import Probe, plain
from checks.judges import expect
from checks.judges.attempt import Attempt
from checks.model import FailedAt, Failure, Run

__all__ = ["Probe", "measure", "plain", "read_facts", "returned"]

_KINDS = frozenset({"facts", "piece", "returned"})
"""The records a driver's run may send: one ``facts``, and pieces printed, calls ended."""
_measured: dict[tuple[str, ...], dict[str, Any]] = {}
"""Facts already measured in this process, by the contents of the script and student files."""


def read_facts(run: Run) -> dict[str, Any] | None:
    """The driver's facts: the one ``facts`` record of the sealed channel, once it ended, with
    the lines the program printed (``printed``) put together from its ``piece`` records.

    Fails the test, saying so, if the channel was tampered with (a record missing, extra or
    out of turn); None if the run gave no facts (it stopped before it sent them).
    """
    expect.untampered(run)
    kinds = [kind for kind, _ in run.facts]
    if kinds.count("facts") > 1 or any(kind not in _KINDS for kind in kinds):
        expect.tampered(run, "the checks' facts came more than once")
    if not run.facts_ended or "facts" not in kinds:
        return None
    facts = run.facts[kinds.index("facts")][1]
    if not isinstance(facts, dict):
        return None
    found = cast("dict[str, Any]", facts)
    pieces = [cast("list[object]", v) for k, v in run.facts if k == "piece" and isinstance(v, list)]
    if "piece" in kinds:
        found["printed"] = [
            {"text": p.text, "by": p.by, "line": p.line} for p in printed_lines(pieces)
        ]
        found["returned_before"] = _returned_before(run.facts)
    return found


def _returned_before(records: Sequence[tuple[str, object]]) -> list[list[str]]:
    """For each line printed, the owners whose calls ended since the line before it started."""
    ended: list[str] = []
    found: list[list[str]] = []
    line_open = False
    for kind, value in records:
        if kind == "returned":
            ended.append(str(value))
        elif kind == "piece" and isinstance(value, list) and value:
            text = str(cast("list[object]", value)[0])
            for part in text.splitlines(keepends=True):
                if not line_open:
                    found.append(ended)
                    ended = []
                line_open = not part.endswith(("\n", "\r"))
    return found


def measure(attempt: Attempt, student: str, script: str = "driver.py") -> dict[str, Any]:
    """Run the exercise's probe script and return its facts; fail the test if there are none.

    Fails with a message for the student if their module cannot be imported. The script runs
    once for the same student files: the tests of one exercise share its facts.
    """
    attempt.student_file(student)
    overlays = attempt.overlays()
    key = (
        str(attempt.folder),
        digest_path(attempt.folder / script),
        *(f"{name}:{digest_path(path)}" for name, path in sorted(overlays.items())),
    )
    if key in _measured:
        return _measured[key]
    run = attempt.run(script)
    facts = read_facts(run)
    if facts is None or run.timed_out or run.cut:
        expect.fail(
            f"The checks could not finish trying your {student}. They call its functions from "
            f"{script}, a file of the kit, and this is how that run ended:\n\n"
            + expect.describe(run),
            expect.failure_of(run),
        )
    loaded = facts.get("loaded")
    if isinstance(loaded, dict):
        _fail_raised(f"importing {student}", loaded, student, advice="")  # pyright: ignore[reportUnknownArgumentType]
    _measured[key] = facts
    return facts


def returned(called: Mapping[str, Any], call: str, student: str, *, advice: str = "") -> Any:
    """The value a probed call returned; if it raised, fail the test saying where and why."""
    if "error" in called:
        _fail_raised(call, called, student, advice=advice)
    return called.get("value")


def _fail_raised(call: str, called: Mapping[str, Any], student: str, *, advice: str) -> NoReturn:
    line = called.get("line")
    where = f" on line {line} of {student}" if line else ""
    shown = f"\n\n    {line} | {called.get('source_line')}" if called.get("source_line") else ""
    error = f"{called.get('error')}: {called.get('message')}".rstrip(": ")
    printed = str(called.get("printed") or "")
    before = f"\n\nIt printed before it stopped:\n{_quote(printed)}" if printed else ""
    unwritten = (
        "\n\nThat function is not written yet: replace its TODO and `raise` line with your code."
        if called.get("error") == "NotImplementedError"
        else ""
    )
    expect.fail(
        f"{call} stopped with an error{where}.{shown}\n    {error}{before}{unwritten}"
        + (f"\n\nNext: {advice}" if advice else ""),
        Failure(
            FailedAt.RUN,
            str(called.get("error") or ""),
            student,
            line if isinstance(line, int) and not isinstance(line, bool) else None,
        ),
    )


def _quote(text: str) -> str:
    return "\n".join(f"    | {line}" for line in text.splitlines()[: expect.SHOWN_LINES])
