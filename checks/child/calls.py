"""Trials: load a student's file as a module and call its functions on the kit's values.

The launcher hands over the file's code, already judged to compile. It runs as a module named
after the file, not as ``__main__`` (so an ``if __name__ == "__main__":`` block does not run).
A crash while loading does not stop the trials: the calls are tried on whatever the file
defined before it crashed. What loading and each call print is caught at the file descriptor
(``capture.at_fd``). Each answer is one line on stdout: the token, a space, a JSON object.
"""

from __future__ import annotations

import json
import os
import sys
import types

from checks.child.capture import at_fd
from checks.child.where import crash_line

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence


def _crashed(error: BaseException, path: str, printed: str) -> dict[str, object]:
    line, text = crash_line(path, error.__traceback__)
    return {
        "printed": printed.splitlines(),
        "error": type(error).__name__,
        "message": str(error),
        "line": line,
        "source_line": text,
    }


def answer(code: types.CodeType, path: str, calls: Sequence[str], token: str) -> None:
    """Load the module from ``code``, make each call, and print one answer per call."""
    write = os.write

    def send(**fields: object) -> None:
        write(1, f"{token} {json.dumps(fields)}\n".encode())

    name = os.path.splitext(os.path.basename(path))[0]
    module = types.ModuleType(name)
    module.__file__ = path
    sys.modules[name] = module
    with at_fd(1) as printed:
        try:
            exec(code, module.__dict__)
        except BaseException as error:  # noqa: BLE001 - a crash while loading is an answer
            crash: BaseException | None = error
        else:
            crash = None
    if crash is not None:
        send(call=None, **_crashed(crash, path, printed.text))

    for call in calls:
        with at_fd(1) as printed:
            try:
                value = repr(eval(call, module.__dict__))
            except BaseException as error:  # noqa: BLE001 - every crash is the student's answer
                crash, value = error, ""
            else:
                crash = None
        if crash is not None:
            send(call=call, **_crashed(crash, path, printed.text))
        else:
            send(call=call, value=value, printed=printed.text.splitlines())
