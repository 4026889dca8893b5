"""``checks watch`` where no file event comes: a save is noticed by the student files' size and
time (``Watch._signature``), compared with what they were when the verdict on the screen was
made. A save that lands while that verdict is still being checked or drawn is a save too.

The watch runs in this process with its checks and screens stood in for (no pytest runs): what
is tested is the loop's order, the files' signature taken before the check reads them.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from checks.cli import watch as watching
from checks.cli.terminal import Terminal
from checks.manifest import load_all
from checks.model import Exercise
from tests.support import study_kit, write

GIVE_UP = 60.0
"""Seconds before the stand-in session is told to quit: a save never noticed fails the test."""


def test_a_save_while_the_verdict_is_drawn_is_checked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The student saves exercise 01 just as its first verdict is drawn (on a slow machine, the
    moment the screen shows): with no file event, the loop still checks the file again."""
    kit = study_kit(tmp_path / "kit")
    exercises = load_all(kit)
    first = exercises[0]
    session = watching.Watch(kit, exercises, Terminal(), io.StringIO(), poll=True)
    checked: list[list[str]] = []
    drawn: list[str] = []

    def draw(exercise: Exercise, _result: object, _banner: str = "") -> None:
        drawn.append(exercise.number)
        if len(drawn) == 1:  # the save lands as the first verdict is drawn
            write(first.folder / first.files[0], 'print("saved while drawn")\n')

    def check(todo: Sequence[Exercise], *, starters: bool = False) -> None:
        checked.append([exercise.number for exercise in todo])
        if not starters:
            session.quit.set()

    monkeypatch.setattr(watching, "next_up", lambda found, _results: found[0])
    monkeypatch.setattr(session, "_everything", dict)
    monkeypatch.setattr(session, "_detailed", lambda _exercise, _results: "the verdict")
    monkeypatch.setattr(session, "_screen", draw)
    monkeypatch.setattr(session, "_check", check)
    give_up = threading.Timer(GIVE_UP, session.quit.set)
    give_up.start()
    try:
        assert session._loop() == 0  # the loop alone: no file events, no keys
    finally:
        give_up.cancel()
    assert drawn == [first.number]
    assert checked == [[first.number]], "the save made as the verdict was drawn was never checked"
