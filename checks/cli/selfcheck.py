"""The mechanics of the kit's checks of its own exercises, shared by ``checks dev check`` and
the kit's tests (``tests/test_cases.py``, ``tests/test_readmes.py``): run the exercises' tests
as a grader does and read their verdicts, lay a kept case over a solution and judge it, and run
the commands an exercise's README suggests.

A case is a folder ``tests/cases/NN/right_*`` (a right answer: every test passes) or
``tests/cases/NN/dodge_*`` (a dodge: a test fails, and each line of its ``expect.txt`` appears
in the failure output, so that it fails for its reason). It is laid over the reference solution
in a copy of the kit's layout and checked with ``--submission``.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from checks.grade.workers import Worker
from checks.manifest import load_exercise
from checks.model import Exercise
from checks.run.typecheck import CACHE_FOLDER, TypecheckError, run_pyright

__all__ = [
    "CASES",
    "DODGE",
    "EXPECT",
    "RIGHT",
    "ExerciseVerdict",
    "WarmRuns",
    "case_problem",
    "cases_of",
    "copy_kit",
    "hint_line",
    "lay_case",
    "read_verdicts",
    "readme_commands",
    "readme_problem",
    "run_pytest",
    "typecheck_ahead",
]

CASES = Path("tests") / "cases"
"""Where an exercise's kept cases live, from the kit's root: ``tests/cases/NN/``."""
RIGHT = "right_"
DODGE = "dodge_"
EXPECT = "expect.txt"
"""The file of a dodge whose lines must each appear in its failure output."""
PYTEST_TIMEOUT = 600
"""Seconds one pytest run of the exercises may take before it counts as a problem."""
CRASH_IS_THE_LESSON = frozenset({"exercises/08/program.py"})
"""Kit files a README runs to show a crash (08: predict what prints before it stops)."""
COMMAND_TIMEOUT = 300
"""Seconds one README command may take (pyright on a loaded machine takes a while)."""
FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
COPIED = ("checks", "exercises", "solutions", "starters", "conftest.py", "pyproject.toml")
"""What a scratch copy of the kit holds for its README commands to run in."""
PASSING = ("passed", "skipped")
"""A test's outcomes that count as passing (a check that cannot be made on a machine skips)."""
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")


@dataclass
class ExerciseVerdict:
    """What one pytest run said of one exercise: its tests' outcomes, messages and points."""

    number: str
    outcomes: list[str] = field(default_factory=list[str])
    messages: list[str] = field(default_factory=list[str])
    score: float = 0.0
    max_score: float = 0.0

    @property
    def passed(self) -> bool:
        """Whether every test of the exercise ran and passed (or skipped)."""
        return bool(self.outcomes) and all(o in PASSING for o in self.outcomes)

    @property
    def output(self) -> str:
        """The failure messages of its tests, as a student sees them."""
        return "\n".join(self.messages)


def hint_line(number: str) -> str:
    """The line every exercise README ends its task with."""
    return f"Stuck? `uv run checks hint {number}` gives one hint at a time."


def run_pytest(
    python: str, root: Path, *args: str, timeout: float = PYTEST_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """Run the kit's pytest at ``root`` with ``python``, as a student or a grader would, with
    a temporary folder of its own (``--basetemp``): pytest sessions side by side under pytest's
    one shared folder each remove the others' oldest folders as they end, and two doing so at
    once fail on the same one (a warning, an error under ``filterwarnings = error``)."""
    with tempfile.TemporaryDirectory(
        prefix="checks-pytest-", ignore_cleanup_errors=True
    ) as temporary:
        basetemp = f"--basetemp={Path(temporary) / 'basetemp'}"
        return subprocess.run(
            [python, "-m", "pytest", "-p", "no:randomly", basetemp, *args],
            cwd=root,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            stdin=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )


class WarmRuns:
    """Long-lived pytest processes for many runs of the kit's tests at ``root``, ``count`` at
    once: the workers ``checks grade`` keeps (``checks.grade.worker``), so that each run pays for
    its tests, not for Python's and pytest's start and the kit's imports, and each verdict is the
    one a class's grading gives. Started when first needed; ``close`` ends them."""

    def __init__(self, root: Path, scratch: Path, count: int) -> None:
        self.scratch = scratch
        self.stop = threading.Event()
        self.idle: queue.SimpleQueue[Worker] = queue.SimpleQueue()
        self.workers: list[Worker] = []
        for index in range(count):
            basetemp = scratch / f"worker-{index}"
            basetemp.mkdir(parents=True, exist_ok=True)
            worker = Worker(scratch, basetemp / "tmp", self.stop, root=root)
            self.workers.append(worker)
            self.idle.put(worker)

    def run(self, *args: str, log: Path, timeout: float = PYTEST_TIMEOUT) -> tuple[int, str]:
        """Run pytest with ``args`` in an idle worker: its exit status (-1 when it gave none)
        and its whole output (and why it ended early, if it did)."""
        worker = self.idle.get()
        try:
            why, _ = worker.run(["-p", "no:randomly", *args], log, timeout)
            status = worker.status
        finally:
            self.idle.put(worker)
        try:
            output = log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            output = ""
        return (-1 if status is None else status), output + (f"\n{why}" if why else "")

    def close(self) -> None:
        """End every worker."""
        for worker in self.workers:
            worker.close()


def read_verdicts(results: Path) -> dict[str, ExerciseVerdict]:
    """Each exercise's verdict from a run's Gradescope ``results.json`` (empty if unreadable)."""
    try:
        data = json.loads(results.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    verdicts: dict[str, ExerciseVerdict] = {}
    for test in data.get("tests", []):
        extra = test.get("extra_data", {})
        number = str(extra.get("exercise", ""))
        verdict = verdicts.setdefault(number, ExerciseVerdict(number))
        verdict.outcomes.append(str(extra.get("outcome", test.get("status", ""))))
        if extra.get("message"):
            verdict.messages.append(str(extra["message"]))
        verdict.score += float(test.get("score", 0))
        verdict.max_score += float(test.get("max_score", 0))
    return verdicts


def cases_of(root: Path, number: str) -> list[Path]:
    """The kept cases of exercise ``number``, right answers and dodges, in name order."""
    folder = root / CASES / number
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and p.name.startswith((RIGHT, DODGE)))


def lay_case(case: Path, root: Path, submission: Path) -> None:
    """Lay ``case`` over its exercise's reference solution in ``submission/exercises/NN``."""
    number = case.parent.name
    target = submission / "exercises" / number
    shutil.copytree(root / "solutions" / number, target, ignore=_IGNORED)
    for item in case.iterdir():
        if item.name == EXPECT:
            continue
        destination = target / item.name
        if item.is_dir():
            shutil.copytree(item, destination, dirs_exist_ok=True)
        else:
            shutil.copyfile(item, destination)


def typecheck_ahead(
    root: Path, exercises: Sequence[Exercise], submissions: Sequence[Path], cache: Path
) -> None:
    """Run pyright once over every file the exercises have it look at in ``submissions``, into
    the pyright cache under ``cache`` (``--checks-cache``), so that each pytest run of a round
    finds its findings kept instead of starting pyright for one file: one pyright run over many
    files costs about what one over one file costs. A pyright that cannot run is left to the
    rounds, which say so."""
    files = [
        submission / "exercises" / exercise.number / name
        for submission in submissions
        for exercise in exercises
        for name in exercise.typecheck
    ]
    with contextlib.suppress(TypecheckError):
        run_pyright([f for f in files if f.is_file()], root=root, cache=cache / CACHE_FOLDER)


def case_problem(case: Path, passed: bool, output: str) -> str | None:
    """What is wrong with a case's verdict (``passed``, the failure ``output``), or None."""
    if case.name.startswith(RIGHT):
        if passed:
            return None
        return "a right answer fails; fix the tests (or the case, if it is not right after all)"
    if passed:
        return "a dodge passes; make a test catch it (a dodge is kept until one does)"
    expected = case / EXPECT
    if not expected.exists():
        return None
    for line in expected.read_text(encoding="utf-8").splitlines():
        if line.strip() and line.strip() not in output:
            return (
                f"the dodge fails, but its output lacks {line.strip()!r} from {EXPECT}; make the "
                "failure say it, or correct the line"
            )
    return None


def copy_kit(root: Path, into: Path) -> Path:
    """A scratch copy of the kit at ``root`` in ``into``, where README commands may write."""
    for name in COPIED:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, into / name, ignore=_IGNORED)
        elif source.is_file():
            shutil.copyfile(source, into / name)
    return into


def readme_commands(readme: Path) -> list[str]:
    """The commands a README's code blocks suggest, in order, without their comments."""
    found: list[str] = []
    for block in FENCE.findall(readme.read_text(encoding="utf-8")):
        for typed in block.splitlines():
            line = typed.removeprefix("$ ").strip()
            if line.startswith(("uv run ", "cd ", "ls ")):
                found.append(line.split("  #")[0].split(" # ")[0].strip())
    return found


def _kit_file_run(line: str, cwd: Path, root: Path, folder: Path) -> str | None:
    """The kit file a ``python ...`` line runs, from the top, unless the student edits it."""
    if not line.startswith("python "):
        return None
    scripts = [word for word in shlex.split(line)[1:] if word.endswith(".py")]
    if not scripts:
        return None
    try:
        where = (cwd / scripts[-1]).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None
    students = {f"exercises/{folder.name}/{name}" for name in load_exercise(folder).files}
    if where in students or where in CRASH_IS_THE_LESSON:
        return None
    return where


def readme_problem(folder: Path, kit_copy: Path, python: str = sys.executable) -> str | None:
    """Run each command ``folder``'s README suggests (and its hint command) in ``kit_copy``.

    ``uv run`` becomes the kit's own environment (that of ``python``). A command may fail as
    the starter fails (exit 1), but never for want of a file, with a usage error, or with a
    traceback from the kit's insides. Returns the first problem, or None.
    """
    readme = folder / "README.md"
    if not readme.is_file():
        return "README.md is missing; write the exercise's task there (`checks new` shows how)"
    if hint_line(folder.name) not in readme.read_text(encoding="utf-8"):
        return f"README.md lacks the line {hint_line(folder.name)!r}; add it under the task"
    commands = [*readme_commands(readme), f"uv run checks hint {folder.name}"]
    if not any(c.startswith(f"uv run pytest exercises/{folder.name}") for c in commands):
        return (
            f"README.md suggests no `uv run pytest exercises/{folder.name}`; add it under Check it"
        )
    path = f"{Path(python).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, "PATH": path, "PYTHONPATH": str(kit_copy)}
    cwd = kit_copy
    for command in commands:
        if command.startswith("cd "):
            cwd = (cwd / shlex.split(command)[1]).resolve()
            if not cwd.is_dir():
                return f"README command `{command}` names no folder; correct it"
            continue
        line = command.removeprefix("uv run ")
        try:
            done = subprocess.run(
                line,
                shell=True,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                timeout=COMMAND_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return f"README command `{command}` did not end in {COMMAND_TIMEOUT} s; correct it"
        output = done.stdout + done.stderr
        traceback = "Traceback (most recent call last)" in output
        demo = _kit_file_run(line, cwd, kit_copy, folder)
        # A student's program may crash (that is the lesson); the kit's own demo file must not.
        crashed = traceback and (demo is not None or not line.startswith("python "))
        missing = "No such file" in output or "can't open file" in output
        if done.returncode not in (0, 1) or missing or crashed:
            last = output.strip().splitlines()[-1:] or ["no output"]
            return (
                f"README command `{command}` fails (exit {done.returncode}: {last[0][:200]}); "
                "correct the command or what it names"
            )
    return None
