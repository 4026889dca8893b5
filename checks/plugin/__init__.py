"""The pytest plugin: options, the ``exercise`` fixture, the session's set-up and end, the
reports for graders (``--gradescope PATH``, ``--classroom PATH``; points and formats live in
``checks/reports/``) and the progress summary at the end of a run.

Loaded by the kit's ``conftest.py`` (``pytest_plugins = ["checks.plugin"]``). Exercise tests ask
for the ``exercise`` fixture, an ``Attempt`` whose student files come from ``exercises/NN`` (the
default), ``solutions/NN`` (``--solutions``) or a student's copy of the kit (``--submission DIR``).

The hooks and the fixture stay here, in the package's ``__init__``, because pytest finds them as
attributes of the module it loads, ``checks.plugin``. The session's state (``KitState``, kept
under ``STATE``, with the hooks that fill it: pyright, the kept verdicts, each test's result)
is ``checks/plugin/state.py``; ``recorder.py`` writes the record of a child pytest, which
``checks/run/verdict.py`` reads (there, so that the progress table never imports pytest). This
module may import ``checks.reports`` and everything below it; never ``checks.grade`` or
``checks.cli``.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import pytest

from checks import reports
from checks.cache import VerdictCache
from checks.judges.attempt import Attempt
from checks.manifest import KIT_ROOT, ManifestError, exercise_of, load_all
from checks.model import Exercise, Outcome
from checks.plugin.recorder import RECORD_HELP, Recorder
from checks.plugin.screen import ScreenLinks
from checks.plugin.state import STATE, KitState
from checks.run import program, sandbox, spare
from checks.run.cache import RunCache, use_cache
from checks.run.environment import child_environment
from checks.run.limits import DEFAULT_TIMEOUT, DISK, MEMORY, MIB, Limits
from checks.run.typecheck import CACHE_FOLDER
from checks.run.verdict import STUDY_FOLDER, VERDICTS_FILE, known

__all__ = [
    "exercise",
    "linked_part",
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_sessionfinish",
    "pytest_sessionstart",
    "pytest_terminal_summary",
    "pytest_unconfigure",
]

SOLUTIONS_HELP = "check the reference solutions (solutions/NN) instead of exercises/NN"
SUBMISSION_HELP = "check the student files of another copy of the kit (a folder)"
TIMEOUT_HELP = "seconds a student's file may run before it is stopped (default: 10)"
MEMORY_HELP = f"MiB of memory a run's processes may hold together (default: {MEMORY // MIB})"
DISK_HELP = f"MiB a run may write into its folders together (default: {DISK // MIB})"
GRADESCOPE_HELP = "write Gradescope's results.json for this run to PATH"
CLASSROOM_HELP = (
    "legacy (GitHub Classroom closed on 2026-08-28): write its runner JSON, in whole points, "
    "to PATH"
)
CACHE_HELP = (
    "keep the kit's caches (pyright's findings, the verdicts of runs and of tests) in DIR "
    "(default: pytest's cache folder; -p no:cacheprovider without this option keeps none)"
)
SPARE_HELP = (
    "once a student file has run, start the interpreter of its next run ahead, waiting for its "
    "orders (checks watch: a save pays for the program, not for Python's start)"
)
SANDBOX_INI = "checks_sandbox"
"""The ini key that sets ``--sandbox`` for every run of a copy of the kit."""
REPORTS = ("gradescope", "classroom")
"""The report options, each named after the format it writes."""


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


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add the kit's options."""
    group = parser.getgroup("checks", "the exercise kit")
    group.addoption("--solutions", action="store_true", default=False, help=SOLUTIONS_HELP)
    group.addoption("--submission", metavar="DIR", type=Path, default=None, help=SUBMISSION_HELP)
    group.addoption("--gradescope", metavar="PATH", type=Path, default=None, help=GRADESCOPE_HELP)
    group.addoption("--classroom", metavar="PATH", type=Path, default=None, help=CLASSROOM_HELP)
    group.addoption("--checks-cache", metavar="DIR", type=Path, default=None, help=CACHE_HELP)
    group.addoption("--checks-record", metavar="FILE", type=Path, default=None, help=RECORD_HELP)
    group.addoption("--checks-spare", action="store_true", default=False, help=SPARE_HELP)
    parser.addini("checks_timeout", TIMEOUT_HELP, default=str(DEFAULT_TIMEOUT))
    parser.addini("checks_memory", MEMORY_HELP, default=str(MEMORY // MIB))
    parser.addini("checks_disk", DISK_HELP, default=str(DISK // MIB))
    group.addoption("--sandbox", choices=sandbox.MODES, default=None, help=sandbox.SANDBOX_HELP)
    parser.addini(SANDBOX_INI, sandbox.SANDBOX_HELP, default=sandbox.DEFAULT_MODE)


def _mebibytes(config: pytest.Config, key: str) -> int:
    """An ini key given in MiB, as bytes; a clear message for anything but a positive number."""
    raw = str(config.getini(key))
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise pytest.UsageError(f"{key} must be a number of MiB above 0, not {raw!r}")
    return int(value * MIB)


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
    memory, disk = (_mebibytes(config, key) for key in ("checks_memory", "checks_disk"))
    submission = config.getoption("submission")
    if submission is not None and not Path(submission).is_dir():
        raise pytest.UsageError(f"--submission {submission}: no such folder")
    _use_sandbox(config, submission)
    spare.keep_spares(bool(config.getoption("checks_spare")))
    record = config.getoption("checks_record")
    if record is not None:
        config.pluginmanager.register(Recorder(Path(record)), "checks-recorder")
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
        limits=Limits(timeout=timeout, memory=memory, disk=disk),
        report_paths=report_paths,
    )
    given_cache = config.getoption("checks_cache")
    if given_cache is not None:
        base = config.invocation_params.dir / Path(given_cache)
        state.cache, runs, tests = base / CACHE_FOLDER, base / "runs", base / "tests"
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
    use_cache(state.run_cache)
    config.stash[STATE] = state
    config.pluginmanager.register(state, "checks-state")
    config.pluginmanager.register(ScreenLinks(config), "checks-screen-links")


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
    use_cache(None)
    sandbox.use(sandbox.DEFAULT_MODE)


_frozen: list[bool] = []
"""Whether this process froze what it held, once (``pytest_collection_finish``)."""


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Freeze what the process holds once its first session of exercise checks has collected
    (``gc.freeze``): the imported modules, pytest's and the kit's, and the collected tests. The
    cyclic collector never walks them again, so the full collection pytest makes at its end (to
    report unraisable exceptions) scans only what the tests made: 17 to 30 ms less of a check
    of 0.25 to 0.35 s (3.11). A young collection first frees what the set-up threw away (in
    a check of the exercises, all that the full one would find then).

    Nothing of the student's runs here: their code runs in processes of its own. Once per
    process (kept here: some interpreters start with objects frozen already): a process that
    checks one submission after another (``checks.grade.worker``) freezes what it keeps between
    them itself, after each answer. Only a session of the exercises' checks: the kit's own
    tests use Hypothesis, which looks for what refers to its random generators with
    ``gc.get_referrers``, and that never looks at frozen objects."""
    exercises = KIT_ROOT / "exercises"
    if _frozen or not session.items:
        return
    if not all(item.path.is_relative_to(exercises) for item in session.items):
        return
    _frozen.append(True)
    gc.collect(1)
    gc.freeze()


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


def _after(number: str, checked: Iterable[str], *, remembered: bool) -> Exercise | None:
    """The exercise to do after exercise ``number``: the next in line not known to pass.

    With ``remembered`` (a student checking their own copy), an exercise known to pass is
    skipped: known from the verdicts ``checks`` kept for the files as they are now (by
    content; an exercise never checked counts as not done), after the last one and then from
    the start. ``checked`` are the exercises this run judged. Used only to say what to do next.
    """
    try:
        exercises = load_all(KIT_ROOT)
    except ManifestError:
        return None
    later = [e for e in exercises if e.number > number]
    if not remembered:
        return later[0] if later else None
    others = [*later, *(e for e in exercises if e.number < number and e.number not in checked)]
    done = known(others, root=KIT_ROOT, cache=KIT_ROOT / STUDY_FOLDER / VERDICTS_FILE)
    left = [e for e in others if not (e.number in done and done[e.number].passed)]
    return left[0] if left else None


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
        remembered = not state.solutions and state.submission is None
        following = _after(max(state.results), state.results, remembered=remembered)
        if following is None and remembered:
            terminalreporter.write_line(
                "Every exercise passes now. `uv run checks` shows the whole table."
            )
        elif following is None:
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
