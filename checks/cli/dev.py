"""``checks dev check [NN...]``: the kit's self-check of its exercises, the shipped ones and a
teacher's own, as rustlings' ``dev check`` does for its set.

For each exercise: its manifest is valid (its files exist, its points add up, hints and
``starter_fails_with`` are there, the starter shipped in ``starters/NN`` is the one in
``exercises/NN``); its starter fails, in its tests (not by a crash of one) and with the words
its manifest gives, and scores nothing; its solution passes with every point; each kept case in
``tests/cases/NN/`` gets its verdict; each command its README suggests runs. One line per
problem, with what to do; exit status 1 when there is one.

The runs are batched (one pytest run for the starters, one for the solutions, one per round
of cases), the batches run side by side (one per core), and any verdict a batch finds wrong is
judged again alone, in a pytest of its own, before it is reported, so the batch only saves time.
The starters and solutions run as a student runs them (``python -m pytest``); the rounds of cases
run in the long-lived pytest workers that ``checks grade`` keeps (``selfcheck.WarmRuns``), so
that each round pays for its tests and not for pytest's start, and each case's verdict is the
one a class's grading gives it. The rounds share one
scratch cache (``--checks-cache``, keyed by content, as a class's grading does), and pyright
looks at every round's typed files in one run before them. Each Python of ``pyproject.toml``'s
classifiers found on the machine is checked (``--python`` to pick); one other than the running
Python is checked by the same command run under it (``uv run --isolated``).
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from checks.cli import selfcheck
from checks.manifest import KIT_ROOT, ManifestError, load_exercise
from checks.model import Exercise, cents
from checks.run.limits import usable_cores
from checks.starter import STARTERS, untouched

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["check", "cmd_dev_check", "register", "supported_pythons"]

DEV_HELP = "the kit's own checks of its exercises (for teachers who write one)"
CHECK_HELP = (
    "check exercises as the kit checks its own: manifest, starter, solution, cases, README "
    "commands; one line per problem"
)
PYTHON_HELP = (
    "check on this Python only (a version such as 3.12, or an interpreter's path); may be "
    "given more than once (default: each of pyproject.toml's versions found on this machine)"
)
USAGE_ERROR = 2
PROBLEMS = 1
CLASSIFIER = re.compile(r"Programming Language :: Python :: (3\.\d+)$")
CRASH = re.compile(r"^E\s+([A-Za-z_][\w.]*)(?::|$)", re.MULTILINE)
"""The exception of a test that crashed, in pytest's traceback (``E   AttributeError: ...``)."""
FAILURES = ("AssertionError", "Failed")
"""What a test that fails as a test fails with (``pytest.fail``, ``assert``)."""
_UV_TIMEOUT = 3600
MIN_SIDE_BY_SIDE = 2
"""pytest runs the check makes at once at least, even on one core."""
_THIS = ("python", "-m", "checks", "dev", "check", "--python", "this")
"""The check run again under another Python, on that Python only."""


class _Verbs(Protocol):
    def add_parser(self, name: str, *, help: str, description: str) -> argparse.ArgumentParser:
        """Add a verb (argparse's subparsers action)."""
        ...


@dataclass(frozen=True)
class _Problem:
    number: str
    what: str

    def line(self, python: str) -> str:
        return f"{self.number} (Python {python}): {self.what}."


def _manifest_problems(root: Path, exercise: Exercise) -> list[str]:
    """What is wrong with an exercise's files around its manifest."""
    found: list[str] = []
    number = exercise.number
    solution = root / "solutions" / number
    starter = root / STARTERS / number
    for name in exercise.files:
        if not (exercise.folder / name).exists() and not (solution / name).exists():
            found.append(
                f"`files` names {name}, which is in neither exercises/{number}/ nor "
                f"solutions/{number}/; add the file or correct the name"
            )
    for name in exercise.typecheck:
        if name not in exercise.files:
            found.append(f"`typecheck` names {name}, which `files` lacks; add it to `files`")
    if not exercise.hints:
        found.append("the manifest has no `hints`; add at least one, the gentlest first")
    if not exercise.starter_fails_with:
        found.append(
            "the manifest has no `starter_fails_with`; add the words the starter's failure "
            "shows (its stage, its error)"
        )
    if exercise.points <= 0:
        found.append("`points` is 0, so the exercise counts for nothing; give it points")
    if not solution.is_dir():
        found.append(f"solutions/{number}/ is missing; put the reference answer there")
    if not starter.is_dir():
        found.append(f"{STARTERS}/{number}/ is missing; copy the starter files there")
    elif not untouched(exercise, root):
        found.append(
            f"exercises/{number}/ differs from {STARTERS}/{number}/; the starter handed out must "
            "be the one `checks reset` puts back: copy one over the other"
        )
    if not selfcheck.cases_of(root, number):
        found.append(
            f"{selfcheck.CASES.as_posix()}/{number}/ holds no case; keep a right answer "
            "(right_*) and a dodge (dodge_*) there"
        )
    return found


def _crash(output: str) -> str | None:
    """The exception a test crashed with, if it did not fail as a test fails."""
    for match in CRASH.finditer(output):
        if match.group(1).rpartition(".")[2] not in FAILURES:
            return match.group(1)
    return None


def _batch(
    python: str,
    root: Path,
    numbers: Sequence[str],
    results: Path,
    *options: str,
    warm: selfcheck.WarmRuns | None = None,
) -> tuple[dict[str, selfcheck.ExerciseVerdict], str]:
    """Run the tests of ``numbers`` at once (in a ``warm`` worker if given, else in a pytest of
    its own); each exercise's verdict, and pytest's output."""
    targets = [f"exercises/{n}" for n in numbers]
    args = [*targets, *options, f"--gradescope={results}", "-p", "no:cacheprovider"]
    if warm is not None:
        _, output = warm.run(*args, log=results.with_suffix(".log"))
        return selfcheck.read_verdicts(results), output
    done = selfcheck.run_pytest(python, root, *args)
    return selfcheck.read_verdicts(results), done.stdout + done.stderr


def _alone(python: str, root: Path, number: str, *options: str) -> tuple[int, str]:
    """Run one exercise's tests by themselves: the exit status and the whole output."""
    done = selfcheck.run_pytest(python, root, f"exercises/{number}", *options)
    return done.returncode, done.stdout + done.stderr


def _starter_problems(
    python: str, root: Path, exercises: Sequence[Exercise], scratch: Path
) -> list[_Problem]:
    verdicts, output = _batch(python, root, [e.number for e in exercises], scratch / "s.json")
    found: list[_Problem] = []
    for exercise in exercises:
        verdict = verdicts.get(exercise.number)
        if verdict is None:
            found.append(_Problem(exercise.number, f"its tests did not run: {_last(output)}"))
            continue
        if verdict.passed:
            found.append(
                _Problem(exercise.number, "the starter passes; break it so that the task is left")
            )
            continue
        if "error" in verdict.outcomes:
            found.append(
                _Problem(
                    exercise.number,
                    f"the starter's run has an error, not a failure: {_last(verdict.output)}; "
                    "make the tests fail with a message (`expect`, `pytest.fail`)",
                )
            )
            continue
        crashed = _crash(verdict.output)
        if crashed:
            found.append(
                _Problem(
                    exercise.number,
                    f"a test crashes on the starter with {crashed} instead of failing; "
                    "make it fail with a message (`expect`, `pytest.fail`)",
                )
            )
        if cents(verdict.score) != 0:
            found.append(
                _Problem(
                    exercise.number,
                    f"the untouched starter scores {verdict.score:g}; mark the checks it "
                    "passes `@pytest.mark.guard`, or make them fail",
                )
            )
        missing = [w for w in exercise.starter_fails_with if w not in verdict.output]
        if missing:
            _, whole = _alone(python, root, exercise.number)
            missing = [w for w in missing if w not in whole]
        if missing:
            found.append(
                _Problem(
                    exercise.number,
                    f"the starter fails, but not with {missing[0]!r} (starter_fails_with); "
                    f"its failure says: {_last(verdict.output)}; correct the words or the test",
                )
            )
    return found


def _solution_problems(
    python: str, root: Path, exercises: Sequence[Exercise], scratch: Path
) -> list[_Problem]:
    numbers = [e.number for e in exercises if (root / "solutions" / e.number).is_dir()]
    if not numbers:
        return []
    verdicts, output = _batch(python, root, numbers, scratch / "sol.json", "--solutions")
    found: list[_Problem] = []
    for exercise in exercises:
        verdict = verdicts.get(exercise.number)
        if exercise.number not in numbers:
            continue
        if verdict is None:
            found.append(_Problem(exercise.number, f"its tests did not run: {_last(output)}"))
        elif not verdict.passed:
            found.append(
                _Problem(
                    exercise.number,
                    f"the solution fails: {_last(verdict.output)}; fix the solution or the test",
                )
            )
        elif cents(verdict.max_score) != cents(exercise.points) or cents(verdict.score) != cents(
            verdict.max_score
        ):
            found.append(
                _Problem(
                    exercise.number,
                    f"the solution scores {verdict.score:g} of {verdict.max_score:g}, not of the "
                    f"manifest's {exercise.points:g} points; give one test a share "
                    "(not every test a guard)",
                )
            )
    return found


def _case_rounds(root: Path, exercises: Sequence[Exercise]) -> list[dict[str, Path]]:
    """The kept cases in rounds: one case of each exercise that has one left, by round."""
    cases = {e.number: selfcheck.cases_of(root, e.number) for e in exercises}
    return [
        {n: c[round_] for n, c in cases.items() if round_ < len(c)}
        for round_ in range(max((len(c) for c in cases.values()), default=0))
    ]


def _case_problems(
    python: str,
    root: Path,
    laid: dict[str, Path],
    scratch: Path,
    cache: Path,
    warm: selfcheck.WarmRuns | None,
) -> list[_Problem]:
    """The verdicts of one round of cases, in one pytest run (in ``scratch``, its own, where
    the round's cases are laid already), with the check's ``cache`` shared by every round."""
    found: list[_Problem] = []
    submission = scratch / "submission"
    verdicts, _ = _batch(
        python,
        root,
        sorted(laid),
        scratch / "verdicts.json",
        "--submission",
        str(submission),
        f"--checks-cache={cache}",
        warm=warm,
    )
    for number, case in laid.items():
        verdict = verdicts.get(number, selfcheck.ExerciseVerdict(number))
        problem = selfcheck.case_problem(case, verdict.passed, verdict.output)
        if problem is not None:  # judged again alone, as a case is in the kit's tests
            alone = scratch / f"alone-{number}"
            selfcheck.lay_case(case, root, alone)
            status, output = _alone(python, root, number, "--submission", str(alone))
            problem = selfcheck.case_problem(case, status == 0, output)
        if problem is not None:
            found.append(_Problem(number, f"case {case.name}: {problem}"))
    return found


def _readme_problems(
    python: str, root: Path, exercises: Sequence[Exercise], scratch: Path
) -> list[_Problem]:
    kit_copy = selfcheck.copy_kit(root, scratch / "kit")
    for folder in (kit_copy / "exercises").iterdir():  # one broken manifest stops every verb
        if folder.name not in {e.number for e in exercises}:
            try:
                load_exercise(folder)
            except ManifestError:
                shutil.rmtree(folder)
    found: list[_Problem] = []
    for exercise in exercises:
        problem = selfcheck.readme_problem(
            kit_copy / "exercises" / exercise.number, kit_copy, python
        )
        if problem is not None:
            found.append(_Problem(exercise.number, problem))
    return found


def _side_by_side() -> int:
    """How many pytest runs go at once: one per core this process may use, at least two (each
    run mostly waits on its children)."""
    return max(MIN_SIDE_BY_SIDE, usable_cores())


def _last(output: str) -> str:
    """The first line of a failure worth showing, shortened for one line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return lines[0][:160] if lines else "no output"


def check(
    root: Path, numbers: Sequence[str], python: str = sys.executable, shown: str = ""
) -> list[str]:
    """Every problem with the exercises ``numbers`` of the kit at ``root``, one line each."""
    shown = shown or ".".join(str(v) for v in sys.version_info[:2])
    problems: list[_Problem] = []
    exercises: list[Exercise] = []
    for number in numbers:
        try:
            exercise = load_exercise(root / "exercises" / number)
        except ManifestError as error:
            problems.append(_Problem(number, str(error).rstrip(".")))
            continue
        problems.extend(_Problem(number, p) for p in _manifest_problems(root, exercise))
        exercises.append(exercise)
    if exercises:
        with (
            tempfile.TemporaryDirectory(prefix="checks-dev-") as scratch,
            contextlib.ExitStack() as stack,
            ThreadPoolExecutor(max_workers=_side_by_side()) as pool,
        ):
            where, cache = Path(scratch), Path(scratch) / "cache"
            warm = (
                selfcheck.WarmRuns(root, where / "warm", _side_by_side())
                if python == sys.executable
                else None
            )
            if warm is not None:
                stack.callback(warm.close)
            rounds = _case_rounds(root, exercises)
            for index, laid in enumerate(rounds):
                for case in laid.values():
                    selfcheck.lay_case(case, root, where / f"round-{index}" / "submission")
            submissions = [where / f"round-{index}" / "submission" for index in range(len(rounds))]
            ahead = pool.submit(selfcheck.typecheck_ahead, root, exercises, submissions, cache)
            # The longest job first (the README commands, one after another: a quarter of the
            # check on two cores), so that the runs end together.
            readmes = pool.submit(_readme_problems, python, root, exercises, where)
            cases = [
                pool.submit(_case_problems, python, root, laid, where / f"round-{i}", cache, warm)
                for i, laid in enumerate(rounds)
            ]
            starters = pool.submit(_starter_problems, python, root, exercises, where)
            solutions = pool.submit(_solution_problems, python, root, exercises, where)
            ahead.result()
            # reported in the order of old: starters, solutions, cases, README commands
            for job in (starters, solutions, *cases, readmes):
                problems.extend(job.result())
    order = {n: i for i, n in enumerate(numbers)}
    problems.sort(key=lambda p: order.get(p.number, len(order)))
    return [p.line(shown) for p in problems]


def supported_pythons(root: Path) -> list[str]:
    """The Python versions the kit supports, from ``pyproject.toml``'s classifiers."""
    data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    classifiers: list[str] = data.get("project", {}).get("classifiers", [])
    return [m.group(1) for c in classifiers if (m := CLASSIFIER.match(c))]


def _numbers(root: Path, given: Sequence[str]) -> list[str]:
    """The exercise folders named (``3``, ``03``, ``exercises/03``), or all of them."""
    folders = sorted(p.name for p in (root / "exercises").iterdir() if p.is_dir())
    if not given:
        return [n for n in folders if (root / "exercises" / n / "exercise.toml").exists()]
    numbers: list[str] = []
    for name in given:
        bare = name.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
        match = [
            n
            for n in folders
            if n == bare or (bare.isdigit() and n.isdigit() and int(n) == int(bare))
        ]
        if not match:
            msg = f"there is no exercises/{bare}/ in {root}; name an exercise folder that exists"
            raise ManifestError(msg)
        numbers.append(match[0])
    return numbers


def _elsewhere(root: Path, version: str, numbers: Sequence[str]) -> tuple[list[str], str | None]:
    """Run this check under another Python through uv: its problem lines, or why it could not."""
    uv = shutil.which("uv")
    if uv is None:
        return [], f"Python {version}: skipped, uv is not on PATH to make its environment"
    found = subprocess.run(
        [uv, "python", "find", "--no-python-downloads", version],
        capture_output=True,
        text=True,
        check=False,
    )
    if found.returncode != 0:
        return (
            [],
            f"Python {version}: not found on this machine, skipped (`uv python install {version}`)",
        )
    done = subprocess.run(
        [
            *(uv, "run", "--isolated", "--frozen", "--python", found.stdout.strip()),
            *_THIS,
            *numbers,
        ],
        cwd=root,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        stdin=subprocess.DEVNULL,
        timeout=_UV_TIMEOUT,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode not in (0, PROBLEMS):
        lines.append(f"Python {version}: the check could not run: {_last(done.stderr[-2000:])}")
    return lines, None


def cmd_dev_check(args: argparse.Namespace) -> int:
    """Check the exercises named (all by default) on each Python; one line per problem."""
    root = KIT_ROOT
    try:
        numbers = _numbers(root, args.exercises)
    except ManifestError as error:
        print(f"checks dev check: {error}", file=sys.stderr)
        return USAGE_ERROR
    running = ".".join(str(v) for v in sys.version_info[:2])
    problems: list[str] = []
    for version in args.python or supported_pythons(root):
        if version in ("this", running):
            lines = check(root, numbers)
        elif Path(version).is_file():
            lines = check(root, numbers, version, version)
        else:
            lines, skipped = _elsewhere(root, version, numbers)
            if skipped:
                print(skipped, file=sys.stderr)
        for line in lines:
            print(line, flush=True)
        problems.extend(lines)
    if not problems:
        print(f"checks dev check: {', '.join(numbers)}: no problem found.", file=sys.stderr)
    return PROBLEMS if problems else 0


def register(verbs: _Verbs) -> None:
    """Add ``checks dev check`` to the ``checks`` command."""
    dev = verbs.add_parser("dev", help=DEV_HELP, description=DEV_HELP)
    steps = dev.add_subparsers(dest="step", metavar="STEP", required=True)
    check_ = steps.add_parser("check", help=CHECK_HELP, description=CHECK_HELP)
    check_.add_argument("exercises", nargs="*", metavar="NN", help="the exercises (default: all)")
    check_.add_argument("--python", action="append", metavar="VERSION", help=PYTHON_HELP)
    check_.set_defaults(handler=cmd_dev_check)
