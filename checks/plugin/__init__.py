"""The pytest glue: options, the ``exercise`` fixture, one pyright run per session, verdicts
collected per exercise, the progress summary at the end of a run, and the reports for graders
(``--gradescope PATH``, ``--classroom PATH``; points and formats live in ``checks/reports/__init__.py``).

Loaded by the kit's ``conftest.py``. Exercise tests ask for the ``exercise`` fixture, an
``Attempt`` whose student files come from ``exercises/NN`` (the default), ``solutions/NN``
(``--solutions``) or a student's copy of the kit (``--submission DIR``).
"""

from __future__ import annotations

import inspect
import sys
import threading
import time
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from checks import reports
from checks.cache import VerdictCache
from checks.judges import expect
from checks.judges.attempt import Attempt
from checks.manifest import KIT_ROOT, ManifestError, exercise_of, load_all
from checks.model import Exercise, FailedAt, Failure, Finding, Outcome, TestResult
from checks.run import program, sandbox
from checks.run.program import DEFAULT_TIMEOUT, Limits, RunCache, child_environment
from checks.run.typecheck import TypecheckError, run_pyright

__all__ = ["STATE", "KitState", "source_folder"]

SOLUTIONS_HELP = "check the reference solutions (solutions/NN) instead of exercises/NN"
SUBMISSION_HELP = "check the student files of another copy of the kit (a folder)"
TIMEOUT_HELP = "seconds a student's file may run before it is stopped (default: 10)"
GRADESCOPE_HELP = "write Gradescope's results.json for this run to PATH"
CLASSROOM_HELP = (
    "legacy (GitHub Classroom closed on 2026-08-28): write its runner JSON, in whole points, "
    "to PATH"
)
CACHE_HELP = (
    "keep the kit's caches (pyright's findings, the verdicts of runs and of tests) in DIR "
    "(default: pytest's cache folder; -p no:cacheprovider without this option keeps none)"
)
FAILURE_PROPERTY = "checks-failure"
"""The name under which a test's report carries where it failed (``Failure.to_json``)."""
SANDBOX_INI = "checks_sandbox"
"""The ini key that sets ``--sandbox`` for every run of a copy of the kit."""
REPORTS = ("gradescope", "classroom")
"""The report options, each named after the format it writes."""


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
            pytest.fail(
                f"The type checker could not run, so this check cannot be judged.\n\n"
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


def linked_part(exercise: Exercise, submission: Path) -> str | None:
    """The part of a submission's path to ``exercise`` that is a symbolic link, if one is.

    Such a folder is never followed (it may lead into a classmate's copy), as ``checks grade``
    never follows one: the exercise's files count as left out.
    """
    for relative in ("exercises", f"exercises/{exercise.number}"):
        if (submission / relative).is_symlink():
            return relative
    return None


def _left_out_note(parts: Iterable[str]) -> str:
    """The note that names the links a submission's run left out (``checks grade`` says the same)."""
    return "Files left out (never read): " + ", ".join(
        f"{part} (a symbolic link: never followed)" for part in sorted(set(parts))
    )


def _failure_of(call: pytest.CallInfo[None]) -> Failure | None:
    """Where a test's check failed: what a failed check says, else the kind of exception."""
    excinfo = call.excinfo
    if excinfo is None or excinfo.errisinstance(pytest.skip.Exception):
        return None
    return expect.failure_raised(excinfo.value) or Failure(FailedAt.OTHER, excinfo.type.__name__)


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


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add the kit's options."""
    group = parser.getgroup("checks", "the exercise kit")
    group.addoption("--solutions", action="store_true", default=False, help=SOLUTIONS_HELP)
    group.addoption("--submission", metavar="DIR", type=Path, default=None, help=SUBMISSION_HELP)
    group.addoption("--gradescope", metavar="PATH", type=Path, default=None, help=GRADESCOPE_HELP)
    group.addoption("--classroom", metavar="PATH", type=Path, default=None, help=CLASSROOM_HELP)
    group.addoption("--checks-cache", metavar="DIR", type=Path, default=None, help=CACHE_HELP)
    parser.addini("checks_timeout", TIMEOUT_HELP, default=str(DEFAULT_TIMEOUT))
    group.addoption("--sandbox", choices=sandbox.MODES, default=None, help=sandbox.SANDBOX_HELP)
    parser.addini(SANDBOX_INI, sandbox.SANDBOX_HELP, default=sandbox.DEFAULT_MODE)


@pytest.hookimpl
def pytest_configure(config: pytest.Config) -> None:
    """Set up the session's state from the options."""
    raw = str(config.getini("checks_timeout"))
    try:
        timeout = float(raw)
    except ValueError:
        raise pytest.UsageError(
            f"checks_timeout must be a number of seconds, not {raw!r}"
        ) from None
    submission = config.getoption("submission")
    if submission is not None and not Path(submission).is_dir():
        raise pytest.UsageError(f"--submission {submission}: no such folder")
    _use_sandbox(config, submission)
    report_paths: dict[str, Path] = {}
    for name in REPORTS:
        given = config.getoption(name)
        if given is not None:
            path = config.invocation_params.dir / Path(given)
            if path.is_dir():
                raise pytest.UsageError(f"--{name} {given}: that is a folder; give a file name")
            report_paths[name] = path
    state = KitState(
        solutions=bool(config.getoption("solutions")),
        submission=Path(submission).resolve() if submission else None,
        limits=Limits(timeout=timeout),
        report_paths=report_paths,
    )
    given_cache = config.getoption("checks_cache")
    if given_cache is not None:
        base = config.invocation_params.dir / Path(given_cache)
        state.cache, runs, tests = base / "pyright", base / "runs", base / "tests"
    elif config.pluginmanager.has_plugin("cacheprovider") and not report_paths:
        # A run that grades (a report asked for) reads no cache it was not given: the
        # .pytest_cache folder of a student's copy is the student's to write.
        state.cache = config.cache.mkdir("checks-pyright")
        runs, tests = config.cache.mkdir("checks-runs"), config.cache.mkdir("checks-tests")
    else:
        runs = tests = None
    if runs is not None and tests is not None:
        state.run_cache = RunCache(runs)
        state.verdicts = VerdictCache(tests, _shaping_options(config, state), child_environment())
    program.use_cache(state.run_cache)
    config.stash[STATE] = state
    config.pluginmanager.register(state, "checks-state")


def _use_sandbox(config: pytest.Config, submission: Path | None) -> None:
    """Confine the session's runs as ``--sandbox`` (or the ini key) says; stop at once where
    ``require`` cannot be had."""
    mode = config.getoption("sandbox") or str(config.getini(SANDBOX_INI)).strip()
    if mode not in sandbox.MODES:
        raise pytest.UsageError(
            f"{SANDBOX_INI} must be one of {', '.join(sandbox.MODES)}, not {mode!r}"
        )
    sandbox.use(mode, hidden=[Path(submission)] if submission else [])
    if mode == "require" and not sandbox.confined(found := sandbox.probe()):
        why = found.removeprefix("not confined: ")
        raise pytest.UsageError(
            f"--sandbox=require, but this system cannot confine student programs: {why}"
        )


def _shaping_options(config: pytest.Config, state: KitState) -> str:
    """The options that can change a test's verdict or the text of its failure."""
    option = config.option
    shaping = [
        f"tb={getattr(option, 'tbstyle', '')}",
        f"showlocals={getattr(option, 'showlocals', '')}",
        f"verbosity={config.get_verbosity()}",
        f"assert={getattr(option, 'assertmode', '')}",
        f"limits={state.limits!r}",
        f"sandbox={sandbox.mode()}",
    ]
    return " ".join(shaping)


@pytest.hookimpl
def pytest_unconfigure() -> None:
    """Leave ``run_file`` as it was: uncached, confined by default."""
    program.use_cache(None)
    sandbox.use(sandbox.DEFAULT_MODE)


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
    if state.submission is not None and (link := linked_part(found, state.submission)):
        pytest.fail(
            f"{link} in the submission is a symbolic link: it is never followed, so the files "
            f"of exercise {found.number} are left out. Put the folder itself there.",
            pytrace=False,
        )
    return state.attempt(found)


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


def _run_paths(config: pytest.Config) -> list[Path]:
    """The paths the run was given (or its ``testpaths``), without ``::`` test names."""
    from_testpaths = config.args_source is pytest.Config.ArgsSource.TESTPATHS
    base = config.rootpath if from_testpaths else config.invocation_params.dir
    return [base / arg.split("::")[0] for arg in config.args]


def _stop_reason(session: pytest.Session, state: KitState, status: int) -> str:
    """Why the run ended before every test ran, or an empty string when it did not."""
    if session.shouldstop:
        return str(session.shouldstop)
    if session.shouldfail:
        return str(session.shouldfail)
    if status == pytest.ExitCode.INTERRUPTED:
        if state.broken:
            return "some tests could not be collected, so pytest ran none"
        return "it was interrupted (Ctrl-C or a time limit)"
    if status == pytest.ExitCode.INTERNAL_ERROR:
        return "pytest met an internal error"
    if status == pytest.ExitCode.USAGE_ERROR:
        return "pytest could not use its command line or configuration"
    return ""


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write the reports asked for, however the run ended: what did not run scores 0."""
    config = session.config
    state = config.stash.get(STATE, None)
    if state is None or not state.report_paths:
        return
    exercises, problems = reports.kit_exercises(KIT_ROOT)
    if state.submission is not None:
        links = [p for ex in exercises if (p := linked_part(ex, state.submission)) is not None]
        if links:
            problems = [*problems, _left_out_note(links)]
    grade = reports.grade_run(
        reports.covered(exercises, _run_paths(config)),
        planned=state.planned,
        results=state.results,
        broken=state.broken,
        deselected=state.deselected,
        stop=_stop_reason(session, state, int(exitstatus)),
        notes=[*problems, *filter(None, [sandbox.session_note()])],
        seconds=time.monotonic() - state.started,
    )
    for name, path in state.report_paths.items():
        data = reports.gradescope(grade) if name == "gradescope" else reports.classroom(grade)
        try:
            reports.write_json(path, data)
        except OSError as error:
            sys.stderr.write(f"checks: could not write the --{name} report to {path}: {error}\n")
            session.exitstatus = pytest.ExitCode.INTERNAL_ERROR


def _exercise_number(nodeid: str) -> str | None:
    parts = nodeid.split("/")
    if len(parts) >= 3 and parts[0] == "exercises":
        return parts[1]
    return None


def _student_view(config: pytest.Config) -> bool:
    """Whether this is a student's plain run: exercises only, neither ``-v`` nor ``-q``."""
    if config.get_verbosity() != 0:
        return False
    exercises = KIT_ROOT / "exercises"
    paths = [path.resolve() for path in _run_paths(config)]
    return bool(paths) and all(p == exercises or exercises in p.parents for p in paths)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """In a student's plain run, leave out pytest's header, its collection count and its cut
    one-line summaries.

    A ``-r`` given on the command line is kept: whoever typed it asked for those lines.
    """
    config = session.config
    if not _student_view(config):
        return
    config.option.no_header = True
    # Quiet as -q is for pytest's own lines (no "test session starts", no "collected N
    # items"); the failures, their teaching messages and the progress are shown in full.
    config.option.verbose = -1
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    asked = any(str(arg).startswith("-r") for arg in config.invocation_params.args)
    if isinstance(reporter, pytest.TerminalReporter) and not asked:
        reporter.reportchars = ""  # the -ra of addopts: each failure again, cut to one line


def _after(number: str) -> Exercise | None:
    """The exercise that comes after exercise ``number`` in the kit, if there is one."""
    try:
        exercises = load_all(KIT_ROOT)
    except ManifestError:
        return None
    later = [e for e in exercises if e.number > number]
    return later[0] if later else None


@pytest.hookimpl
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say which exercises pass, and which one to do next: the same one, or the next in line."""
    state = terminalreporter.config.stash[STATE]
    if not state.results:
        return
    note = sandbox.session_note()
    if note and not note.startswith("Student programs ran confined"):
        terminalreporter.write_line(f"note: {note}")
    terminalreporter.section("progress")
    unfinished: Exercise | None = None
    for number in sorted(state.results):
        exercise = state.exercises.get(number)
        done = all(t.outcome is Outcome.PASSED for t in state.results[number])
        title = exercise.title if exercise else ""
        mark = "done" if done else "not yet"
        terminalreporter.write_line(f"  {number}  {mark:8} {title}")
        if not done and unfinished is None and exercise is not None:
            unfinished = exercise
    terminalreporter.write_line("")
    if unfinished is not None:
        number = unfinished.number
        terminalreporter.write_line(f"Exercise {number} is not done yet: {unfinished.goal}")
        terminalreporter.write_line(
            f"Read the message above, change your file, then run `{unfinished.test_command}` "
            f"again (`uv run checks hint {number}` gives a hint)."
        )
    else:
        following = _after(max(state.results))
        if following is None:
            terminalreporter.write_line(
                "That was the last exercise. `uv run checks` shows the whole table."
            )
        else:
            terminalreporter.write_line(
                f"Your next exercise is {following.number}, {following.title}: {following.goal}"
            )
            terminalreporter.write_line(
                f"Read exercises/{following.number}/README.md, then run `{following.test_command}`."
            )
    if terminalreporter.config.get_verbosity() > 0:
        runs_kept = state.run_cache.hits if state.run_cache else 0
        tests_kept = state.verdicts.hits if state.verdicts else 0
        terminalreporter.write_line(
            f"(files run: {program.launches() - state.launches_before}; runs from the cache: "
            f"{runs_kept}; tests from the cache: {tests_kept}; "
            f"pyright launched: {state.pyright_runs})"
        )
