"""What the student's terminal can show: colour, a cleared screen, and lines that fit its width.

Plain ANSI codes behind one small object, no library. Colour is off when ``NO_COLOR`` is set to
anything (https://no-color.org), when ``TERM=dumb``, when the output is not a terminal (a pipe,
a file) and on an old Windows console that cannot be switched to ANSI codes; ``FORCE_COLOR``
turns it on where it would be off, except that ``NO_COLOR`` always wins. Text is wrapped to the
terminal's width, never wider than ``MAX_WIDTH``, so that it reads well at 80 columns. A place
in a student's file (``crashes.py:18``) is an OSC 8 link where the output is a terminal and
colour is not refused (``checks.links``); never where ``FORCE_COLOR`` alone turned colour on.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

from checks.links import hyperlink, link_places, links_wanted

__all__ = ["MAX_WIDTH", "MIN_WIDTH", "Style", "Terminal", "terminal"]

MAX_WIDTH = 88
"""Widest a wrapped line gets, however wide the terminal is: long lines are hard to read."""

MIN_WIDTH = 40
"""Narrowest width wrapped to, however narrow the terminal claims to be."""

Style = Literal["bold", "dim", "red", "green", "yellow", "cyan"]

_CODES: dict[Style, str] = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "cyan": "36",
}
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_GLUE = "\x00"
"""Stands for a space inside a `code span` while wrapping, so that a command is never split."""
_CLEAR = "\x1b[2J\x1b[3J\x1b[H"
_ENABLE_VIRTUAL_TERMINAL_PROCESSING = 0x0004
_STD_OUTPUT_HANDLE = -11


@dataclass(frozen=True)
class Terminal:
    """How to write to one output stream: with colour or not, clearing it or not, how wide."""

    colour: bool = False
    interactive: bool = False
    """A terminal a person watches (ANSI codes work): ``watch`` clears it between checks."""
    width: int = 79
    links: bool = False
    """A terminal that shows OSC 8 links: places in a student's file are links to it."""

    def paint(self, text: str, *styles: Style) -> str:
        """``text`` in the given styles, or unchanged when colour is off."""
        if not self.colour or not styles or not text:
            return text
        codes = ";".join(_CODES[style] for style in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"

    def link(self, text: str, path: Path, line: int | None = None) -> str:
        """``text`` as a link to ``path`` at ``line``, or unchanged when links are off."""
        return hyperlink(text, path, line) if self.links else text

    def link_places(self, text: str, folder: Path, names: Iterable[str]) -> str:
        """``text`` with each ``name:LINE`` of a file of ``folder`` linked, when links are on."""
        return link_places(text, folder, names) if self.links else text

    def clear(self) -> str:
        """The codes that clear the screen, or nothing when the output is not a terminal."""
        return _CLEAR if self.interactive else ""

    def wrap(self, text: str, indent: str = "") -> str:
        """Wrap each prose line of ``text`` to the width; indented lines (code, output) stay.

        A `code span` is never split across lines, so a command stays whole.
        """
        width = max(self.width - len(indent), MIN_WIDTH // 2)
        lines: list[str] = []
        for line in text.splitlines():
            if not line.strip():
                lines.append("")
            elif line[0].isspace() or len(line) <= width:
                lines.append(indent + line)
            else:
                glued = _CODE_SPAN.sub(lambda span: span.group().replace(" ", _GLUE), line)
                parts = textwrap.wrap(
                    glued,
                    width,
                    initial_indent=indent,
                    subsequent_indent=indent,
                    break_on_hyphens=False,
                    break_long_words=False,
                )
                lines.extend(part.replace(_GLUE, " ") for part in parts)
        return "\n".join(lines)

    def rule(self, title: str = "") -> str:
        """A horizontal line across the width, with ``title`` at its start."""
        head = f"-- {title} " if title else ""
        return self.paint(head + "-" * max(self.width - len(head), 0), "dim")


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _ansi_console(stream: TextIO) -> bool:
    """Whether ANSI codes written to ``stream`` are understood (switching Windows to them)."""
    if sys.platform != "win32":
        return True
    import ctypes
    from ctypes import wintypes

    del stream
    kernel32 = ctypes.windll.kernel32
    handle = kernel32.GetStdHandle(_STD_OUTPUT_HANDLE)
    mode = wintypes.DWORD()
    if not kernel32.GetConsoleMode(handle, ctypes.byref(mode)):
        return False
    if mode.value & _ENABLE_VIRTUAL_TERMINAL_PROCESSING:
        return True
    return bool(kernel32.SetConsoleMode(handle, mode.value | _ENABLE_VIRTUAL_TERMINAL_PROCESSING))


def terminal(stream: TextIO | None = None) -> Terminal:
    """What ``stream`` (standard output by default) can show, from the environment."""
    out = sys.stdout if stream is None else stream
    interactive = _isatty(out) and os.environ.get("TERM", "") != "dumb" and _ansi_console(out)
    colour = interactive or bool(os.environ.get("FORCE_COLOR"))
    if "NO_COLOR" in os.environ and os.environ["NO_COLOR"] != "":
        colour = False
    columns = shutil.get_terminal_size((80, 24)).columns
    width = min(max(columns - 1, MIN_WIDTH), MAX_WIDTH)
    links = interactive and links_wanted(out)
    return Terminal(colour=colour, interactive=interactive, width=width, links=links)
