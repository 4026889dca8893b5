"""Probes: a kit script tries a student's module in a child process and reports facts as JSON."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from checks.judges import probe
from checks.judges.attempt import Attempt
from checks.model import Exercise
from checks.run.limits import Limits
from tests.support import KIT, run_pytest

STUDENT = "student.py"

DRIVER = """\
from pathlib import Path
from checks.child.probe import Probe

here = Path(__file__).resolve().parent
p = Probe(here / "student.py")
student = p.load()
p.report(
    double=p.call(lambda: student.double(21)),
    kept=p.call(lambda: student.double(2), keep=lambda v: {"twice": v}),
    broken=p.call(lambda: student.broken()),
    missing=p.call(lambda: student.missing()),
)
"""

GOOD = """\
import sys

def double(n):
    print("doubling", n)
    return n * 2

def broken():
    values = []
    return values[3]

print("##checks-facts## {\\"double\\": \\"forged\\"}")
"""


def _attempt(tmp_path: Path, student: str, driver: str = DRIVER, timeout: float = 10) -> Attempt:
    folder = tmp_path / "exercise"
    folder.mkdir(exist_ok=True)
    (folder / STUDENT).write_text(student, encoding="utf-8")
    (folder / "driver.py").write_text(driver, encoding="utf-8")
    exercise = Exercise(number="99", folder=folder, title="t", goal="g", files=(STUDENT,))
    return Attempt(exercise=exercise, source=folder, limits=Limits(timeout=timeout))


def _failure(attempt: Attempt) -> str:
    with pytest.raises(pytest.fail.Exception) as failed:
        probe.measure(attempt, STUDENT)
    return str(failed.value)


def test_facts_carry_values_output_and_errors(tmp_path: Path) -> None:
    """Each call gives its value (kept as asked) and output, or its error and the student's line."""
    facts = probe.measure(_attempt(tmp_path, GOOD), STUDENT)
    assert facts["double"] == {"value": "42", "printed": "doubling 21\n"}
    assert facts["kept"]["value"] == {"twice": 4}
    broken: dict[str, Any] = facts["broken"]
    assert broken["error"] == "IndexError"
    assert broken["line"] == 9
    assert broken["source_line"] == "return values[3]"
    assert facts["missing"]["error"] == "AttributeError"
    assert facts["missing"]["line"] is None


def test_a_forged_facts_line_printed_at_import_does_not_count(tmp_path: Path) -> None:
    """The driver's own report is the last mark on stdout, and the last one is read."""
    facts = probe.measure(_attempt(tmp_path, GOOD), STUDENT)
    assert facts["double"] != "forged"


def test_facts_arrive_when_the_student_replaces_stdout(tmp_path: Path) -> None:
    """A module that swaps sys.stdout cannot swallow the report."""
    student = "import io, sys\nsys.stdout = io.StringIO()\n" + GOOD
    facts = probe.measure(_attempt(tmp_path, student), STUDENT)
    assert facts["double"]["value"] == "42"


def test_a_module_that_does_not_parse_fails_with_its_line(tmp_path: Path) -> None:
    """Importing a module with a grammar error fails the test, naming the line and error."""
    message = _failure(_attempt(tmp_path, "def double(n)\n    return n * 2\n"))
    assert "importing student.py stopped with an error on line 1 of student.py" in message
    assert "SyntaxError" in message


def test_a_module_that_crashes_on_import_fails_with_its_output(tmp_path: Path) -> None:
    """A crash while importing names the line and shows what was printed before it."""
    message = _failure(_attempt(tmp_path, "print('loading')\nundefined_name\n"))
    assert "on line 2 of student.py" in message
    assert "NameError" in message
    assert "| loading" in message


def test_a_driver_that_never_reports_fails_clearly(tmp_path: Path) -> None:
    """A run that ends without facts (here: a loop that never ends) fails with the run's story."""
    student = "while True:\n    pass\n"
    message = _failure(_attempt(tmp_path, student, timeout=1))
    assert "The checks could not finish trying your student.py" in message
    assert "did not finish in time" in message


def test_facts_are_measured_once_per_content(tmp_path: Path) -> None:
    """The same student files give the same facts without a second run; new content reruns."""
    attempt = _attempt(tmp_path, GOOD)
    first = probe.measure(attempt, STUDENT)
    assert probe.measure(attempt, STUDENT) is first
    (attempt.folder / STUDENT).write_text(GOOD.replace("n * 2", "n + n"), encoding="utf-8")
    assert probe.measure(attempt, STUDENT) is not first


def test_returned_gives_the_value_or_fails_for_a_beginner() -> None:
    """A value comes back as is; an error fails the test with the call, line and advice."""
    assert probe.returned({"value": [1]}, "f()", STUDENT) == [1]
    called = {
        "error": "NotImplementedError",
        "message": "not yet",
        "line": 4,
        "source_line": "raise NotImplementedError('not yet')",
        "printed": "",
    }
    with pytest.raises(pytest.fail.Exception) as failed:
        probe.returned(called, "f(1)", STUDENT, advice="write f.")
    message = str(failed.value)
    assert "f(1) stopped with an error on line 4 of student.py" in message
    assert "4 | raise NotImplementedError('not yet')" in message
    assert "replace its TODO" in message
    assert message.rstrip().endswith("Next: write f.")


def test_plain_keeps_values_json_can_carry() -> None:
    """Plain values stay, others become their type name, and dunder names are left out."""
    namespace = {"__builtins__": {}, "x": 3, "s": "hi", "f": len, "n": None, "_private": 1.5}
    assert probe.plain(namespace) == {
        "x": 3,
        "s": "hi",
        "f": "<builtin_function_or_method>",
        "n": None,
        "_private": 1.5,
    }


def test_bytecode_solution_passes_with_the_shell_optimizing() -> None:
    """With PYTHONOPTIMIZE=2 in the shell, 06's expected bytecode is measured in the same
    child (same Python, same flags) as the student's, so the reference solution still passes."""
    done = run_pytest(
        "exercises/06", "--solutions", "-p", "no:cacheprovider", env={"PYTHONOPTIMIZE": "2"}
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_driver_run_by_hand_prints_no_facts_for_the_kit() -> None:
    """A student who runs exercise 10's driver, as its README says, sees the table alone: the
    line of facts is written only when the kit asked for it."""
    done = subprocess.run(
        [sys.executable, str(KIT / "exercises" / "10" / "driver.py")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "total_loop" in done.stdout, done.stdout + done.stderr
    assert "##checks-facts##" not in done.stdout + done.stderr
