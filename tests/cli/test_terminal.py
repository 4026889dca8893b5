"""What the terminal gets: colour only where it is wanted, and lines that fit 80 columns."""

from __future__ import annotations

import io
import os
import sys

import pytest

from checks.cli.terminal import Terminal, terminal


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start each test with no colour variables and an 80-column terminal."""
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "80")


def test_a_pipe_gets_no_colour() -> None:
    """Output that is not a terminal gets no escape codes and is never cleared."""
    term = terminal(io.StringIO())
    assert not term.colour
    assert not term.interactive
    assert term.paint("done", "green") == "done"
    assert term.clear() == ""


def test_force_color_and_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    """FORCE_COLOR turns colour on in a pipe; NO_COLOR turns it off whatever else is set."""
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert terminal(io.StringIO()).paint("done", "green") == "\x1b[32mdone\x1b[0m"
    monkeypatch.setenv("NO_COLOR", "1")
    assert terminal(io.StringIO()).paint("done", "green") == "done"


def test_an_empty_no_color_is_not_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """NO_COLOR counts only when it is not empty, as no-color.org says."""
    monkeypatch.setenv("NO_COLOR", "")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert terminal(io.StringIO()).colour


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
@pytest.mark.parametrize(("term", "interactive"), [("xterm", True), ("dumb", False)])
def test_a_terminal(monkeypatch: pytest.MonkeyPatch, term: str, interactive: bool) -> None:
    """A real terminal gets colour and clearing, except TERM=dumb."""
    import pty

    monkeypatch.setenv("TERM", term)
    leader, follower = pty.openpty()
    with os.fdopen(follower, "w") as stream:
        found = terminal(stream)
    os.close(leader)
    assert found.interactive is interactive
    assert found.colour is interactive


def test_width_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Text is wrapped one column short of the terminal, never wider than 88 or under 40."""
    assert terminal(io.StringIO()).width == 79
    monkeypatch.setenv("COLUMNS", "300")
    assert terminal(io.StringIO()).width == 88
    monkeypatch.setenv("COLUMNS", "20")
    assert terminal(io.StringIO()).width == 40


def test_wrap_keeps_code_and_commands_whole() -> None:
    """Prose is wrapped to the width; indented lines and `code spans` are never split."""
    term = Terminal(width=40)
    text = (
        "Run `uv run checks hint 01` when you are stuck, and read the message slowly.\n"
        "    4 | print('a line of code that is much longer than forty columns')"
    )
    lines = term.wrap(text).splitlines()
    assert any("`uv run checks hint 01`" in line for line in lines)
    assert lines[-1] == "    4 | print('a line of code that is much longer than forty columns')"
    assert all(len(line) <= 40 for line in lines[:-1])


def test_rule_fits_the_width() -> None:
    """A rule with a title is exactly as wide as the terminal."""
    assert len(Terminal(width=60).rule("exercise 01")) == 60
