"""The child's half of a probe: load the student's module, call its functions, report facts.

A kit-owned driver (``exercises/NN/driver.py``) imports this in the child process that tries the
student's module; the parent's half, which reads the facts, is ``checks.judges.probe``. It imports the
standard library only, and nothing of the kit that would bring pytest in: every run of a driver
pays for what it imports. What the student's code prints is caught at the file descriptor
(``capture.at_fd``), and before it is loaded the child package is hidden (``hide_package``):
the student's module can import nothing of the kit's.

Every import here is paid by every run of a driver, before the student's first line: paths are
strings (``os.path``, not ``pathlib``), and the types are named for the type checker only.
Nothing is imported after the student's code has run: a module of theirs could stand in for it.
"""

from __future__ import annotations

import importlib.util
import linecache
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

__import__("tokenize")  # linecache imports it as it first reads a file (3.13 on): loaded now

from checks import child as _package
from checks.child import hide_package
from checks.child.capture import at_fd

__all__ = ["Probe", "plain"]

_audit = sys.audit
_RECORD = "checks.record"
"""``seal.RECORD``: the audit event a record is raised with (the hook checks who raises it)."""
_asked = [_package.ASKED]
"""Whether the kit asked for the facts, as the launcher said before this module was loaded."""


class Probe:
    """The child's side: load the student's module, call its functions, report the facts."""

    def __init__(self, student_file: str | os.PathLike[str]) -> None:
        self.student_file = os.path.realpath(student_file)
        """The student's file, absolute, its links resolved (``Path.resolve``)."""

    def load(self) -> Any:
        """Import the student's module; if it cannot be imported, report why and stop."""
        name = os.path.splitext(os.path.basename(self.student_file))[0]
        hide_package()
        module: Any = None
        with at_fd(1) as printed:
            try:
                spec = importlib.util.spec_from_file_location(name, self.student_file)
                if spec is None or spec.loader is None:
                    shown = os.path.basename(self.student_file)
                    msg = f"{shown} cannot be imported as a module"
                    raise ImportError(msg)
                module = importlib.util.module_from_spec(spec)
                sys.modules[name] = module
                spec.loader.exec_module(module)
            except BaseException as error:  # noqa: BLE001 - a failed import is the answer
                failed: BaseException | None = error
            else:
                failed = None
        if failed is not None:
            self.report(loaded=self._raised(failed, printed.text))
            raise SystemExit(0) from None
        return module

    def call(
        self, func: Callable[..., object], *args: object, keep: Callable[[Any], object] = repr
    ) -> dict[str, object]:
        """Call ``func``: ``{"value": keep(result), "printed"}``, or what it raised and where."""
        value: object = None
        with at_fd(1) as printed:
            try:
                value = keep(func(*args))
            except BaseException as error:  # noqa: BLE001 - every crash is the student's answer
                failed: BaseException | None = error
            else:
                failed = None
        if failed is not None:
            return self._raised(failed, printed.text)
        return {"value": value, "printed": printed.text}

    def report(self, **facts: object) -> None:
        """Send the facts on the sealed channel (``seal``), when the kit asked for them.

        The one record of its kind a driver's run may send: the hook takes it from this code
        alone, and the parent takes one, no more.
        """
        if not _asked[0]:
            return
        _audit(_RECORD, "facts", facts)

    def _raised(self, error: BaseException, printed: str) -> dict[str, object]:
        line: int | None = None
        text = ""
        tb = error.__traceback__
        while tb is not None:  # traceback.extract_tb's walk, without the modules it brings
            filename = tb.tb_frame.f_code.co_filename
            number = tb.tb_lineno  # None where the code has no line (3.12 and on)
            known = number is not None  # pyright: ignore[reportUnnecessaryComparison]
            if known and _same_file(filename, self.student_file):
                linecache.checkcache(filename)
                line, text = number, linecache.getline(filename, number).strip()
            tb = tb.tb_next
        message = str(error)
        if isinstance(error, SyntaxError):
            message = str(error.msg)
            if line is None and _same_file(error.filename or "", self.student_file):
                line, text = error.lineno, (error.text or "").strip()
        return {
            "error": type(error).__name__,
            "message": message,
            "line": line,
            "source_line": text,
            "printed": printed,
        }


def plain(namespace: Mapping[str, object]) -> dict[str, object]:
    """The names a namespace binds (not ``__dunder__`` ones), with the values JSON can carry;
    any other value is given as ``<type name>``."""
    return {
        name: value
        if value is None or isinstance(value, (bool, int, float, str))
        else f"<{type(value).__name__}>"
        for name, value in namespace.items()
        if not (name.startswith("__") and name.endswith("__"))
    }


def _same_file(name: str, path: str) -> bool:
    # abspath(), not realpath(): names such as "<frozen importlib._bootstrap>" are no paths.
    return bool(name) and os.path.normcase(os.path.abspath(name)) == os.path.normcase(path)
