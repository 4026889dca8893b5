"""Run one file the way ``python FILE`` does, and say at which stage CPython stopped it.

This script runs in the child interpreter, the very Python under test, so that every verdict
belongs to it: read (the bytes are not source text CPython accepts), parse (``ast.parse``
refuses it), compile (the parser accepts it, the compiler refuses it), run (it started, then
failed), or ok. Only when the first three pass does the file's code start, as ``__main__``,
with its folder first on ``sys.path`` and ``sys.argv[0]`` the file.

It speaks to the kit through lines on stderr that carry a secret the kit sent on stdin, so
that a program that prints a look-alike line cannot change its own verdict. It imports
nothing from the kit: it must run on any Python from 3.10 without the kit installed.

Usage: ``python -E -u -X utf8 _launcher.py FILE`` with the secret as the first line of stdin.
"""

from __future__ import annotations

import builtins
import os
import sys
import types

# Every import here is paid on every run of a student file: `ast`, `tokenize` and `typing`
# are left out (the parse goes through compile() with PyCF_ONLY_AST, and tokenize is imported
# only for a file that may declare its encoding).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn

PYCF_ONLY_AST = 0x400
"""``ast.PyCF_ONLY_AST``: compile() then returns the syntax tree, exactly as ``ast.parse``."""

MARK = "\x1echecks:"
"""Start of a verdict line on stderr; the secret and a JSON object follow."""

NUL_PROBE = b"x = 1\n#\0\n"
"""A file with a NUL byte in a comment: the interpreter says whether it reads such files."""


class _Channel:
    """The secret-bearing line the launcher writes to tell the kit what happened."""

    def __init__(self, secret: str) -> None:
        self._secret = secret

    def send(self, **verdict: object) -> None:
        # repr() of plain str/int/bool/None values, read back with ast.literal_eval: no json
        # import in the child, where every millisecond of start-up is paid on every run.
        line = f"\n{MARK}{self._secret} {verdict!r}\n"
        sys.stderr.flush()
        os.write(2, line.encode("utf-8"))


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _interpreter_rejects_nul() -> bool:
    """Ask this interpreter (by running it on a tiny file) whether a NUL byte stops reading."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        probe = os.path.join(folder, "nul.py")
        with open(probe, "wb") as f:
            f.write(NUL_PROBE)
        done = subprocess.run(
            [sys.executable, "-E", probe],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            check=False,
        )
    return done.returncode != 0 and b"null bytes" in done.stderr


def _source_encoding(data: bytes) -> str:
    """The encoding CPython reads ``data`` with (``tokenize.detect_encoding``'s answer)."""
    head = b"\n".join(data.split(b"\n", 2)[:2])
    if not data.startswith(b"\xef\xbb\xbf") and b"coding" not in head:
        return "utf-8"  # no BOM and no room for a cookie: what detect_encoding would say
    import io
    import tokenize

    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return encoding


def _decode(path: str, data: bytes) -> str:
    """Decode source bytes as CPython's file reader does, or raise ``SyntaxError``."""
    nul = data.find(b"\0")
    if nul >= 0:
        error = SyntaxError("source code cannot contain null bytes")
        error.filename, error.lineno = path, _line_of(data, nul)
        raise error
    try:
        encoding = _source_encoding(data)
    except SyntaxError as error:
        if "invalid or missing encoding declaration" not in str(error):
            error.filename = path
            raise
        # A byte that is not UTF-8 on line 1 or 2, with no cookie: CPython's own words follow.
        encoding = "utf-8"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as bad:
        line = _line_of(data, bad.start)
        byte = data[bad.start]
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


def _report_syntax(channel: _Channel, stage: str, error: BaseException) -> NoReturn:
    line = getattr(error, "lineno", None)
    text = getattr(error, "text", None) or ""
    message = getattr(error, "msg", None) or str(error)
    channel.send(
        stage=stage,
        error=type(error).__name__,
        message=message,
        line=line,
        source_line=text.strip("\r\n"),
    )
    # CPython prints a syntax error with no "Traceback" header: the code never ran.
    sys.stderr.write("".join(_format_exception_only(error)))
    sys.stderr.flush()
    sys.exit(1)


def _format_exception_only(error: BaseException) -> list[str]:
    import traceback

    return traceback.format_exception_only(type(error), error)


def _run_unjudged(channel: _Channel, path: str) -> NoReturn:
    """Hand a file this interpreter reads its own way (a NUL byte on 3.10) to the interpreter."""
    import subprocess

    done = subprocess.run(
        [sys.executable, "-E", "-u", "-X", "utf8", path],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=False,
    )
    os.write(1, done.stdout)
    os.write(2, done.stderr)
    text = done.stderr.decode("utf-8", "replace")
    last = text.strip().splitlines()[-1] if text.strip() else ""
    if done.returncode == 1 and "Traceback (most recent call last)" not in text:
        name, _, message = last.partition(": ")
        if name in {"SyntaxError", "IndentationError", "TabError"}:
            channel.send(stage="parse", error=name, message=message, line=None, source_line="")
            sys.exit(1)
    channel.send(stage="started")
    sys.exit(done.returncode)


def _crash_line(path: str, tb: types.TracebackType | None) -> tuple[int | None, str]:
    """The innermost line of the student's file that the traceback passes through."""
    line: int | None = None
    while tb is not None:
        if os.path.normcase(tb.tb_frame.f_code.co_filename) == os.path.normcase(path):
            line = tb.tb_lineno
        tb = tb.tb_next
    if line is None:
        return None, ""
    import linecache

    return line, linecache.getline(path, line).strip()


def _confinement() -> types.ModuleType:
    """``checks/child/confine.py``, loaded by its path and left out of ``sys.modules``."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "child"))
    try:
        import confine  # pyright: ignore[reportMissingImports]
    finally:
        del sys.path[0]
        sys.modules.pop("confine", None)
    return confine  # pyright: ignore[reportUnknownVariableType]


def main() -> NoReturn:
    secret = sys.stdin.readline().strip()
    spec = sys.stdin.readline()  # what the program may reach (an empty line: not confined)
    confine = _confinement()
    # The program gets no input: input() meets the end of the file at once.
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
    channel = _Channel(secret)

    given = sys.argv[1]
    path = os.path.abspath(given)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as error:
        channel.send(
            stage="read", error=type(error).__name__, message=str(error), line=None, source_line=""
        )
        sys.stderr.write(f"{sys.executable}: can't open file {given!r}: {error}\n")
        sys.exit(2)

    confine.enter(spec, path, channel.send)
    if b"\0" in data and not _interpreter_rejects_nul():
        _run_unjudged(channel, path)
    try:
        text = _decode(path, data)
    except SyntaxError as error:
        _report_syntax(channel, "read", error)
    try:
        tree = compile(text, path, "exec", flags=PYCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, MemoryError, RecursionError) as error:
        _report_syntax(channel, "parse", error)
    try:
        code = compile(tree, path, "exec", dont_inherit=True)  # pyright: ignore[reportArgumentType] - an ast.Module
    except (SyntaxError, MemoryError, RecursionError) as error:
        _report_syntax(channel, "compile", error)
    del tree, text, data

    # From here on, what `python FILE` sets up for the script, then the script itself.
    main_module = types.ModuleType("__main__")
    main_module.__dict__.update(
        __file__=path, __cached__=None, __builtins__=builtins, __package__=None, __spec__=None
    )
    sys.modules["__main__"] = main_module
    sys.argv = [given]
    sys.path[0] = os.path.dirname(path)
    channel.send(stage="started")
    try:
        exec(code, main_module.__dict__)
    except SystemExit:
        raise
    except BaseException as error:  # noqa: BLE001 - every crash is the student's verdict
        tb = error.__traceback__.tb_next if error.__traceback__ else None
        line, source_line = _crash_line(path, tb)
        channel.send(
            stage="run",
            error=type(error).__name__,
            message=str(error),
            line=line,
            source_line=source_line,
            waited_for_input=isinstance(error, EOFError),
            **confine.refusal(error),
        )
        sys.excepthook(type(error), error.with_traceback(tb), tb)
        sys.exit(1)
    sys.exit(0)


if __name__ == "__main__":
    main()
