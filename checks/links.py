"""Places in a student's file (``crashes.py:18``) shown as links a terminal can open.

A link is an OSC 8 hyperlink (https://gist.github.com/egmontkob/eb114294efbcd5adb1944c9f3cb5feda):
``ESC ] 8 ; ; file://HOST/abs/path#LINE ESC \\ text ESC ] 8 ; ; ESC \\``. The text shown is
unchanged, so a terminal that does not know OSC 8 shows it as it was. The host is named, as the
specification asks (Ghostty refuses a ``file://`` link without one). The line goes in the
fragment as a bare number: VS Code's terminal opens ``#18`` (and ``#L18``) at that line, kitty's
documented ``open-actions.conf`` matches ``fragment_matches [0-9]+``; iTerm2, GNOME's VTE and
Windows Terminal open the file and leave the fragment aside.

Links belong to the display only: the message a test fails with, which also goes to reports
(``report.txt``, ``results.json``, the class page), stays plain text, and the display (pytest's
terminal writer in the plugin, ``checks stage``, the progress table, ``watch``) links the places
it names when it writes to a terminal that shows links (``links_wanted``). This module is at the
bottom of the kit, beside the vocabulary, so that the plugin and the command both use it.
"""

from __future__ import annotations

import os
import re
import socket
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

__all__ = ["LINK_END", "file_uri", "hyperlink", "link_places", "links_wanted"]

LINK_END = "\x1b]8;;\x1b\\"
"""The sequence that ends a link (OSC 8 with no URI)."""

_LINK_START = "\x1b]8;;{uri}\x1b\\"
_QUOTED_OUTPUT = re.compile(r"^\s*\| ")
"""A line quoting what a program printed (``    | ...``): its words are the student's, never
linked."""
_NAME_CHARS = r"[\w.\\/-]"


def file_uri(path: Path, line: int | None = None) -> str:
    """The ``file://`` URI of ``path`` (made absolute), with ``line`` in its fragment."""
    absolute = path.resolve().as_posix()
    if not absolute.startswith("/"):  # C:/Users/... on Windows
        absolute = "/" + absolute
    fragment = f"#{line}" if line else ""
    return f"file://{quote(socket.gethostname())}{quote(absolute)}{fragment}"


def hyperlink(text: str, path: Path, line: int | None = None) -> str:
    """``text`` as a link to ``path`` at ``line``."""
    return _LINK_START.format(uri=file_uri(path, line)) + text + LINK_END


def links_wanted(stream: TextIO | None = None, *, markup: bool = True) -> bool:
    """Whether ``stream`` (standard output by default) shows links: a terminal, not
    ``TERM=dumb``, no ``NO_COLOR``, and ``markup`` (a tool's own colour switch) on."""
    out = sys.stdout if stream is None else stream
    try:
        tty = out.isatty()
    except (AttributeError, ValueError):
        tty = False
    no_color = os.environ.get("NO_COLOR", "") != ""
    return markup and tty and os.environ.get("TERM", "") != "dumb" and not no_color


def _patterns(name: str) -> list[re.Pattern[str]]:
    """How a message names a place in the file ``name``: ``name:18`` (with or without the
    folders before it) and ``line 18 of name``."""
    escaped = re.escape(name)
    return [
        re.compile(rf"(?<!{_NAME_CHARS})(?:{_NAME_CHARS}*/)?{escaped}:(?P<line>\d+)\b"),
        re.compile(rf"\bline (?P<line>\d+) of (?:{_NAME_CHARS}*/)?{escaped}(?!{_NAME_CHARS}*\w)"),
    ]


def link_places(text: str, folder: Path, names: Iterable[str]) -> str:
    """``text`` with each place it names in one of the files ``names`` of ``folder`` linked.

    Only a file that exists is linked; lines quoting a program's output are left alone, and a
    text that already holds a link is returned as it is.
    """
    if LINK_END in text:
        return text
    found = [(name, folder / name) for name in names if name and (folder / name).is_file()]
    if not found:
        return text
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if _QUOTED_OUTPUT.match(line):
            continue
        linked = line
        for name, path in found:
            for pattern in _patterns(name):
                linked = pattern.sub(
                    lambda match, path=path: hyperlink(match.group(), path, int(match["line"])),
                    linked,
                )
        lines[index] = linked
    return "\n".join(lines)
