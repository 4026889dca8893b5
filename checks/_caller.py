"""Call the functions of a student's file on values the kit chooses, and say what each call gave.

This script is the child side of ``checks/trials.py``. The kit's launcher runs it, from a
throwaway copy of the exercise folder, on the Python under test. Its orders are in
``_checks_orders.json`` beside it: the student file, the calls (Python expressions) and a token.

The student file is loaded as a module named after the file, not as ``__main__`` (so an
``if __name__ == "__main__":`` block does not run), with its output caught. A crash while
loading does not stop the trials: the calls are tried on whatever the file defined before it
crashed. Each answer is one line on stdout: the token, a space, a JSON object. It imports
nothing from the kit: it must run on any Python from 3.10 without the kit installed.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import traceback
import types
from pathlib import Path

ORDERS = "_checks_orders.json"
"""The file beside this script that says what to load and which calls to make."""


def _where(error: BaseException, path: str) -> tuple[int | None, str]:
    """The innermost line of the student's file that the error's traceback passes through."""
    line: int | None = None
    text = ""
    for frame in traceback.extract_tb(error.__traceback__):
        if os.path.normcase(frame.filename) == os.path.normcase(path):
            line, text = frame.lineno, (frame.line or "").strip()
    return line, text


def _crashed(error: BaseException, path: str, printed: str) -> dict[str, object]:
    line, text = _where(error, path)
    return {
        "printed": printed.splitlines(),
        "error": type(error).__name__,
        "message": str(error),
        "line": line,
        "source_line": text,
    }


def main() -> None:
    """Load the student file, make each call, and print one answer per call."""
    here = Path(__file__).resolve().parent
    orders = json.loads((here / ORDERS).read_text(encoding="utf-8"))
    token = str(orders["token"])
    path = str(here / str(orders["file"]))

    def answer(**fields: object) -> None:
        # Straight to the file descriptor: the student's code may have replaced sys.stdout.
        os.write(1, f"{token} {json.dumps(fields)}\n".encode())

    module = types.ModuleType(Path(path).stem)
    module.__file__ = path
    sys.modules[module.__name__] = module
    printed = io.StringIO()
    try:
        code = compile(Path(path).read_bytes(), path, "exec", dont_inherit=True)
        with contextlib.redirect_stdout(printed):
            exec(code, module.__dict__)  # noqa: S102 - the student file, in the child
    except BaseException as error:  # noqa: BLE001 - a crash while loading is part of the answer
        answer(call=None, **_crashed(error, path, printed.getvalue()))

    for call in orders["calls"]:
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                value = eval(str(call), module.__dict__)
        except BaseException as error:  # noqa: BLE001 - every crash is the student's answer
            answer(call=call, **_crashed(error, path, printed.getvalue()))
        else:
            answer(call=call, value=repr(value), printed=printed.getvalue().splitlines())


if __name__ == "__main__":
    main()
