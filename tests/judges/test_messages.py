"""The wording of the kit's generic messages: what a beginner reads when output or a value is off.

Printed lines are shown as printed (no Python quotes), with a mark where they part; what went
to stderr is named as such; a value that is text where a number was expected is called text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.judges import expect
from checks.model import Stage
from checks.run.program import run_file


def _failure(run_it: object) -> str:
    with pytest.raises(pytest.fail.Exception) as failed:
        run_it()  # type: ignore[operator]
    return str(failed.value)


def _run(tmp_path: Path, text: str):
    (tmp_path / "prog.py").write_text(text, encoding="utf-8")
    return run_file(Path("prog.py"), folder=tmp_path)


def test_lines_are_shown_without_quotes_and_marked(tmp_path: Path) -> None:
    """A line that differs is shown as printed, with a mark under the first difference."""
    run = _run(tmp_path, 'print("Hello, Python!\'")\n')
    message = _failure(lambda: expect.lines(run, ["Hello, Python!"]))
    assert "    expected: Hello, Python!\n    printed:  Hello, Python!'\n" in message
    assert "\n" + " " * 28 + "^" in message
    assert "'Hello, Python!'" not in message


def test_a_trailing_space_is_named(tmp_path: Path) -> None:
    """A difference that does not show (a space at the end) is said in words."""
    run = _run(tmp_path, 'print("Hello, Python! ")\n')
    message = _failure(lambda: expect.lines(run, ["Hello, Python!"]))
    assert "a space or a tab, easy to miss" in message


def test_output_to_stderr_is_named(tmp_path: Path) -> None:
    """What a program wrote to stderr is shown as stderr, not as (nothing)."""
    run = _run(tmp_path, 'import sys\nprint("Hello, Python!", file=sys.stderr)\n')
    message = _failure(lambda: expect.lines(run, ["Hello, Python!"]))
    assert "It also wrote to stderr" in message
    assert "    | Hello, Python!" in message
    assert "(nothing on the screen's normal output, stdout)" in message


def test_a_crash_is_not_called_output_to_stderr(tmp_path: Path) -> None:
    """Python's own report of a crash is not shown as something the program wrote to stderr."""
    run = _run(tmp_path, 'print("before")\nx = 1 / 0\n')
    message = _failure(lambda: expect.lines(run, ["before", "after"]))
    assert "stderr" not in message
    assert "ZeroDivisionError" in message


@pytest.mark.parametrize(
    ("shown", "expected", "words"),
    [
        ("'6'", 6, "the text '6' (a str: the quotes show it is text), not the number 6"),
        ("None", 6, "nothing (None)"),
        ("<generator object f at 0x7f>", ["A"], "wrap it in list(...)"),
        ("7", 6, "7"),
    ],
)
def test_returned_values_in_words(shown: str, expected: object, words: str) -> None:
    """A returned value is described in words: text, nothing, a generator, or as it is."""
    assert words in expect.returned(shown, expected)


def test_a_bracket_inside_quotes_is_pointed_at(tmp_path: Path) -> None:
    """print("Lift off!)") is told that its ) sits inside the quotes, not that it is missing."""
    run = _run(tmp_path, 'print("Lift off!)"\n')
    message = _failure(lambda: expect.stage(run, Stage.OK))
    assert "'(' was never closed" in message
    assert 'Look at "Lift off!)" on that line: the ) is inside the quotes' in message


def test_a_bracket_really_missing_gets_no_such_word(tmp_path: Path) -> None:
    """A ( never closed whose ) is simply missing is not told about quotes."""
    run = _run(tmp_path, 'print("Lift off!"\n')
    assert expect.bracket_in_quotes(run) == ""
