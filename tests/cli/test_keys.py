"""Keys reach ``watch`` one by one, from a pipe or a terminal, and the terminal is given back."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable

import pytest

from checks.cli.keys import Keys


def _collect(keys: list[str], done: threading.Event, count: int) -> Callable[[str], None]:
    def on_key(key: str) -> None:
        keys.append(key)
        if len(keys) >= count:
            done.set()

    return on_key


def test_keys_from_a_pipe() -> None:
    """Characters written to a pipe arrive as keys, in order."""
    read, write = os.pipe()
    keys: list[str] = []
    done = threading.Event()
    with os.fdopen(read) as stdin, Keys(_collect(keys, done, 3), stdin):
        os.write(write, b"hlq")
        assert done.wait(5)
    os.close(write)
    assert keys == ["h", "l", "q"]


def test_end_of_input_stops_reading() -> None:
    """A closed input ends the reader quietly: no key, no error."""
    read, write = os.pipe()
    os.close(write)
    keys: list[str] = []
    with os.fdopen(read) as stdin, Keys(keys.append, stdin):
        time.sleep(0.3)
    assert keys == []


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_keys_from_a_terminal_need_no_enter() -> None:
    """In a terminal a key arrives without Enter, and the settings are restored afterwards."""
    import pty
    import termios

    leader, follower = pty.openpty()
    before = termios.tcgetattr(follower)
    keys: list[str] = []
    done = threading.Event()
    with os.fdopen(follower) as stdin:
        with Keys(_collect(keys, done, 1), stdin):
            assert not termios.tcgetattr(follower)[3] & termios.ICANON
            os.write(leader, b"h")
            assert done.wait(5)
        assert termios.tcgetattr(follower) == before
    os.close(leader)
    assert keys == ["h"]
