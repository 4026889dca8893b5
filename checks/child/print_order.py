"""Which function printed each line, as a program runs: the child's half of exercises 02 and 08.

A kit-owned driver runs the student's file as ``python FILE`` would (``runpy``, as
``__main__``), with ``sys.stdout`` replaced by a stream that notes, for every write, which
function of the student's file was running: the nearest of the ``owners`` the driver names on
the call stack, else the nearest function of the file, else ``<module>`` (a line printed by
hand, outside every function). Whatever way the program prints (``print`` under any name,
``sys.stdout.write``, ``getattr``), the write lands here with its stack; a line written around
it (``os.write``, ``sys.__stdout__``) or printed again from a captured copy is seen for what it
is: not printed by the function whose line it is.

It imports the standard library only: it runs in the child, on the Python under test.
"""

from __future__ import annotations

import io
import os
import runpy
import sys
import types
from dataclasses import dataclass

__all__ = ["MODULE", "Printed", "watch_printing"]

MODULE = "<module>"
"""The name given to lines printed outside every function of the student's file."""
LINES_KEPT = 200
"""Most printed lines reported."""


@dataclass(frozen=True)
class Printed:
    """One line the program printed, and the function of the student's file that printed it."""

    text: str
    by: str
    line: int | None
    """The line of the student's file that was running when the line's text was written."""


class _Recorder(io.TextIOBase):
    """A stdout that keeps each piece of text with the function that wrote it."""

    def __init__(self, filename: str, owners: frozenset[str]) -> None:
        super().__init__()
        self.filename = filename
        self.owners = owners
        self.pieces: list[tuple[str, str, int | None]] = []

    def writable(self) -> bool:
        """A stream print() may write to."""
        return True

    def write(self, text: str) -> int:
        """Keep ``text`` with the function that is writing it."""
        if len(self.pieces) < LINES_KEPT * 4:
            frame = sys._getframe(1)  # pyright: ignore[reportPrivateUsage]
            self.pieces.append((str(text), *self._writer(frame)))
        return len(text)

    def _writer(self, frame: types.FrameType | None) -> tuple[str, int | None]:
        """The function that writes (see the module's docstring), and the file's running line."""
        nearest: str | None = None
        line: int | None = None
        while frame is not None:
            code = frame.f_code
            if code.co_filename == self.filename:
                line = frame.f_lineno if line is None else line
                if code.co_name in self.owners:
                    return code.co_name, line
                if nearest is None and not code.co_name.startswith("<"):
                    nearest = code.co_name
            frame = frame.f_back
        return nearest or MODULE, line

    def lines(self) -> list[Printed]:
        """The text written, cut into lines, each with the function that wrote its first text."""
        found: list[Printed] = []
        text, by, at = "", "", None
        for piece, writer, line in self.pieces:
            for part in piece.splitlines(keepends=True):
                if not text:
                    by, at = writer, line
                text += part
                if text.endswith(("\n", "\r")):
                    found.append(Printed(text.rstrip("\r\n"), by, at))
                    text = ""
        if text:
            found.append(Printed(text, by, at))
        return found[:LINES_KEPT]


def watch_printing(path: os.PathLike[str] | str, owners: frozenset[str]) -> list[Printed]:
    """Run the file as ``python FILE`` would and say which function printed each line.

    The run stops where the program stops (an error, ``sys.exit``); the lines printed up to
    there are kept either way.
    """
    filename = str(path)
    recorder = _Recorder(filename, owners)
    before = sys.stdout
    sys.stdout = recorder
    try:
        runpy.run_path(filename, run_name="__main__")
    except BaseException:  # noqa: BLE001, S110 - a crash is the student's answer; its lines count
        pass
    finally:
        sys.stdout = before
    return recorder.lines()
