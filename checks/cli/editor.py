"""The student's editor, for ``checks watch``'s ``e`` key: which one, and opening files in it.

The editor is, in order: the one given with ``--editor CMD``, ``$VISUAL``, ``$EDITOR``, then VS
Code's ``code`` when it is on ``PATH``; ``--no-editor`` turns the key off. A window editor is
started beside ``watch`` and left running. An editor that runs inside the terminal (vim, nano...)
cannot share it with ``watch``, which reads its keys: the student is told the command to type in
another terminal instead.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CODE", "TERMINAL_EDITORS", "Editor", "find_editor"]

CODE = "code"
"""VS Code's command, used when neither ``$VISUAL`` nor ``$EDITOR`` names an editor."""

TERMINAL_EDITORS = frozenset(
    {"vi", "vim", "nvim", "nano", "pico", "micro", "hx", "helix", "kak", "ed", "joe", "mg"}
)
"""Editors that run inside the terminal, which ``watch`` is using."""


@dataclass(frozen=True)
class Editor:
    """The command that opens files (None: no editor), and why there is none."""

    command: tuple[str, ...] | None
    why_none: str = ""

    def open(self, files: Sequence[Path], shown: Sequence[str]) -> str:
        """Open ``files`` (named ``shown`` to the student); the line that says what happened."""
        names = " ".join(shown)
        if self.command is None:
            return self.why_none
        typed = shlex.join([*self.command, *shown])
        program = Path(self.command[0]).name
        if program in TERMINAL_EDITORS or (program == "emacs" and "-nw" in self.command):
            return (
                f"{program} runs inside this terminal, which watch is using: open another "
                f"terminal and type `{typed}`."
            )
        try:
            subprocess.Popen(
                [*self.command, *(str(file) for file in files)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as error:
            return f"Could not start the editor `{typed}`: {error.strerror or error}."
        return f"Opened {names} in {program}."


def find_editor(given: str | None, *, off: bool, environ: Mapping[str, str]) -> Editor:
    """The editor ``--editor``/``--no-editor``, ``$VISUAL``, ``$EDITOR`` or ``code`` name."""
    if off:
        return Editor(None, "Opening files is turned off (--no-editor).")
    for source, command in (
        ("--editor", given),
        ("$VISUAL", environ.get("VISUAL")),
        ("$EDITOR", environ.get("EDITOR")),
    ):
        if command and command.strip():
            try:
                words = shlex.split(command)
            except ValueError as error:
                return Editor(None, f"The editor in {source} cannot be read ({error}).")
            if words:
                return Editor(tuple(words))
    code = shutil.which(CODE)
    if code is not None:
        return Editor((code,))
    return Editor(
        None,
        "No editor found: set VISUAL or EDITOR (export EDITOR=...), put VS Code's `code` on "
        "PATH, or give one with `uv run checks watch --editor CMD`.",
    )
