"""Right answers pass and dodges fail, through the very tests a student's files meet.

Each folder ``tests/cases/NN/<case>/`` holds student files for exercise NN, laid over the
reference solution in a copy of the kit's layout and checked with ``--submission``. A case
named ``right_*`` must pass every test; a case named ``dodge_*`` must fail, and when it holds
``expect.txt`` each of its lines must appear in the failure output (so that it fails for the
intended reason, not any reason). How a case is laid and judged is ``checks.cli.selfcheck``'s,
the same that ``checks dev check`` uses.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.cli.selfcheck import CASES, DODGE, RIGHT, case_problem, cases_of, lay_case
from tests.support import KIT, run_pytest

EXERCISES = sorted(p.parent.name for p in (KIT / "exercises").glob("*/exercise.toml"))


@pytest.mark.parametrize(
    "case",
    [case for number in EXERCISES for case in cases_of(KIT, number)],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_case(case: Path, tmp_path: Path) -> None:
    """A right answer passes every test of its exercise; a dodge fails for its reason."""
    number = case.parent.name
    lay_case(case, KIT, tmp_path)
    done = run_pytest(f"exercises/{number}", "--submission", str(tmp_path))
    output = done.stdout + done.stderr
    assert done.returncode in (0, 1), f"the run itself failed (exit {done.returncode}):\n{output}"
    problem = case_problem(case, done.returncode == 0, output)
    assert problem is None, f"{problem}:\n{output}"


def test_every_exercise_has_cases() -> None:
    """Each exercise keeps at least two other right answers and three dodges."""
    for number in EXERCISES:
        names = [p.name for p in (KIT / CASES / number).glob("*")]
        rights = [n for n in names if n.startswith(RIGHT)]
        dodges = [n for n in names if n.startswith(DODGE)]
        assert len(rights) >= 2 and len(dodges) >= 3, f"exercise {number}: {names}"
