"""Where in the student's file an error came from: the innermost line its traceback passes."""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    import types


def crash_line(
    path: str, tb: types.TracebackType | None, source: str | None = None
) -> tuple[int | None, str]:
    """The innermost line of the student's file ``path`` that the traceback passes through, and
    its text: from ``source``, the file as it was compiled, where given; else as ``linecache``
    reads the file now."""
    line: int | None = None
    while tb is not None:
        if os.path.normcase(tb.tb_frame.f_code.co_filename) == os.path.normcase(path):
            line = tb.tb_lineno
        tb = tb.tb_next
    if line is None:
        return None, ""
    if source is not None:
        lines = source_lines(source)
        return line, (lines[line - 1] if 0 < line <= len(lines) else "").strip()
    import linecache

    return line, linecache.getline(path, line).strip()


def source_lines(text: str) -> list[str]:
    """The lines of a decoded source as CPython numbers them (``\\n``, ``\\r\\n`` and ``\\r`` end
    a line; a form feed does not), as ``linecache`` reads them: a crash's line is shown with no
    module of the standard library loaded for it (``linecache`` imports ``tokenize`` and ``re``,
    which cost more than a whole run of a small program)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
