"""Shared pieces of the kit's own tests: copies of the kit, students' copies, and the kit's
commands run in a child process, as a student, a teacher or a grader would run them.

Every test that needs a kit, a student's copy or a class builds it here:

- ``copy_kit`` copies the kit's machinery (``pyproject.toml``, ``conftest.py``, ``checks/``)
  and its exercises, all or some, optionally with starters, solutions and the README;
- ``solve`` lays the reference solutions over a copy's exercises;
- ``small_kit`` is a whole kit with a few exercises only (a ``checks grade`` of it takes
  seconds), ``student_copy`` a student's copy of any kit (no solutions/, solved or not);
- ``study_kit`` is the kit's exercise 01 and a toy exercise 02, for the self-study verbs.

Copies go under the test's own ``tmp_path``, never beside the kit, so the tests can run in
parallel (pytest-xdist) and in any order.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from checks.model import Run

__all__ = [
    "IGNORED",
    "KIT",
    "PLAIN_TERMINAL",
    "SMALL_KIT",
    "TOY_HINTS",
    "copy_kit",
    "run_checks",
    "run_pytest",
    "run_seen",
    "small_kit",
    "solve",
    "student_copy",
    "study_kit",
    "write",
]

KIT = Path(__file__).resolve().parent.parent
"""The kit under test: this repository."""

IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
"""What a copy of the kit leaves out: bytecode and pytest's cache, as a student's zip would."""

MACHINERY = ("pyproject.toml", "conftest.py")
"""The files at the top of every copy of the kit: without them pytest finds no kit."""

SMALL_KIT = ("01", "03")
"""The exercises of the small kit by default: one a line of output, one three crashes."""

PLAIN_TERMINAL = {"COLUMNS": "80", "NO_COLOR": "", "FORCE_COLOR": ""}
"""A terminal 80 columns wide, colours left to the kit: what the kit's commands are run in."""

COMMAND_TIMEOUT = 1800
"""Seconds a command of the kit may take before the test gives up: a backstop, never a
margin (a whole class graded on a loaded machine)."""
NEVER_ENDS = "import time\nwhile True:\n    time.sleep(1)\n"
"""A student program that never ends and uses no CPU meanwhile (the kit's other tests keep the
CPU while a run waits for its time limit)."""
SAMPLE_PROGRAMS = {
    "ok": "print('a')\nprint('b')\n",
    "crash": "print('before')\n1 / 0\n",
    "parse": "print('never'\n",
    "compile": "def f():\n    nonlocal x\n",
    "exit": "import sys\nprint('bye')\nsys.exit(3)\n",
    "input": "name = input('name? ')\n",
}
"""A program ending at each stage and in each way a run can: tests of run machinery that must
change no verdict (the run cache, a launcher started ahead) run each."""


def run_seen(run: Run) -> tuple[Run, list[str]]:
    """What two runs of one file must share: every field (``stdout`` and ``stderr`` whole), and
    of ``output`` (the two merged as they arrived) its characters. Two pipes read by two
    threads: what the program wrote to one a moment before the other can arrive either side of
    it, whichever launcher ran it, and not only at a line's end: ``input('name? ')`` leaves
    ``name? `` on stdout, and the traceback that follows on stderr joins it before or after its
    first line (seen: ``name? Traceback ...`` in one run, ``name?   File ...`` in another)."""
    return replace(run, output=""), sorted(run.output)


TOY_HINTS = ("Look at the number.", "It is one too small.", "Print 42.")
"""The three hints of the study kit's toy exercise 02."""

_TOY_MANIFEST = f"""\
title = "The answer"
goal = "Make answer.py print 42."
files = ["answer.py"]
points = 10
hints = {list(TOY_HINTS)!r}
starter_fails_with = ["42"]
"""
_TOY_TEST = '''\
"""Toy exercise: answer.py prints 42."""

from checks import Stage

from checks.judges import expect


def test_prints_42(exercise):
    """answer.py runs to the end and prints 42."""
    run = exercise.run("answer.py")
    expect.stage(run, Stage.OK)
    expect.lines(run, ["42"])
'''


def write(path: Path, text: str | bytes) -> Path:
    """Write ``text`` to ``path`` (making its folder), as an editor saves a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def copy_kit(
    target: Path,
    numbers: Iterable[str] | None = None,
    *,
    parts: Sequence[str] = ("checks", "exercises"),
    readme: bool = False,
    source: Path = KIT,
) -> Path:
    """Copy the kit at ``source`` into ``target``: ``pyproject.toml``, ``conftest.py`` (and
    ``README.md`` if ``readme``), and each of ``parts``, whole or only the exercises
    ``numbers`` of its per-exercise folders (``exercises``, ``starters``, ``solutions``)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in (*MACHINERY, *(["README.md"] if readme else [])):
        shutil.copyfile(source / name, target / name)
    chosen = None if numbers is None else tuple(numbers)
    for part in parts:
        if chosen is None or part == "checks":
            shutil.copytree(source / part, target / part, ignore=IGNORED)
            continue
        for number in chosen:
            shutil.copytree(source / part / number, target / part / number, ignore=IGNORED)
    return target


def solve(kit: Path, numbers: Iterable[str] | None = None, *, source: Path = KIT) -> Path:
    """Lay the solutions of ``source`` over ``kit``'s exercises (all of them, or ``numbers``)."""
    solutions = source / "solutions"
    if numbers is None:
        numbers = sorted(p.name for p in solutions.iterdir() if p.is_dir())
    for number in numbers:
        shutil.copytree(
            solutions / number, kit / "exercises" / number, dirs_exist_ok=True, ignore=IGNORED
        )
    return kit


def small_kit(target: Path, numbers: Sequence[str] = SMALL_KIT) -> Path:
    """A whole kit with only the exercises ``numbers`` (their starters and solutions too)."""
    parts = ("checks", "exercises", "starters", "solutions")
    return copy_kit(target, numbers, parts=parts, readme=True)


def student_copy(folder: Path, source: Path = KIT, *, solved: bool = True) -> Path:
    """A student's copy of the kit at ``source`` (no solutions/), solved or untouched."""
    copy_kit(folder, source=source)
    return solve(folder, source=source) if solved else folder


def study_kit(target: Path) -> Path:
    """The kit's machinery, its exercise 01 (starter and solution too) and a toy exercise 02
    (``answer.py`` must print 42), so that the tests of the study verbs do not depend on the
    other exercises, which change on their own schedule."""
    copy_kit(target, ["01"], parts=("checks", "exercises", "solutions", "starters"))
    write(target / "exercises/02/exercise.toml", _TOY_MANIFEST)
    write(target / "exercises/02/test_answer.py", _TOY_TEST)
    for top, number in (("exercises", 41), ("starters", 41), ("solutions", 42)):
        write(target / top / "02/answer.py", f"print({number})\n")
    return target


@functools.cache
def _temporary_root() -> str:
    """The folder where the pytest sessions this test process starts keep their temporary
    folders (``PYTEST_DEBUG_TEMPROOT``), its own and removed when it exits. Under one shared
    root, a session that ends removes the oldest folders of the others (pytest keeps three),
    and two doing so at once can fail on the same folder: a warning, an error under
    ``filterwarnings = error``, which no student's single session meets."""
    root = tempfile.mkdtemp(prefix="kit-tests-pytest-")
    atexit.register(shutil.rmtree, root, True)
    return root


def _run(
    command: list[str],
    cwd: Path,
    env: dict[str, str] | None,
    stdin: str | None,
    timeout: float,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=cwd,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env={**os.environ, "PYTEST_DEBUG_TEMPROOT": _temporary_root(), **(env or {})},
        timeout=timeout,
        check=False,
    )


def run_pytest(
    *args: str, cwd: Path = KIT, env: dict[str, str] | None = None, reaper: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run the kit's pytest in a child process, as a student or a grader would (``reaper``:
    under ``tests.subreaper``, whose last line of stderr says how many processes outlived it)."""
    wrapper = [sys.executable, "-m", "tests.subreaper"] if reaper else []
    command = [*wrapper, sys.executable, "-m", "pytest", "-p", "no:randomly", *args]
    return _run(command, cwd, env, None, COMMAND_TIMEOUT)


def run_checks(
    kit: Path,
    *args: str,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = COMMAND_TIMEOUT,
    reaper: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m checks ARGS`` in ``kit``, as ``uv run checks ARGS`` would (``reaper``: as
    ``run_pytest``'s)."""
    wrapper = [sys.executable, "-m", "tests.subreaper"] if reaper else []
    command = [*wrapper, sys.executable, "-m", "checks", *args]
    return _run(command, kit, {**PLAIN_TERMINAL, **(env or {})}, stdin, timeout)
