"""Answers written down by hand are read from the syntax tree; anything computed is refused."""

from __future__ import annotations

import ast

import pytest

from checks.judges.answers import written_answers


def read(source: str, *names: str) -> dict[str, object]:
    return dict(written_answers(ast.parse(source), names, file="answers.py"))


def refusal(source: str, *names: str) -> str:
    with pytest.raises(pytest.fail.Exception) as failed:
        read(source, *names)
    return str(failed.value)


def test_plain_values_are_read_without_running_the_file() -> None:
    """Strings, numbers, booleans, None, lists, tuples and dicts come back as written."""
    source = (
        '"""My answers."""\n'
        "# a comment\n"
        'STAGES = {"a.py": "parse", "b.py": None}\n'
        "LINES = ['one', \"two\"]\n"
        "PAIR = (True, -1.5, +2)\n"
    )
    assert read(source, "STAGES", "LINES", "PAIR") == {
        "STAGES": {"a.py": "parse", "b.py": None},
        "LINES": ["one", "two"],
        "PAIR": (True, -1.5, 2),
    }


def test_type_hints_on_answers_are_allowed() -> None:
    """An annotated assignment such as ``X: dict[str, str | None] = {...}`` is a plain answer."""
    source = 'ERRORS: dict[str, str | None] = {"a.py": None}\n'
    assert read(source, "ERRORS") == {"ERRORS": {"a.py": None}}


def test_only_the_names_asked_for_come_back() -> None:
    """Other plain assignments are allowed and left out of the result."""
    assert read("NOTE = 'checked twice'\nX = 1\n", "X") == {"X": 1}


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("import checks\nX = 1\n", "line 1: an import, import checks"),
        ("from checks import run_file\nX = 1\n", "line 1: an import"),
        ("X = len('abc')\n", "line 1: X uses a call, len('abc')"),
        ("X = Y\n", "X uses the name Y"),
        ("X = f'{1}'\n", "X uses an f-string"),
        ("X = [n for n in 'ab']\n", "X uses a comprehension"),
        ("X = 1 + 2\n", "X uses a calculation"),
        ("X = {}\nX['a'] = 1\n", "line 2: X['a'] = 1"),
        ("X = 1\nfor n in []:\n    pass\n", "line 2: a loop"),
        ("def f():\n    return 1\nX = 1\n", "line 1: a definition, def f()"),
        ("X = {'a': 1, 'a': 2}\n", "the key 'a' is written twice"),
        ("X = {**{}}\n", "an unpacking"),
        ("X = 1\nX = 2\n", "line 2: X is given a second value (first on line 1)"),
        ("X: int\n", "line 1:"),
        ("X: print() = 1\n", "line 1:"),
        ("X = b'bytes'\n", "X uses code Python would have to run"),
    ],
)
def test_anything_computed_is_refused(source: str, words: str) -> None:
    """Imports, calls, names, loops and other code are refused, with the line and the reason."""
    message = refusal(source, "X")
    assert "must write its answers down by hand" in message
    assert words in message


def test_every_problem_is_listed_at_once() -> None:
    """All refused lines appear in one message, in order."""
    message = refusal("import os\nX = os.getcwd()\n", "X")
    assert message.index("line 1: an import") < message.index("line 2: X uses a call")


def test_a_missing_answer_names_what_to_keep() -> None:
    """A name the exercise needs and the file does not assign is named in the message."""
    message = refusal("STAGES = {}\n", "STAGES", "ERRORS")
    assert "does not give ERRORS a value" in message
