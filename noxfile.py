"""The kit checks itself: its own tests, every solution and starter, lint and types.

``uv run nox`` runs the default sessions; ``uv run nox -s tests-3.12`` one Python;
``uv run nox -s bench`` the benchmark (never part of the default run).

The kit's own tests run in parallel (pytest-xdist, one process per core and one more,
``--dist loadgroup``): most of them wait on a child Python, a child pytest or pyright, and a
few sleep until a child's time limit stops it. A test module whose tests share
something (a class graded once, the machine's process table) keeps them in one process with
``pytest.mark.xdist_group``; ``uv run pytest tests`` runs every test in one process, as before.
"""

from __future__ import annotations

import os

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True

# The sessions run as a fresh shell does, where Python keeps its bytecode caches. A shell that
# sets PYTHONDONTWRITEBYTECODE (some machines do) makes every process of the suite compile the
# kit's modules again and every child pytest rewrite its plugins again: on two cores the tests on
# 3.11 took 195 s with it and 150 s without. The tests of odd shells set it themselves
# (tests/test_starters.py's HOSTILE_SHELL, tests/test_hostile.py, tests/judges/test_pycache.py).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

PYPROJECT = nox.project.load_toml("pyproject.toml")
PYTHONS = nox.project.python_versions(PYPROJECT)
"""Every Python the kit supports, from ``pyproject.toml``'s classifiers (3.10 to 3.15)."""
END_TO_END_ON = (PYTHONS[0], PYTHONS[-1])
"""The Pythons on which the ``end_to_end`` tests run too (the oldest and the newest): a whole
class graded, a whole kit self-checked, at a teacher's scale. On the others the suite runs
every other test, which runs the same code at a smaller scale, and ``checks dev check`` proves
every verdict (starters, solutions, kept cases, README commands), as everywhere. The 31
end-to-end tests take about 80 s of CPU (62 s on two cores, run alone, on 3.11), and the six
sessions had reached the 25 minutes ``.ci/run`` is kept under. To run every test on one
Python: ``uv run nox -s tests-3.12 -- tests``."""
PARALLEL = [
    r for r in nox.project.dependency_groups(PYPROJECT, "dev") if r.startswith("pytest-xdist")
]
"""pytest-xdist as the ``dev`` group names it: the one tool of that group the tests need."""
SPARE_WORKERS = 1
"""Processes beyond one per core: while one of them waits on a child that sleeps (the tests
of time limits wait half a minute so), the others keep every core busy. On two cores, two
processes took 191 s of the suite, three 175 s."""


def _workers() -> str:
    """One process per core that this process may use, and ``SPARE_WORKERS`` more."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return str((usable or 1) + SPARE_WORKERS)


def _install(session: nox.Session) -> None:
    session.install("-e", ".", *PARALLEL, env={"UV_COMPILE_BYTECODE": "1"})


SELF_CHECKED = (
    "tests/test_cases.py::test_case",
    "tests/test_readmes.py::test_every_suggested_command_runs",
    "tests/test_starters.py::test_starter_fails_for_its_reason",
    "tests/test_starters.py::test_solution_passes",
    "tests/test_starter.py::test_every_starter_fails_its_tests",
)
"""The kit's tests whose work ``checks dev check`` does, batched: each exercise's starter (the
one shipped in ``starters/NN`` is the exercise's untouched file, and it fails), solution, kept
cases and README commands. The session runs them once, through it."""


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the kit's own tests, then ``checks dev check`` (every starter fails for its reason,
    every solution passes, every case gets its verdict, every README command runs): the whole
    suite on each Python, the ``end_to_end`` tests on ``END_TO_END_ON`` only."""
    _install(session)
    parallel = ["--numprocesses", _workers(), "--dist", "loadgroup"]
    if session.posargs:
        session.run("pytest", *parallel, *session.posargs)
        return
    deselected = (f"--deselect={test}" for test in SELF_CHECKED)
    scale = [] if session.python in END_TO_END_ON else ["-m", "not end_to_end"]
    session.run("pytest", *parallel, "tests", *deselected, *scale)
    session.run("checks", "dev", "check", "--python", str(session.python))


@nox.session(python=False)
def lint(session: nox.Session) -> None:
    """Lint and check the format of the kit with ruff."""
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=False)
def typecheck(session: nox.Session) -> None:
    """Type-check the kit with pyright, strict on checks/, conftest.py and noxfile.py."""
    session.run("pyright")


@nox.session(python=False, default=False)
def bench(session: nox.Session) -> None:
    """Measure the kit against its floor (pytest start, one pyright run, Python start-ups)."""
    session.run("python", "benchmarks/bench.py", *session.posargs)
