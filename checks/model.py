"""The kit's vocabulary: stages, runs, findings, exercises and outcomes, as plain data.

Every other module speaks these types. Nothing here starts a process or touches a file.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

__all__ = [
    "Exercise",
    "ExerciseResult",
    "FailedAt",
    "Failure",
    "Finding",
    "Grade",
    "Outcome",
    "Run",
    "Stage",
    "Suppression",
    "TestResult",
    "cents",
]


class Stage(enum.Enum):
    """Where CPython stopped a file: the lesson's four steps, and ``ok`` for a clean finish."""

    READ = "read"
    PARSE = "parse"
    COMPILE = "compile"
    RUN = "run"
    OK = "ok"

    @property
    def started(self) -> bool:
        """Whether the file's code began to run at this stage."""
        return self in (Stage.RUN, Stage.OK)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Run:
    """What happened when one file ran the way ``python FILE`` runs it."""

    file: Path
    stage: Stage
    error: str | None = None
    message: str = ""
    line: int | None = None
    stdout: str = ""
    stderr: str = ""
    output: str = ""
    exit_status: int | None = 0
    timed_out: bool = False
    cut: bool = False
    waited_for_input: bool = False
    source_line: str = ""
    confinement: str = ""
    """How the program was confined (``landlock ABI 7``), or why it was not; empty: not asked."""
    facts: tuple[tuple[str, object], ...] = ()
    """What the kit's own code in the child said on the sealed channel (a trial's answers, a
    driver's facts), in order, as (kind, value); complete only when ``facts_ended``."""
    facts_ended: bool = False
    """Whether the sealed channel got to its end record: the kit's code in the child finished."""
    tampered: str = ""
    """How the program changed the way the checks watch it (a refusal, a forged record), in
    words for the student; empty if it did not."""

    @property
    def lines(self) -> list[str]:
        """The lines the program printed to stdout, without line endings."""
        return self.stdout.splitlines()


@dataclass(frozen=True)
class Finding:
    """One diagnostic from pyright about a file (lines and columns count from 1)."""

    file: Path
    rule: str
    severity: str
    line: int
    column: int
    message: str


@dataclass(frozen=True)
class Suppression:
    """A comment that silences the type checker: ``# type: ignore``, ``# pyright: ...``."""

    file: Path
    line: int
    text: str


@dataclass(frozen=True)
class Exercise:
    """One exercise as its manifest describes it."""

    number: str
    folder: Path
    title: str
    goal: str
    files: tuple[str, ...]
    points: float = 10.0
    typecheck: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()
    stop_hints: int = 0
    """How many of the first hints are about a file that still stops at a stage (read, parse,
    compile, run): once the failing check no longer stops, the hints go on after them."""
    starter_fails_with: tuple[str, ...] = ()
    """Words the starter's failure must show: the reason its README gives."""
    visibility: tuple[tuple[str, str], ...] = ()
    """Gradescope's visibility of its tests, by test name (``*``: every test); else visible."""

    def visibility_of(self, test: str) -> str:
        """Gradescope's visibility of one test (its name, parameters aside)."""
        named = dict(self.visibility)
        return named.get(test, named.get(test.partition("[")[0], named.get("*", "visible")))

    @property
    def test_command(self) -> str:
        """The command a student types to check this exercise."""
        return f"uv run pytest exercises/{self.number}"


class Outcome(enum.Enum):
    """The verdict of one test."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"
    NOT_RUN = "not run"
    """Collected (or expected) but never run: deselected, or the run stopped before it."""


class FailedAt(enum.Enum):
    """Where a failing test's check stopped, in the lesson's words: a stage of the run, the
    wrong output, a finding of the type checker, or anything else."""

    READ = "read"
    PARSE = "parse"
    COMPILE = "compile"
    RUN = "run"
    OUTPUT = "output"
    TYPECHECK = "typecheck"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The words a teacher reads for it."""
        return _FAILED_AT_LABELS.get(self, self.value)

    @classmethod
    def of_stage(cls, stage: Stage) -> FailedAt:
        """The place of a run that stopped at ``stage`` (a clean finish is none of the four)."""
        return cls(stage.value) if stage is not Stage.OK else cls.OTHER


_FAILED_AT_LABELS = {FailedAt.OUTPUT: "wrong output", FailedAt.TYPECHECK: "type-checker finding"}


@dataclass(frozen=True)
class Failure:
    """Where and why a test failed, as data: kept with its verdict so that a class report can
    count them without reading the message's words."""

    at: FailedAt
    error: str = ""
    """The error's class (``NameError``), a pyright rule, or a short name for another check."""
    file: str = ""
    """The student file's name, when the failure is about one."""
    line: int | None = None

    def to_json(self) -> dict[str, str | int | None]:
        """The failure as JSON data (see ``from_json``)."""
        return {"at": self.at.value, "error": self.error, "file": self.file, "line": self.line}

    @classmethod
    def from_json(cls, data: object) -> Failure | None:
        """A failure written by ``to_json``, or ``None`` for anything else."""
        if not isinstance(data, dict):
            return None
        found = cast("dict[str, object]", data)
        try:
            at = FailedAt(found.get("at"))
        except ValueError:
            return None
        line = found.get("line")
        return cls(
            at=at,
            error=str(found.get("error") or ""),
            file=str(found.get("file") or ""),
            line=line if isinstance(line, int) and not isinstance(line, bool) else None,
        )


def cents(points: float) -> int:
    """Points as whole hundredths, the unit every sum of points is done in."""
    return round(points * 100)


def _points(hundredths: int) -> float:
    return round(hundredths / 100, 2)


@dataclass
class TestResult:
    """One test's verdict, its share of the exercise's points and the message a student reads."""

    __test__ = False  # not a test class, though its name starts with Test

    nodeid: str
    exercise: str
    name: str
    outcome: Outcome
    weight: float = 1.0
    message: str = ""
    duration: float = 0.0
    file: str = ""
    line: int | None = None
    score: float = 0.0
    max_score: float = 0.0
    description: str = ""
    """The first line of the test's docstring: what passing it means."""
    guard: bool = False
    """A guard (``@pytest.mark.guard``): it earns nothing, and while it fails its exercise
    earns nothing either (it checks that the real tests can be trusted, not the answer)."""
    failure: Failure | None = None
    """Where and why it failed, when it did not pass."""
    going_further: bool = False
    """A check of the exercise's going-further part (``@pytest.mark.going_further``): the
    exercise's core is done when every other check passes."""


@dataclass
class ExerciseResult:
    """All tests of one exercise and the points they add up to."""

    exercise: Exercise
    tests: list[TestResult] = field(default_factory=list[TestResult])
    message: str = ""
    """Why the exercise's tests did not run, when they did not (a collection error, say)."""
    untouched: bool = False
    """Whether the student files checked were its starter's, byte for byte (never started)."""

    @property
    def passed(self) -> bool:
        """Whether every test of the exercise passed (and there was at least one)."""
        return bool(self.tests) and all(t.outcome is Outcome.PASSED for t in self.tests)

    @property
    def score(self) -> float:
        """The points earned, the sum of the tests' scores."""
        return _points(sum(cents(t.score) for t in self.tests))

    @property
    def max_score(self) -> float:
        """The points the exercise is worth, the sum of the tests' shares."""
        return _points(sum(cents(t.max_score) for t in self.tests))


@dataclass
class Grade:
    """The verdict of one run over a set of exercises: what every report is made from."""

    exercises: list[ExerciseResult] = field(default_factory=list[ExerciseResult])
    complete: bool = True
    """Whether every test the run meant to run did run (no interruption, no collection error)."""
    notes: list[str] = field(default_factory=list[str])
    """What the reader must know besides the verdicts: why the run stopped, files ignored..."""
    seconds: float = 0.0

    @property
    def tests(self) -> list[TestResult]:
        """Every test of every exercise, in order."""
        return [test for result in self.exercises for test in result.tests]

    @property
    def score(self) -> float:
        """The points earned, the sum of the tests' scores."""
        return _points(sum(cents(t.score) for t in self.tests))

    @property
    def max_score(self) -> float:
        """The points at stake, the sum of the tests' shares."""
        return _points(sum(cents(t.max_score) for t in self.tests))
