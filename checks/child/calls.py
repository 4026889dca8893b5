"""Trials: load a student's file as a module and call its functions on the kit's values.

The launcher hands over the file's code, already judged to compile, and the calls, read from
the kit's orders before any code of the student's runs (``order``): a function's name and the
values to call it with. The file runs as a module named after it, not as ``__main__`` (so an
``if __name__ == "__main__":`` block does not run). A crash while loading does not stop the
trials: the calls are tried on whatever the file defined before it crashed. Each function is
taken from the module's namespace once, right after loading, and called by the kit's own code
with the values; no text is evaluated in the student's namespace. What loading and each call
print is caught at the file descriptor (``capture.at_fd``). Each answer is one record on the
sealed channel (``seal``): ``loaded`` first, then one ``answer`` per call, in order.

The line a crashed call stopped on is taken from the source as it was compiled (``where``),
never read again from the file: no ``linecache``, ``tokenize`` or ``re`` is loaded for it,
which a module of the student's folder named like one of them could take the place of, and
which would cost a trial more than the rest of its run.
"""

from __future__ import annotations

import os
import sys
import types

from checks.child.capture import at_fd
from checks.child.where import crash_line

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

_audit = sys.audit
_RECORD = "checks.record"
"""``seal.RECORD``: the audit event a record is raised with (the hook checks who raises it)."""
_NO_BUILTINS: dict[str, object] = {"__builtins__": {}}


def order(text: str) -> tuple[str, tuple[object, ...]]:
    """One call of the kit's orders, ``repr((name, args))``: read before the student's code runs.

    The text is the kit's own (the parent wrote it); it holds literals only, evaluated with no
    builtins at all.
    """
    name, args = eval(text, dict(_NO_BUILTINS))
    return str(name), tuple(args)


def _crashed(error: BaseException, path: str, source: str, printed: str) -> dict[str, object]:
    line, text = crash_line(path, error.__traceback__, source)
    try:
        message = str(error)
    except BaseException:  # noqa: BLE001 - a __str__ of the student's that fails
        message = ""
    return {
        "printed": printed.splitlines(),
        "error": type(error).__name__,
        "message": message,
        "line": line,
        "source_line": text,
    }


def answer(
    code: types.CodeType,
    path: str,
    calls: Sequence[tuple[str, tuple[object, ...]]],
    source: str,
) -> None:
    """Load the module from ``code`` (compiled from ``source``), make each call, and record one
    answer per call."""
    name = os.path.splitext(os.path.basename(path))[0]
    module = types.ModuleType(name)
    module.__file__ = path
    sys.modules[name] = module
    crash: BaseException | None = None
    with at_fd(1) as printed:
        try:
            exec(code, module.__dict__)
        except BaseException as error:  # noqa: BLE001 - a crash while loading is an answer
            crash = error
    loaded = {} if crash is None else _crashed(crash, path, source, printed.text)
    _audit(_RECORD, "loaded", loaded)
    # Taken once, before any call: a call that rebinds a name does not change the next.
    found = dict(module.__dict__)
    for number, (function_name, args) in enumerate(calls):
        function = found.get(function_name)
        crash, value = None, ""
        with at_fd(1) as printed:
            try:
                if function is None:
                    msg = f"name '{function_name}' is not defined"
                    raise NameError(msg)
                value = str.__str__(repr(function(*args)))  # pyright: ignore[reportCallIssue]
            except BaseException as error:  # noqa: BLE001 - every crash is the student's answer
                crash = error
        said: dict[str, object] = {"call": number}
        if crash is not None:
            said.update(_crashed(crash, path, source, printed.text))
        else:
            said.update(value=value, printed=printed.text.splitlines())
        _audit(_RECORD, "answer", said)
