"""An attempt at an exercise: its student files, taken from ``exercises/``, ``solutions/`` or a
submission, laid over the kit's own copy of the exercise folder.

Tests reach every student file through an ``Attempt``: to run it (``run``), read its syntax
tree (``tree``), or ask pyright about it (``findings``). Where the files come from is decided
once, by the plugin, so the same test checks a starter, a solution or a student's copy.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from checks.judges import expect
from checks.model import Exercise, FailedAt, Failure, Finding, Run
from checks.run.copy import StudentFileError, check_student_file
from checks.run.limits import Limits
from checks.run.program import run_file
from checks.run.typecheck import suppressions

__all__ = ["Attempt", "read_source"]

FindingsSource = Callable[[Path], list[Finding]]


def read_source(path: Path) -> str:
    """The text of a Python file, decoded as Python decodes it (BOM, coding cookie, CRLF)."""
    data = path.read_bytes()
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")


@dataclass
class Attempt:
    """One exercise's student files, wherever they come from."""

    exercise: Exercise
    source: Path
    """Where the student files are read from (``exercises/NN``, ``solutions/NN``...)."""
    limits: Limits = field(default_factory=Limits)
    findings_source: FindingsSource | None = None

    @property
    def folder(self) -> Path:
        """The kit's own copy of the exercise folder (tests, mystery programs, data)."""
        return self.exercise.folder

    def path(self, name: str) -> Path:
        """Where a file of the exercise is: a student file from ``source``, others from the kit."""
        if name in self.exercise.files or any(
            name.startswith(f.rstrip("/") + "/") for f in self.exercise.files
        ):
            return self.source / name
        return self.folder / name

    def student_file(self, name: str) -> Path:
        """A student file, checked to be one Python can be asked to run; else fail the test."""
        path = self.path(name)
        try:
            check_student_file(path)
        except StudentFileError as error:
            expect.fail(
                f"{error}\n\nThis exercise needs it. To get the starter back, run "
                f"`uv run checks reset {self.exercise.number}` (your files are kept as a backup)."
            )
        return path

    def overlays(self) -> dict[str, Path]:
        """The student files to lay over a copy of the exercise folder."""
        found: dict[str, Path] = {}
        for name in self.exercise.files:
            candidate = self.source / name
            if candidate.exists() and not candidate.is_symlink():
                found[name] = candidate
        return found

    def run(self, name: str) -> Run:
        """Run a file of the exercise as ``python NAME`` would, from a throwaway copy; a file of
        the kit's (a driver) may import the child package, which it hides before it loads the
        student's module."""
        mine = name in self.exercise.files
        path = self.student_file(name) if mine else self.path(name)
        try:
            result = run_file(
                self.folder / name,
                folder=self.folder,
                overlays=self.overlays(),
                limits=self.limits,
                helpers=not mine,
            )
        except StudentFileError as error:
            expect.fail(str(error))
        return replace(result, file=path)

    def text(self, name: str) -> str:
        """The source text of a file, with CRLF and a BOM taken care of."""
        path = self.student_file(name)
        try:
            return read_source(path)
        except (SyntaxError, UnicodeDecodeError) as error:
            expect.fail(
                f"{path.name} is not text Python can read ({error}). Save it as UTF-8 and "
                "check again.",
                Failure(FailedAt.READ, type(error).__name__, path.name),
            )

    def tree(self, name: str) -> ast.Module:
        """The syntax tree of a student file; fails the test if it does not parse."""
        text = self.text(name)
        try:
            return ast.parse(text, filename=name)
        except SyntaxError as error:
            expect.fail(
                f"{name} does not parse yet (line {error.lineno}: {error.msg}). Fix the grammar "
                f"first: `uv run checks stage exercises/{self.exercise.number}/{name}` shows where "
                "it stops.",
                Failure(FailedAt.PARSE, type(error).__name__, name, error.lineno),
            )

    def findings(self, name: str) -> list[Finding]:
        """What pyright says about a student file (from the session's single pyright run)."""
        path = self.student_file(name)
        if self.findings_source is None:
            from checks.run.typecheck import run_pyright

            return run_pyright([path]).get(path.resolve(), [])
        return self.findings_source(path)

    def silencing(self, name: str, *, goal: str = expect.SILENCING_GOAL) -> None:
        """Fail if a student file silences pyright instead of fixing its types (``goal``: what
        to do instead)."""
        path = self.student_file(name)
        tree: ast.Module | None
        try:
            tree = ast.parse(read_source(path))
        except (SyntaxError, UnicodeDecodeError):
            tree = None
        expect.no_silencing(path, suppressions(path), tree, goal=goal)
