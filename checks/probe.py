"""Probes: kit-owned scripts that try a student's module in a child process and report facts.

Some exercises ask for functions rather than a program that prints. Their tests never import the
student's module into pytest, since student code is untrusted. Instead a script that belongs to
the kit (``exercises/NN/driver.py``) runs through the runner, in a throwaway copy of the
exercise folder with the student's files laid over it, on the Python under test. It imports the
student's module (``Probe.load``), calls its functions (``Probe.call``), and prints what it
found as one JSON line that starts with ``FACTS_MARK`` (``Probe.report``). The test reads that
line (``measure``) and judges it against what it measures itself, in its own process.

Both halves live here, so the child imports the kit: the kit is installed in the environment
that runs it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import json
import os
import sys
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn

from checks import expect
from checks.attempt import Attempt
from checks.model import Run

__all__ = ["FACTS_MARK", "Probe", "measure", "plain", "returned"]

FACTS_MARK = "##checks-facts## "
"""Start of the line on stdout that carries a probe's facts (the last such line counts)."""

_measured: dict[tuple[str, ...], dict[str, Any]] = {}
"""Facts already measured in this process, by the contents of the script and student files."""


class Probe:
    """The child's side: load the student's module, call its functions, report the facts."""

    def __init__(self, student_file: Path) -> None:
        self.student_file = student_file.resolve()

    def load(self) -> Any:
        """Import the student's module; if it cannot be imported, report why and stop."""
        name = self.student_file.stem
        printed = io.StringIO()
        try:
            spec = importlib.util.spec_from_file_location(name, self.student_file)
            if spec is None or spec.loader is None:
                msg = f"{self.student_file.name} cannot be imported as a module"
                raise ImportError(msg)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            with contextlib.redirect_stdout(printed):
                spec.loader.exec_module(module)
        except BaseException as error:  # noqa: BLE001 - a failed import is the student's answer
            self.report(loaded=self._raised(error, printed.getvalue()))
            raise SystemExit(0) from None
        return module

    def call(
        self, func: Callable[..., object], *args: object, keep: Callable[[Any], object] = repr
    ) -> dict[str, object]:
        """Call ``func``: ``{"value": keep(result), "printed"}``, or what it raised and where."""
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                value = keep(func(*args))
        except BaseException as error:  # noqa: BLE001 - every crash is the student's answer
            return self._raised(error, printed.getvalue())
        return {"value": value, "printed": printed.getvalue()}

    def report(self, **facts: object) -> None:
        """Print the facts as the mark and one line of JSON."""
        line = f"\n{FACTS_MARK}{json.dumps(facts)}\n"
        # Straight to the file descriptor: the student's code may have replaced sys.stdout.
        with contextlib.suppress(Exception):
            sys.stdout.flush()
        os.write(1, line.encode("utf-8"))

    def _raised(self, error: BaseException, printed: str) -> dict[str, object]:
        line: int | None = None
        text = ""
        for frame in traceback.extract_tb(error.__traceback__):
            if _same_file(frame.filename, self.student_file):
                line, text = frame.lineno, (frame.line or "").strip()
        message = str(error)
        if isinstance(error, SyntaxError):
            message = str(error.msg)
            if line is None and _same_file(error.filename or "", self.student_file):
                line, text = error.lineno, (error.text or "").strip()
        return {
            "error": type(error).__name__,
            "message": message,
            "line": line,
            "source_line": text,
            "printed": printed,
        }


def plain(namespace: Mapping[str, object]) -> dict[str, object]:
    """The names a namespace binds (not ``__dunder__`` ones), with the values JSON can carry;
    any other value is given as ``<type name>``."""
    return {
        name: value
        if value is None or isinstance(value, (bool, int, float, str))
        else f"<{type(value).__name__}>"
        for name, value in namespace.items()
        if not (name.startswith("__") and name.endswith("__"))
    }


def _same_file(name: str, path: Path) -> bool:
    # absolute(), not resolve(): names such as "<frozen importlib._bootstrap>" are no paths.
    return bool(name) and os.path.normcase(Path(name).absolute()) == os.path.normcase(path)


def _digest(path: Path) -> str:
    """A fingerprint of a file's bytes, or of every file in a folder."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(str(file.relative_to(path.parent)).encode() + b"\0")
        if file.is_file():
            digest.update(file.read_bytes())
    return digest.hexdigest()


def _read(run: Run) -> dict[str, Any] | None:
    for line in reversed(run.stdout.splitlines()):
        if line.startswith(FACTS_MARK):
            try:
                facts = json.loads(line[len(FACTS_MARK) :])
            except ValueError:
                return None
            return facts if isinstance(facts, dict) else None  # pyright: ignore[reportUnknownVariableType]
    return None


def measure(attempt: Attempt, student: str, script: str = "driver.py") -> dict[str, Any]:
    """Run the exercise's probe script and return its facts; fail the test if there are none.

    Fails with a message for the student if their module cannot be imported. The script runs
    once for the same student files: the tests of one exercise share its facts.
    """
    attempt.student_file(student)
    overlays = attempt.overlays()
    key = (
        str(attempt.folder),
        _digest(attempt.folder / script),
        *(f"{name}:{_digest(path)}" for name, path in sorted(overlays.items())),
    )
    if key in _measured:
        return _measured[key]
    run = attempt.run(script)
    facts = _read(run)
    if facts is None or run.timed_out or run.cut:
        expect.fail(
            f"The checks could not finish trying your {student}. They call its functions from "
            f"{script}, a file of the kit, and this is how that run ended:\n\n"
            + expect.describe(run)
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
        + (f"\n\nNext: {advice}" if advice else "")
    )


def _quote(text: str) -> str:
    return "\n".join(f"    | {line}" for line in text.splitlines()[: expect.SHOWN_LINES])
