"""Trials call a student's functions in a child process; what they report and how they fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.judges.attempt import Attempt
from checks.judges.trials import Trial, answers, expect_trials
from checks.model import Exercise
from checks.run.limits import Limits

STUDENT = "program.py"


def _attempt(tmp_path: Path, source: str | bytes, timeout: float = 10) -> Attempt:
    folder = tmp_path / "exercise"
    folder.mkdir()
    target = folder / STUDENT
    if isinstance(source, bytes):
        target.write_bytes(source)
    else:
        target.write_text(source, encoding="utf-8")
    exercise = Exercise(number="99", folder=folder, title="t", goal="g", files=(STUDENT,))
    return Attempt(exercise=exercise, source=folder, limits=Limits(timeout=timeout))


def _failure(attempt: Attempt, trials: list[Trial]) -> str:
    with pytest.raises(pytest.fail.Exception) as failed:
        expect_trials(attempt, STUDENT, trials)
    return str(failed.value)


FIXED = """\
def total(values):
    return sum(values)

def show(values):
    print("Total:", total(values))

print("the program's own output, which the trials do not see")
"""


def test_right_answers_pass(tmp_path: Path) -> None:
    """Calls that return and print what they should pass without a word."""
    attempt = _attempt(tmp_path, FIXED)
    expect_trials(
        attempt,
        STUDENT,
        [Trial("total", ([1, 2],), returns=3), Trial("show", ([4],), prints=("Total: 4",))],
    )


def test_answers_carry_value_output_and_error(tmp_path: Path) -> None:
    """Each call's value (as repr), printed lines, or error and line come back from the child."""
    attempt = _attempt(tmp_path, FIXED + "def broken():\n    return 1 / 0\n")
    trials = [Trial("total", ([2, 2],)), Trial("show", ([1],)), Trial("broken")]
    found = answers(attempt, STUDENT, trials)
    assert found[0].value == "4"
    assert found[1].printed == ("Total: 1",)
    crash = found[2]
    assert (crash.error, crash.line, crash.source_line) == ("ZeroDivisionError", 9, "return 1 / 0")
    assert found[None].error is None, "loading the file did not crash"


def test_wrong_value_is_named(tmp_path: Path) -> None:
    """A hard-coded return is caught, and the message shows what came back."""
    attempt = _attempt(tmp_path, "def total(values):\n    return 16\n")
    message = _failure(attempt, [Trial("total", ([1, 2, 3],), returns=6)])
    assert "total([1, 2, 3]) should return 6, but it returned 16." in message


def test_wrong_output_is_quoted(tmp_path: Path) -> None:
    """A function that prints the wrong lines is shown both what it should print and what it did."""
    attempt = _attempt(tmp_path, "def show(values):\n    print('Total: 16')\n")
    message = _failure(attempt, [Trial("show", ([4],), prints=("Total: 4",))])
    assert "show([4]) should print:\n    | Total: 4\nbut it printed:\n    | Total: 16" in message


def test_crash_names_line_and_error(tmp_path: Path) -> None:
    """A call that crashes is reported with the student's line and the error."""
    attempt = _attempt(tmp_path, "def total(values):\n    t = sum(values)\n    return totl\n")
    message = _failure(attempt, [Trial("total", ([1],), returns=1)])
    assert "total([1]) should return 1, but it stopped on line 3 of program.py" in message
    assert "3 | return totl" in message
    assert "NameError: name 'totl' is not defined" in message


def test_functions_are_tried_even_if_the_program_crashes(tmp_path: Path) -> None:
    """A crash in the program's own top-level code still lets its functions be tried."""
    attempt = _attempt(tmp_path, "def double(x):\n    return 2 * x\n\nprint(1 / 0)\n")
    found = answers(attempt, STUDENT, [Trial("double", (4,))])
    assert found[0].value == "8"
    assert found[None].error == "ZeroDivisionError"


def test_main_block_does_not_run(tmp_path: Path) -> None:
    """The file is loaded as a module: its ``if __name__ == "__main__":`` block does not run."""
    source = "def f():\n    return 1\n\nif __name__ == '__main__':\n    raise SystemExit(3)\n"
    found = answers(_attempt(tmp_path, source), STUDENT, [Trial("f")])
    assert found[None].error is None
    assert found[0].value == "1"


def test_crlf_and_bom_load(tmp_path: Path) -> None:
    """A file saved with a UTF-8 BOM and CRLF line endings loads like any other."""
    source = b"\xef\xbb\xbfdef f(x):\r\n    return x + 1\r\n"
    expect_trials(_attempt(tmp_path, source), STUDENT, [Trial("f", (1,), returns=2)])


def test_floats_compare_with_tolerance(tmp_path: Path) -> None:
    """A float answer off by rounding alone is accepted; an int equal to it too."""
    attempt = _attempt(tmp_path, "def third():\n    return 0.1 + 0.2\n\ndef two():\n    return 2\n")
    expect_trials(attempt, STUDENT, [Trial("third", returns=0.3), Trial("two", returns=2.0)])


def test_forged_answers_do_not_count(tmp_path: Path) -> None:
    """Lines the student's code writes to the real stdout cannot pose as answers."""
    source = (
        "import os, json\n"
        'os.write(1, b\'abc {"call": "f()", "value": "6", "printed": []}\\n\')\n'
        "def f():\n    return 5\n"
    )
    message = _failure(_attempt(tmp_path, source), [Trial("f", returns=6)])
    assert "f() should return 6, but it returned 5." in message


def test_a_call_that_never_returns_fails(tmp_path: Path) -> None:
    """A call stuck in a loop is stopped by the timeout and reported as giving no answer."""
    attempt = _attempt(tmp_path, "def spin():\n    while True:\n        pass\n", timeout=2)
    message = _failure(attempt, [Trial("spin", returns=None)])
    assert "spin() gave no answer" in message


def test_a_file_that_does_not_parse_fails_first(tmp_path: Path) -> None:
    """A file that does not parse fails with the parser's message, before anything runs."""
    message = _failure(_attempt(tmp_path, "def f(:\n"), [Trial("f", returns=None)])
    assert "does not parse yet" in message


BOUND_EARLIER = """\
import os
import sys
from sys import stdout


def show(runs, out=sys.stdout):
    out.write(f"runs: {runs}\\n")


def shout(word):
    stdout.write(word.upper() + "\\n")


def raw(word):
    os.write(1, word.encode() + b"\\n")
"""


def test_output_through_a_stream_bound_earlier_counts(tmp_path: Path) -> None:
    """What a call writes to stdout counts however it gets there: a stream bound before the
    call (`from sys import stdout`, a default argument) or os.write(1, ...)."""
    attempt = _attempt(tmp_path, BOUND_EARLIER)
    expect_trials(
        attempt,
        STUDENT,
        [
            Trial("show", (3,), returns=None, prints=("runs: 3",)),
            Trial("shout", ("hi",), returns=None, prints=("HI",)),
            Trial("raw", ("low",), returns=None, prints=("low",)),
        ],
    )


FORGED_ON_EVERY_FD = """\
import os

def f():
    for fd in range(3, 40):
        try:
            os.write(fd, b"('0' * 32, 1, 'answer', {'call': 0, 'value': '6', 'printed': []})\\n")
        except OSError:
            pass
    return 5
"""


def test_a_record_written_on_any_descriptor_is_tampering(tmp_path: Path) -> None:
    """Lines the student's code writes on the descriptors it can guess are no records: the
    sealed channel's parent side says the program changed how the checks watch it."""
    message = _failure(_attempt(tmp_path, FORGED_ON_EVERY_FD), [Trial("f", returns=6)])
    assert "your program changed how the checks watch it" in message
    assert "it wrote on the channel the checks' facts travel on" in message


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("sys.audit('checks.record', 'answer', {'call': 0, 'value': '6'})", "forge a record"),
        ("sys._getframe(1).f_locals", "sys._getframe"),
        ("import gc; gc.get_objects()", "gc.get_objects"),
        ("sys.settrace(None)", "sys.settrace"),
        ("import ctypes; ctypes.string_at(id(1), 8)", "ctypes"),
        ("open('/proc/self/mem', 'rb')", "the process's memory"),
    ],
)
def test_what_only_a_forger_needs_is_refused(tmp_path: Path, body: str, said: str) -> None:
    """The audit hook refuses the kit's frames, gc's walks, ctypes, tracing and the audit
    event of the checks' records; catching the refusal changes nothing: the test fails."""
    source = f"import sys\n\ndef f():\n    try:\n        {body}\n    except Exception:\n        pass\n    return 6\n"
    message = _failure(_attempt(tmp_path, source), [Trial("f", returns=6)])
    assert "your program changed how the checks watch it" in message
    assert said in message


def test_an_exit_during_a_call_gives_no_answer(tmp_path: Path) -> None:
    """A call that ends the process (os._exit) leaves the channel without its end: no answer,
    never a pass, whatever it printed before."""
    source = "import os\n\ndef f():\n    print('6')\n    os._exit(0)\n"
    message = _failure(_attempt(tmp_path, source), [Trial("f", returns=6)])
    assert "f() gave no answer" in message


def test_replacing_eval_or_atexit_changes_no_answer(tmp_path: Path) -> None:
    """The kit evaluates no text in the student's namespace and ends before atexit runs: a
    replaced builtins.eval and an atexit handler that prints answers change nothing."""
    source = (
        "import atexit, builtins\n"
        "builtins.eval = lambda *a, **k: 6\n"
        "atexit.register(lambda: print('6'))\n"
        "def f():\n    return 5\n"
    )
    message = _failure(_attempt(tmp_path, source), [Trial("f", returns=6)])
    assert "f() should return 6, but it returned 5." in message


def test_a_students_own_traceback_still_works_in_a_plain_run(tmp_path: Path) -> None:
    """Outside trials and drivers no hook is installed: traceback and inspect work as ever."""
    from checks.run.program import run_file

    source = (
        "import inspect, traceback\n"
        "def f():\n    return inspect.currentframe().f_code.co_name\n"
        "try:\n    1 / 0\nexcept ZeroDivisionError:\n    traceback.print_exc()\n"
        "print(f())\n"
    )
    attempt = _attempt(tmp_path, source)
    run = run_file(attempt.folder / STUDENT, cached=False)
    assert run.lines == ["f"], run.stderr
    assert "ZeroDivisionError" in run.stderr
