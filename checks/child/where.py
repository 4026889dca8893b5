"""The student's file as CPython reads it (its encoding, its text, its lines), and where in it an
error came from: the innermost line its traceback passes."""

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


def _line_of(data: bytes, offset: int) -> int:
    """The line of the byte at ``offset``, as CPython numbers the file's lines: ``\\n``,
    ``\\r\\n`` and ``\\r`` each end one."""
    ends = data.count(b"\n", 0, offset) + data.count(b"\r", 0, offset)
    return ends - data.count(b"\r\n", 0, offset) + 1


def _shown_before(data: bytes, offset: int) -> str:
    """The text of the line that holds ``offset``, up to it, as CPython shows it: decoded by
    the file's encoding (UTF-8 when that cannot be told), a byte it cannot decode replaced."""
    start = max(data.rfind(b"\n", 0, offset), data.rfind(b"\r", 0, offset)) + 1
    try:
        encoding = _source_encoding(data)
        return data[start:offset].decode(encoding, "replace")
    except (SyntaxError, LookupError):
        return data[start:offset].decode("utf-8", "replace")


def _source_encoding(data: bytes) -> str:
    """The encoding CPython reads ``data`` with (``tokenize.detect_encoding``'s answer)."""
    head = b"\n".join(data.split(b"\n", 2)[:2])
    if not data.startswith(b"\xef\xbb\xbf") and b"coding" not in head:
        return "utf-8"  # no BOM and no room for a cookie: what detect_encoding would say
    import io
    import tokenize

    # CPython ends a line at "\r" too: a cookie on the second of lines ended by "\r" alone counts.
    head = b"\n".join(data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n", 2)[:2])
    encoding, _ = tokenize.detect_encoding(io.BytesIO(head + b"\n").readline)
    return encoding


def decode(path: str, data: bytes) -> str:
    """Decode source bytes as CPython's file reader does, or raise ``SyntaxError``."""
    nul = data.find(b"\0")
    if nul >= 0:
        error = SyntaxError("source code cannot contain null bytes")
        error.filename, error.lineno = path, _line_of(data, nul)
        error.text = _shown_before(data, nul)
        raise error
    try:
        encoding = _source_encoding(data)
    except SyntaxError as error:
        if "invalid or missing encoding declaration" not in str(error):
            error.filename = path
            raise
        # A byte that is not UTF-8 on line 1 or 2, with no cookie: CPython's own words follow.
        encoding = "utf-8"
    except LookupError as error:  # a codec, but not of text (3.14 on, tokenize tries it)
        raise SyntaxError(str(error).split(";")[0]) from None  # as CPython words it there
    try:
        return data.decode(encoding)
    except LookupError:  # a codec, but not of text (rot13, base64, hex): CPython cannot read it
        raise SyntaxError(f"encoding problem: {encoding}") from None  # its words to 3.13
    except UnicodeDecodeError as bad:
        line = _line_of(bad.object, bad.start)  # what was decoded: after a BOM, if any
        byte = bad.object[bad.start]
        if encoding.startswith("utf-8"):
            message = (
                f"Non-UTF-8 code starting with '\\x{byte:02x}' in file {path} on line {line}, "
                "but no encoding declared; see https://peps.python.org/pep-0263/ for details"
            )
        else:
            message = f"encoding problem: {encoding} cannot decode byte 0x{byte:02x}"
        error = SyntaxError(message)
        error.filename, error.lineno = path, line
        raise error from None
