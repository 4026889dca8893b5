"""The plugin's state for one pytest session: ``KitState``, the object pytest registers as
``checks-state``, and ``STATE``, the key it is kept under in ``config.stash``.

``KitState`` holds what a session learns and needs: the exercises it checks and the attempt at
each, pyright's findings (one run, in the background, for every file the selected tests may
ask about), the verdicts kept between sessions, every test planned with its weight
(``@pytest.mark.points``), each test's verdict by exercise, and the counters the summary shows.
Its methods are the hooks that fill it. The module-level hooks, the options and the
``exercise`` fixture are in ``checks/plugin/__init__.py``, which makes the state.

It may import the vocabulary (``checks.model``, ``checks.manifest``, ``checks.cache``),
``checks.run``, ``checks.judges`` and ``checks.reports.inert`` (what a test reports is made
inert here, once); never the rest of ``checks.reports``, ``checks.grade`` or ``checks.cli``.
"""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from checks.cache import VerdictCache
from checks.judges import expect
from checks.judges.attempt import Attempt
from checks.manifest import KIT_ROOT
from checks.model import Exercise, FailedAt, Failure, Finding, Outcome, TestResult
from checks.reports.inert import inert
from checks.run import program
from checks.run.cache import RunCache
from checks.run.limits import Limits
from checks.run.typecheck import TypecheckError, run_pyright

__all__ = ["FAILURE_PROPERTY", "STATE", "KitState", "source_folder"]

FAILURE_PROPERTY = "checks-failure"
"""The name under which a test's report carries where it failed (``Failure.to_json``)."""


@dataclass(eq=False)  # a plugin object: pluggy keeps plugins in sets, so hashed by identity
class KitState:
    """What the plugin keeps for one pytest session."""

    solutions: bool
    submission: Path | None
    limits: Limits
    exercises: dict[str, Exercise] = field(default_factory=dict[str, Exercise])
    results: dict[str, list[TestResult]] = field(default_factory=dict[str, list[TestResult]])
    findings: dict[Path, list[Finding]] | None = None
    cache: Path | None = None
    """Where pyright's findings are kept between sessions (under pytest's cache folder)."""
    run_cache: RunCache | None = None
    """Where the verdicts of runs are kept between sessions."""
    verdicts: VerdictCache | None = None
    """Where the verdicts of whole tests are kept between sessions."""
    _pending: dict[str, tuple[str, Attempt, int]] = field(
        default_factory=dict[str, tuple[str, Attempt, int]]
    )
    """Tests running with no kept verdict: their key, attempt, and the runs stopped before."""
    pyright_runs: int = 0
    launches_before: int = field(default_factory=program.launches)
    pyright_error: str | None = None
    report_paths: dict[str, Path] = field(default_factory=dict[str, Path])
    planned: dict[str, TestResult] = field(default_factory=dict[str, TestResult])
    """Every exercise test collected, by node id, before any deselection: its weight and place."""
    deselected: set[str] = field(default_factory=set[str])
    broken: dict[str, str] = field(default_factory=dict[str, str])
    """Why an exercise's tests could not be collected, by exercise number."""
    started: float = field(default_factory=time.monotonic)
    _pyright: threading.Thread | None = None
    _cancel: threading.Event = field(default_factory=threading.Event)
    _asked: bool = False
    types_gate: Callable[[], bool] | None = None
    """What pyright waits for before it starts, once: in a grading worker, the word that the
    batch's pyright has filled the cache (tests that need no findings run meanwhile). False:
    the session is being stopped, and pyright does not run."""

    def attempt(self, exercise: Exercise) -> Attempt:
        """The attempt at ``exercise`` this session checks."""
        return Attempt(
            exercise=exercise,
            source=source_folder(exercise, solutions=self.solutions, submission=self.submission),
            limits=self.limits,
            findings_source=self.findings_of,
        )

    def _typechecked(self, exercises: Iterable[Exercise]) -> set[Path]:
        """The files pyright looks at for ``exercises``, where they exist."""
        wanted = {self.attempt(ex).path(name) for ex in exercises for name in ex.typecheck}
        return {p for p in wanted if p.is_file()}

    def _check_types(self, wanted: set[Path]) -> None:
        gate, self.types_gate = self.types_gate, None
        if gate is not None and not gate():
            self.pyright_error = "The checks were stopped before the type checker ran."
            return
        try:
            found = run_pyright(
                wanted, cache=self.cache, launched=self._launched, cancel=self._cancel
            )
        except TypecheckError as error:
            self.pyright_error = str(error)
            return
        self.findings = {**(self.findings or {}), **found}

    @pytest.hookimpl
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Start pyright over every file the selected tests may ask about, beside the tests.

        It runs in the background while the first tests run student files; a test that asks
        for findings waits for it. Nothing starts when no selected test has a typed file.
        """
        if session.config.option.collectonly or not session.items:
            return
        selected: dict[str, Exercise] = {}
        for item in session.items:
            number = _exercise_number(item.nodeid)
            if number in self.exercises:
                selected[number] = self.exercises[number]
        wanted = self._typechecked(selected.values())
        if wanted:
            self._pyright = threading.Thread(
                target=self._check_types, args=(wanted,), name="checks-pyright", daemon=True
            )
            self._pyright.start()

    @pytest.hookimpl(tryfirst=True)
    def pytest_pyfunc_call(self, pyfuncitem: pytest.Function) -> object | None:
        """Give an exercise test its kept verdict when nothing that decides it has changed."""
        attempt = pyfuncitem.funcargs.get("exercise")
        if self.verdicts is None or not isinstance(attempt, Attempt):
            return None
        key = self.verdicts.key(pyfuncitem.nodeid, attempt)
        kept = self.verdicts.load(key, attempt)
        if kept is None:
            self._pending[pyfuncitem.nodeid] = (key, attempt, program.stops())
            return None
        passed, text, failure = kept
        if not passed:
            expect.fail(text, failure)
        return True

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """Keep the verdict of a test that ran, if it can be trusted to hold: it passed, or
        failed a check or an assertion (not an error of its own or the kit's, which may not
        happen again), with no run stopped and pyright answering."""
        report = yield
        _make_inert(report)
        failure = _failure_of(call)
        if failure is not None:
            report.user_properties.append((FAILURE_PROPERTY, failure.to_json()))
        pending = self._pending.pop(item.nodeid, None) if call.when == "call" else None
        if pending is None or self.verdicts is None:
            return report
        key, attempt, stops_before = pending
        verdict = call.excinfo is None or call.excinfo.errisinstance(
            (pytest.fail.Exception, AssertionError)
        )
        by_itself = program.stops() == stops_before and self.pyright_error is None
        if verdict and by_itself and (report.passed or report.failed):
            text = "" if report.passed else report.longreprtext
            self.verdicts.store(key, attempt, passed=report.passed, text=text, failure=failure)
        return report

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self) -> None:
        """Stop a pyright run no test asked for (a ``-k`` that kept no typed test)."""
        if self._pyright is not None:
            if not self._asked:
                self._cancel.set()
            self._pyright.join()

    def findings_of(self, path: Path) -> list[Finding]:
        """Pyright's findings for one file, from a single run over every file this session needs."""
        self._asked = True
        if self._pyright is not None:
            self._pyright.join()
        resolved = path.resolve()
        if self.pyright_error is None and (self.findings is None or resolved not in self.findings):
            self._check_types(self._typechecked(self.exercises.values()) | {path})
        if self.pyright_error is not None:
            # Why, on the first line too: a one-line summary (checks dev check's) keeps it.
            why = self.pyright_error.strip().partition("\n")[0][:120]
            pytest.fail(
                f"The type checker could not run ({why}), so this check cannot be judged.\n\n"
                f"{self.pyright_error}",
                pytrace=False,
            )
        findings = self.findings or {}
        return findings.get(path.resolve(), [])

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """Note every exercise test with its weight, before ``-k`` or ``-m`` deselect any."""
        for item in items:
            number = _exercise_number(item.nodeid)
            if number is None:
                continue
            doc = inspect.getdoc(getattr(item, "obj", None)) or ""
            self.planned[item.nodeid] = TestResult(
                nodeid=item.nodeid,
                exercise=number,
                name=item.nodeid.rpartition("::")[2],
                outcome=Outcome.NOT_RUN,
                weight=_weight(item),
                file=item.location[0],
                line=item.location[1] + 1 if item.location[1] is not None else None,
                description=doc.strip().splitlines()[0] if doc.strip() else "",
                guard=item.get_closest_marker("guard") is not None,
                going_further=item.get_closest_marker("going_further") is not None,
            )

    @pytest.hookimpl
    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        """Remember the tests deselected, so the reports can say why they did not run."""
        self.deselected.update(item.nodeid for item in items)

    @pytest.hookimpl
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """Remember an exercise whose tests could not be collected, and why."""
        number = _exercise_number(report.nodeid + "/")  # a test file, or the folder itself
        if report.failed and number is not None:
            self.broken[number] = report.longreprtext

    def _launched(self) -> None:
        self.pyright_runs += 1

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
                failure=_failure_reported(report),
            )
        )


STATE = pytest.StashKey[KitState]()


def _make_inert(report: pytest.TestReport) -> None:
    """Show the control characters of what a test reports as escapes (``inert``): a student's
    output in a failure's message reaches the teacher's terminal, ``pytest.log`` and every
    report from here, unable to act there."""
    if report.longrepr is not None and not report.passed:
        text = report.longreprtext
        shown = inert(text)
        if shown != text:
            report.longrepr = shown
    report.sections = [(inert(title), inert(body)) for title, body in report.sections]


def _failure_of(call: pytest.CallInfo[None]) -> Failure | None:
    """Where a test's check failed: what a failed check says, else the kind of exception."""
    excinfo = call.excinfo
    if excinfo is None or excinfo.errisinstance(pytest.skip.Exception):
        return None
    found = expect.failure_raised(excinfo.value) or Failure(FailedAt.OTHER, excinfo.type.__name__)
    return replace(found, error=inert(found.error), file=inert(found.file))


def _failure_reported(report: pytest.TestReport) -> Failure | None:
    """The failure ``pytest_runtest_makereport`` kept with a test's report."""
    if report.passed or report.skipped:
        return None
    for name, value in report.user_properties:
        if name == FAILURE_PROPERTY:
            return Failure.from_json(value)
    return Failure(FailedAt.OTHER)


def source_folder(exercise: Exercise, *, solutions: bool, submission: Path | None) -> Path:
    """The folder the student files of ``exercise`` are read from."""
    if submission is not None:
        return submission / "exercises" / exercise.number
    if solutions:
        return KIT_ROOT / "solutions" / exercise.number
    return exercise.folder


def _weight(item: pytest.Item) -> float:
    """A test's weight within its exercise: ``@pytest.mark.points(n)``, or 1."""
    marker = item.get_closest_marker("points")
    if marker is None:
        return 1.0
    value = marker.args[0] if len(marker.args) == 1 and not marker.kwargs else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise pytest.UsageError(
            f"{item.nodeid}: write the points marker as @pytest.mark.points(n), "
            "with one number n greater than 0."
        )
    return float(value)


def _exercise_number(nodeid: str) -> str | None:
    parts = nodeid.split("/")
    if len(parts) >= 3 and parts[0] == "exercises":
        return parts[1]
    return None
