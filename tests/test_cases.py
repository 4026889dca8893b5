"""Right answers pass and dodges fail, through the very tests a student's files meet.

Each folder ``tests/cases/NN/<case>/`` holds student files for exercise NN, laid over the
reference solution in a copy of the kit's layout and checked with ``--submission``. A case
named ``right_*`` must pass every test; a case named ``dodge_*`` must fail, and when it holds
``expect.txt`` each of its lines must appear in the failure output (so that it fails for the
intended reason, not any reason).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support import KIT, run_pytest

CASES = KIT / "tests" / "cases"


def _cases() -> list[Path]:
    return sorted(
        p for p in CASES.glob("*/*") if p.is_dir() and p.name.startswith(("right_", "dodge_"))
    )


@pytest.mark.parametrize("case", _cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_case(case: Path, tmp_path: Path) -> None:
    """A right answer passes every test of its exercise; a dodge fails for its reason."""
    number = case.parent.name
    target = tmp_path / "exercises" / number
    shutil.copytree(KIT / "solutions" / number, target)
    for item in case.iterdir():
        if item.name == "expect.txt":
            continue
        destination = target / item.name
        if item.is_dir():
            shutil.copytree(item, destination, dirs_exist_ok=True)
        else:
            shutil.copyfile(item, destination)
    done = run_pytest(f"exercises/{number}", "--submission", str(tmp_path))
    output = done.stdout + done.stderr
    if case.name.startswith("right_"):
        assert done.returncode == 0, f"a right answer failed:\n{output}"
    else:
        assert done.returncode == 1, f"a dodge was not caught (exit {done.returncode}):\n{output}"
        expected = case / "expect.txt"
        if expected.exists():
            for line in expected.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    assert line.strip() in output, f"missing {line.strip()!r} in:\n{output}"


def test_every_exercise_has_cases() -> None:
    """Each exercise keeps at least two other right answers and three dodges."""
    for folder in sorted((KIT / "exercises").iterdir()):
        if not (folder / "exercise.toml").exists():
            continue
        names = (
            [p.name for p in (CASES / folder.name).glob("*")]
            if (CASES / folder.name).exists()
            else []
        )
        rights = [n for n in names if n.startswith("right_")]
        dodges = [n for n in names if n.startswith("dodge_")]
        assert len(rights) >= 2 and len(dodges) >= 3, f"exercise {folder.name}: {names}"
