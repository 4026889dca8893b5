"""The pytest glue: options, the ``exercise`` fixture, one pyright run per session, verdicts
collected per exercise, and the progress summary at the end of a run.

Loaded by the kit's ``conftest.py``. Exercise tests ask for the ``exercise`` fixture, an
``Attempt`` whose student files come from ``exercises/NN`` (the default), ``solutions/NN``
(``--solutions``) or a student's copy of the kit (``--submission DIR``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from checks.attempt import Attempt
from checks.manifest import KIT_ROOT, ManifestError, exercise_of
from checks.model import Exercise, Finding, Outcome, TestResult
from checks.run import DEFAULT_TIMEOUT, Limits
from checks.typecheck import TypecheckError, run_pyright

__all__ = ["KitState", "source_folder"]

SOLUTIONS_HELP = "check the reference solutions (solutions/NN) instead of exercises/NN"
SUBMISSION_HELP = "check the student files of another copy of the kit (a folder)"
TIMEOUT_HELP = "seconds a student's file may run before it is stopped (default: 10)"


@dataclass
class KitState:
    """What the plugin keeps for one pytest session."""

    solutions: bool
    submission: Path | None
    limits: Limits
    exercises: dict[str, Exercise] = field(default_factory=dict)
    results: dict[str, list[TestResult]] = field(default_factory=dict)
    findings: dict[Path, list[Finding]] | None = None
    pyright_runs: int = 0
    pyright_error: str | None = None

    def attempt(self, exercise: Exercise) -> Attempt:
        """The attempt at ``exercise`` this session checks."""
        return Attempt(
            exercise=exercise,
            source=source_folder(exercise, solutions=self.solutions, submission=self.submission),
            limits=self.limits,
            findings_source=self.findings_of,
        )

    def findings_of(self, path: Path) -> list[Finding]:
        """Pyright's findings for one file, from a single run over every file this session needs."""
        if self.findings is None and self.pyright_error is None:
            wanted = {
                self.attempt(ex).path(name)
                for ex in self.exercises.values()
                for name in ex.typecheck
            }
            wanted = {p for p in wanted if p.is_file()} | {path}
            self.pyright_runs += 1
            try:
                self.findings = run_pyright(wanted)
            except TypecheckError as error:
                self.pyright_error = str(error)
        if self.pyright_error is not None:
            pytest.fail(
                f"The type checker could not run, so this check cannot be judged.\n\n"
                f"{self.pyright_error}",
                pytrace=False,
            )
        findings = self.findings or {}
        return findings.get(path.resolve(), [])

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Keep each test's verdict and message, by exercise."""
        if report.when != "call" and (report.when != "setup" or report.passed):
            return
        number = _exercise_number(report.nodeid)
        if number is None:
            return
        outcome = (
            Outcome.PASSED
            if report.passed
            else Outcome.SKIPPED
            if report.skipped
            else Outcome.FAILED
            if report.when == "call"
            else Outcome.ERROR
        )
        self.results.setdefault(number, []).append(
            TestResult(
                nodeid=report.nodeid,
                exercise=number,
                name=report.nodeid.rpartition("::")[2],
                outcome=outcome,
                message="" if report.passed else report.longreprtext,
                duration=report.duration,
            )
        )


STATE = pytest.StashKey[KitState]()


def source_folder(exercise: Exercise, *, solutions: bool, submission: Path | None) -> Path:
    """The folder the student files of ``exercise`` are read from."""
    if submission is not None:
        return submission / "exercises" / exercise.number
    if solutions:
        return KIT_ROOT / "solutions" / exercise.number
    return exercise.folder


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add the kit's options."""
    group = parser.getgroup("checks", "the exercise kit")
    group.addoption("--solutions", action="store_true", default=False, help=SOLUTIONS_HELP)
    group.addoption("--submission", metavar="DIR", type=Path, default=None, help=SUBMISSION_HELP)
    parser.addini("checks_timeout", TIMEOUT_HELP, default=str(DEFAULT_TIMEOUT))


@pytest.hookimpl
def pytest_configure(config: pytest.Config) -> None:
    """Set up the session's state from the options."""
    raw = str(config.getini("checks_timeout"))
    try:
        timeout = float(raw)
    except ValueError:
        raise pytest.UsageError(f"checks_timeout must be a number of seconds, not {raw!r}") from None
    submission = config.getoption("submission")
    if submission is not None and not Path(submission).is_dir():
        raise pytest.UsageError(f"--submission {submission}: no such folder")
    state = KitState(
        solutions=bool(config.getoption("solutions")),
        submission=Path(submission).resolve() if submission else None,
        limits=Limits(timeout=timeout),
    )
    config.stash[STATE] = state
    config.pluginmanager.register(state, "checks-state")


@pytest.hookimpl
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Note which exercises the session checks, so pyright can run once for all of them."""
    state = config.stash[STATE]
    for item in items:
        try:
            exercise = exercise_of(item.path)
        except ManifestError as error:
            raise pytest.UsageError(str(error)) from None
        if exercise is not None:
            state.exercises.setdefault(exercise.number, exercise)


@pytest.fixture
def exercise(request: pytest.FixtureRequest) -> Attempt:
    """The attempt at the exercise whose folder holds the test."""
    state = request.config.stash[STATE]
    try:
        found = exercise_of(request.path)
    except ManifestError as error:
        pytest.fail(str(error), pytrace=False)
    if found is None:
        pytest.fail(f"{request.path} is not inside an exercise folder.", pytrace=False)
    state.exercises.setdefault(found.number, found)
    return state.attempt(found)


def _exercise_number(nodeid: str) -> str | None:
    parts = nodeid.split("/")
    if len(parts) >= 3 and parts[0] == "exercises":
        return parts[1]
    return None


@pytest.hookimpl
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say which exercises pass and which one to do next."""
    state = terminalreporter.config.stash[STATE]
    if not state.results:
        return
    terminalreporter.section("progress")
    next_up: Exercise | None = None
    for number in sorted(state.results):
        exercise = state.exercises.get(number)
        done = all(t.outcome is Outcome.PASSED for t in state.results[number])
        title = exercise.title if exercise else ""
        mark = "done" if done else "not yet"
        terminalreporter.write_line(f"  {number}  {mark:8} {title}")
        if not done and next_up is None and exercise is not None:
            next_up = exercise
    if next_up is not None:
        terminalreporter.write_line("")
        terminalreporter.write_line(f"Next: exercise {next_up.number}: {next_up.goal}")
        terminalreporter.write_line(
            f"      read exercises/{next_up.number}/README.md, then run "
            f"`{next_up.test_command}`"
        )
    if state.pyright_runs:
        terminalreporter.write_line(f"(pyright ran {state.pyright_runs} time(s) this session)")
