"""Where in the student's file an error came from: the innermost line its traceback passes."""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    import types


def crash_line(path: str, tb: types.TracebackType | None) -> tuple[int | None, str]:
    """The innermost line of the student's file ``path`` that the traceback passes through."""
    line: int | None = None
    while tb is not None:
        if os.path.normcase(tb.tb_frame.f_code.co_filename) == os.path.normcase(path):
            line = tb.tb_lineno
        tb = tb.tb_next
    if line is None:
        return None, ""
    import linecache

    return line, linecache.getline(path, line).strip()
