"""Single key presses for ``checks watch``, from a POSIX terminal, a Windows console or a pipe.

A reader thread hands each key to a callback as soon as it is pressed. On a POSIX terminal the
terminal is switched to cbreak mode while the keys are read (a key arrives without Enter and is
not echoed; Ctrl-C still interrupts) and is always put back as it was. On a Windows console
the keys come from ``msvcrt``. When standard input is not a terminal (a pipe, a test), its
characters are read as they arrive, so that a program can drive ``watch`` too.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["JOIN_TIMEOUT", "POLL_INTERVAL", "Keys"]

POLL_INTERVAL = 0.05
"""Seconds between two looks for a key, so that the reader stops soon after it is told to."""

JOIN_TIMEOUT = 1.0
"""Seconds to wait for the reader to stop when the ``with`` block ends."""

_READ_SIZE = 64
_WINDOWS_SPECIAL = ("\x00", "\xe0")
"""What ``msvcrt.getwch`` returns first for an arrow or function key (a second call follows)."""


class Keys:
    """Read keys in the background while the ``with`` block runs, one callback per key."""

    def __init__(self, on_key: Callable[[str], None], stdin: TextIO | None = None) -> None:
        self._on_key = on_key
        self._stdin = sys.stdin if stdin is None else stdin
        self._stop = threading.Event()
        self._restore: Callable[[], None] | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Self:
        reader = self._reader()
        if reader is not None:
            self._thread = threading.Thread(target=self._guard(reader), name="checks-keys")
            self._thread.daemon = True
            self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            # The POSIX and console readers notice the stop within POLL_INTERVAL; a blocking
            # read of a Windows pipe cannot be interrupted and is left to end with the program.
            self._thread.join(timeout=JOIN_TIMEOUT)
        if self._restore is not None:
            self._restore()
            self._restore = None

    @staticmethod
    def _guard(reader: Callable[[], None]) -> Callable[[], None]:
        """Let the reader end quietly when standard input goes away under it."""

        def read() -> None:
            with contextlib.suppress(OSError, ValueError):
                reader()

        return read

    def _reader(self) -> Callable[[], None] | None:
        """The loop that suits standard input, after setting up the terminal if it is one."""
        try:
            fd = self._stdin.fileno()
            interactive = self._stdin.isatty()
        except (AttributeError, OSError, ValueError):
            return None
        if sys.platform == "win32":
            return self._read_console if interactive else lambda: self._read_blocking(fd)
        if interactive:
            self._cbreak(fd)
        return lambda: self._read_posix(fd)

    def _cbreak(self, fd: int) -> None:
        """Deliver keys at once, unechoed, until ``__exit__`` puts the terminal back."""
        if sys.platform == "win32":
            return
        import termios
        import tty

        saved = termios.tcgetattr(fd)
        tty.setcbreak(fd, termios.TCSANOW)
        self._restore = lambda: termios.tcsetattr(fd, termios.TCSADRAIN, saved)

    def _emit(self, data: bytes) -> None:
        for char in data.decode("utf-8", "replace"):
            self._on_key(char)

    def _read_posix(self, fd: int) -> None:
        """Wait for input with ``select`` so that the loop can stop between keys."""
        if sys.platform == "win32":
            return
        import select

        while not self._stop.is_set():
            ready, _, _ = select.select([fd], [], [], POLL_INTERVAL)
            if not ready:
                continue
            data = os.read(fd, _READ_SIZE)
            if not data:
                return
            self._emit(data)

    def _read_blocking(self, fd: int) -> None:
        """Read a pipe on Windows, where ``select`` does not work on pipes (daemon thread)."""
        while not self._stop.is_set():
            data = os.read(fd, _READ_SIZE)
            if not data:
                return
            self._emit(data)

    def _read_console(self) -> None:
        """Read keys from a Windows console, skipping arrows and function keys."""
        if sys.platform != "win32":
            return
        import msvcrt

        while not self._stop.is_set():
            if not msvcrt.kbhit():
                time.sleep(POLL_INTERVAL)
                continue
            char = msvcrt.getwch()
            if char in _WINDOWS_SPECIAL:
                msvcrt.getwch()
                continue
            self._on_key(char)
