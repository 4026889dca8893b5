"""Which function printed each line, as a program runs: the child's half of exercises 02 and 08.

A kit-owned driver runs the student's file as ``python FILE`` would (compiled here, run as
``__main__``), with ``sys.stdout`` replaced by a stream that notes, for every write, which
function of the student's file was running: the nearest of the ``owners`` the driver names on
the call stack (the code object the file's own ``def`` of that name made, by identity), else
the nearest function of the file, else ``<module>`` (a line printed by hand, outside every
function). Each write is said at once on the sealed channel (``seal``), as a ``piece``; the
parent puts the lines together (``printed_lines``). Whatever way the program prints (``print`` under any name,
``sys.stdout.write``, ``getattr``), the write lands here with its stack; a line written around
it (``os.write``, ``sys.__stdout__``) or printed again from a captured copy is seen for what it
is: not printed by the function whose line it is.

It imports the standard library only, and no more of it than the interpreter has loaded at
start (no ``dataclasses``, no ``collections.abc`` at run time): it runs in the child, on the
Python under test, and every run of a driver pays for what it imports.
"""

from __future__ import annotations

import builtins
import io
import os
import sys
import types

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

__all__ = ["MODULE", "Printed", "printed_lines", "watch_printing"]

_audit = sys.audit
_getframe = sys._getframe  # pyright: ignore[reportPrivateUsage]
_RECORD = "checks.record"
"""``seal.RECORD``: the audit event a record is raised with (the hook checks who raises it)."""

MODULE = "<module>"
"""The name given to lines printed outside every function of the student's file."""
IMPOSTOR = "another "
"""Put before the name of a function that is not the owner of that name (a method, a renamed
code object): ``another greet`` wrote the line, not the file's own ``greet``."""
LINES_KEPT = 200
"""Most printed lines reported."""


class Printed:
    """One line the program printed, and the function of the student's file that printed it."""

    __slots__ = ("by", "line", "text")

    def __init__(self, text: str, by: str, line: int | None) -> None:
        self.text = text
        self.by = by
        self.line = line
        """The line of the student's file that was running when the line's text was written."""

    def _fields(self) -> tuple[str, str, int | None]:
        return self.text, self.by, self.line

    def __eq__(self, other: object) -> bool:
        if type(other) is not Printed:
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return f"Printed(text={self.text!r}, by={self.by!r}, line={self.line!r})"


class _Recorder(io.TextIOBase):
    """A stdout that says, for each piece of text, which function of the student's wrote it.

    Each write goes out at once as a ``piece`` record on the sealed channel (``seal``): what
    was said cannot be relabelled, sorted or taken back later. The list kept here serves a run
    without a channel (by hand, or the kit's own tests); no judge reads it.
    """

    def __init__(
        self, names: frozenset[str], owners: dict[int, str], file_codes: frozenset[int]
    ) -> None:
        super().__init__()
        self._names = names
        self.owners = owners
        self._file_codes = file_codes
        self.pieces: list[tuple[str, str, int | None]] = []

    def writable(self) -> bool:
        """A stream print() may write to."""
        return True

    def write(self, text: str) -> int:
        """Say ``text`` with the function that is writing it."""
        if len(self.pieces) < LINES_KEPT * 4:
            piece = (_as_text(text), *self._writer(_getframe(1)))
            self.pieces.append(piece)
            _audit(_RECORD, "piece", piece)
        return len(text)

    def _writer(self, frame: types.FrameType | None) -> tuple[str, int | None]:
        """The function that writes (see the module's docstring), and the file's running line.

        A frame is the student's when it runs a code object compiled from the file (by
        identity), and an owner's when it runs the very code the file's ``def`` made under
        that name: not a method of the same name, nor another code object renamed.
        """
        nearest: str | None = None
        line: int | None = None
        while frame is not None:
            code = frame.f_code
            if id(code) in self._file_codes:
                line = frame.f_lineno if line is None else line
                owner = self.owners.get(id(code))
                if owner is not None:
                    return owner, line
                if nearest is None and not code.co_name.startswith("<"):
                    name = code.co_name
                    nearest = f"{IMPOSTOR}{name}" if name in self._names else name
            frame = frame.f_back
        return nearest or MODULE, line


def _as_text(text: object) -> str:
    """The text written, without running any code of the student's (a ``str`` subclass's)."""
    return str.__str__(text) if isinstance(text, str) else "<not text>"


def printed_lines(pieces: Iterable[Sequence[object]]) -> list[Printed]:
    """The text written, cut into lines, each with the function that wrote its first text."""
    found: list[Printed] = []
    text, by, at = "", "", None
    for piece in pieces:
        if len(piece) != 3:
            continue
        written, writer, line = str(piece[0]), str(piece[1]), piece[2]
        for part in written.splitlines(keepends=True):
            if not text:
                by, at = writer, line if isinstance(line, int) else None
            text += part
            if text.endswith(("\n", "\r")):
                found.append(Printed(text.rstrip("\r\n"), by, at))
                text = ""
    if text:
        found.append(Printed(text, by, at))
    return found[:LINES_KEPT]


def _codes(module: types.CodeType, owners: frozenset[str]) -> tuple[dict[int, str], frozenset[int]]:
    """The owners' code objects (the file's own top-level ``def``s of those names), and every
    code object compiled from the file, by identity."""
    named = {
        id(code): code.co_name
        for code in module.co_consts
        if isinstance(code, types.CodeType) and code.co_name in owners
    }
    every: set[int] = set()
    todo = [module]
    while todo:
        code = todo.pop()
        every.add(id(code))
        todo.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    return named, frozenset(every)


def _returns(owners: dict[int, str]) -> Callable[[types.FrameType, str, object], None]:
    """A profile function that says, as a ``returned`` record, each owner's call that ended."""

    def profile(frame: types.FrameType, event: str, _arg: object) -> None:
        if event == "return":
            name = owners.get(id(frame.f_code))
            if name is not None:
                _audit(_RECORD, "returned", name)

    return profile


def watch_printing(
    path: os.PathLike[str] | str, owners: frozenset[str], *, returns: bool = False
) -> list[Printed]:
    """Run the file as ``python FILE`` would and say which function printed each line.

    The file is compiled here, so that its functions' code objects are known before it runs.
    The run stops where the program stops (an error, ``sys.exit``); the lines printed up to
    there are kept either way. With ``returns``, each call of an owner that ended is said too
    (a ``returned`` record, between the pieces printed before and after it).
    """
    filename = str(path)
    try:
        with open(filename, "rb") as source:
            module = compile(source.read(), filename, "exec", dont_inherit=True)
    except (OSError, SyntaxError, ValueError):
        return []
    recorder = _Recorder(owners, *_codes(module, owners))
    main = types.ModuleType("__main__")
    main.__dict__.update(__file__=filename, __cached__=None, __builtins__=builtins)
    before, modules_main = sys.stdout, sys.modules.get("__main__")
    sys.stdout = recorder
    sys.modules["__main__"] = main
    if returns:
        sys.setprofile(_returns(recorder.owners))
    try:
        exec(module, main.__dict__)
    except BaseException:  # noqa: BLE001, S110 - a crash is the student's answer; its lines count
        pass
    finally:
        sys.setprofile(None)
        sys.stdout = before
        if modules_main is not None:
            sys.modules["__main__"] = modules_main
    return printed_lines(recorder.pieces)
