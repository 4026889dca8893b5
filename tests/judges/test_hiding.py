"""What ``checks.judges.hiding`` counts as hiding a crash, and what it lets through."""

from __future__ import annotations

import ast

import pytest

from checks.judges.hiding import expect_no_hiding, hiding_places


def _found(source: str) -> list[tuple[int, str]]:
    return [(h.line, h.what.split(":")[0]) for h in hiding_places(ast.parse(source))]


def test_plain_code_hides_nothing() -> None:
    """Functions, loops, conditions and prints are not hiding places."""
    source = (
        "def f(x):\n    if x:\n        return x / 2\n    return 0\nfor i in [1]:\n    print(f(i))\n"
    )
    assert _found(source) == []


@pytest.mark.parametrize(
    ("source", "line", "what"),
    [
        ("try:\n    f()\nexcept:\n    pass\n", 1, "a `try` statement"),
        ("try:\n    f()\nfinally:\n    pass\n", 1, "a `try` statement"),
        (
            "def g():\n    try:\n        f()\n    except Exception:\n        return 0\n",
            2,
            "a `try` statement",
        ),
        ("import contextlib\nwith contextlib.suppress(Exception):\n    f()\n", 2, "a `with` block"),
        (
            "from contextlib import suppress\nwith suppress(ZeroDivisionError):\n    f()\n",
            2,
            "a `with` block",
        ),
        ("import sys\nsys.exit(0)\n", 2, "`sys.exit()`"),
        ("from sys import exit\nexit()\n", 2, "`exit()`"),
        ("quit()\n", 1, "`quit()`"),
        ("import os\nos._exit(0)\n", 2, "`os._exit()`"),
        ("raise SystemExit\n", 1, "`raise SystemExit`"),
        ("raise SystemExit(0)\n", 1, "`raise SystemExit`"),
    ],
)
def test_each_way_of_hiding_is_found(source: str, line: int, what: str) -> None:
    """Every try, with block and early exit is found, on its own line, however it is spelled."""
    assert _found(source) == [(line, what)]


def test_except_star_is_a_try_statement() -> None:
    """``try``/``except*`` (Python 3.11 and later) counts as a try statement too."""
    try:
        tree = ast.parse("try:\n    f()\nexcept* ValueError:\n    pass\n")
    except SyntaxError:
        pytest.skip("this Python has no except*")
    assert [h.line for h in hiding_places(tree)] == [1]


def test_message_lists_each_place_for_a_beginner() -> None:
    """The failure names the file, every line that hides, and what to do instead."""
    tree = ast.parse("try:\n    f()\nexcept:\n    pass\nimport sys\nsys.exit()\n")
    with pytest.raises(pytest.fail.Exception) as failed:
        expect_no_hiding(tree, file="crashes.py")
    message = str(failed.value)
    assert "crashes.py hides its errors instead of fixing them" in message
    assert "line 1: a `try` statement" in message
    assert "line 6: `sys.exit()`" in message
    assert "fix the line the crash points at" in message


def test_nothing_hidden_passes() -> None:
    """A file with nothing hidden passes without a word."""
    expect_no_hiding(ast.parse("print(1 / 1)\n"), file="crashes.py")
