"""The failures pytest writes on the student's screen, with each place they name linked.

A failing test's message names places in the student's file (``crashes.py:18``). When pytest
writes to a terminal that shows links (``checks.links.links_wanted``: a terminal, no
``NO_COLOR``, not ``TERM=dumb``, and pytest's own ``--color`` not ``no``), each of those places
becomes an OSC 8 link to the file at that line. Only pytest's terminal writer gets them: the
report keeps its plain text for everything else that reads it (the kept verdicts, the kit's
records, ``--gradescope``, JUnit XML, ``report.longreprtext``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, cast

import pytest

from checks.links import link_places, links_wanted
from checks.manifest import ManifestError, exercise_of
from checks.plugin.state import STATE

__all__ = ["LinkedFailure", "ScreenLinks"]


class _Writer(Protocol):
    def line(self, s: str = "", **markup: bool) -> None:
        """Write one line."""
        ...


class _Failure(Protocol):
    def toterminal(self, tw: _Writer) -> None:
        """Write the failure."""
        ...


class LinkedFailure:
    """A failure's report that links the places it names on the session's screen only."""

    def __init__(self, plain: object, screen: object, folder: Path, names: list[str]) -> None:
        self.plain = plain
        self.screen = screen
        self.folder = folder
        self.names = names

    def __getattr__(self, name: str) -> object:
        return getattr(self.plain, name)

    def __str__(self) -> str:
        return str(self.plain)

    def toterminal(self, tw: _Writer) -> None:
        """Write the failure to ``tw``, with links when ``tw`` is the session's screen."""
        plain = self.plain
        text = str(plain)
        linked = link_places(text, self.folder, self.names) if tw is self.screen else text
        if linked == text and hasattr(plain, "toterminal"):
            failure = cast("_Failure", plain)
            failure.toterminal(tw)
            return
        for line in linked.rstrip("\n").split("\n"):
            tw.line(line)


class ScreenLinks:
    """Links the places each failing test names, on pytest's terminal writer."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def _screen(self) -> object | None:
        """pytest's terminal writer, if it shows links (asked once pytest set it up)."""
        if self.config.pluginmanager.get_plugin("terminalreporter") is None:
            return None
        screen = self.config.get_terminal_writer()
        return screen if links_wanted(markup=screen.hasmarkup) else None

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Give a failing test's report the links to the places its message names."""
        if not report.failed or isinstance(report.longrepr, LinkedFailure):
            return
        screen = self._screen()
        if screen is None:
            return
        try:
            exercise = exercise_of(self.config.rootpath / report.fspath)
        except ManifestError:
            return
        if exercise is None:
            return
        state = self.config.stash.get(STATE, None)
        folder = state.attempt(exercise).source if state is not None else exercise.folder
        names = [name for name in exercise.files if not name.endswith("/")]
        # pytest draws any object with toterminal(); its declared type names its own classes.
        report.longrepr = LinkedFailure(report.longrepr, screen, folder, names)  # pyright: ignore[reportAttributeAccessIssue]
