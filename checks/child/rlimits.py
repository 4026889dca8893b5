"""The POSIX resource limits of a run, set by the launcher before any other code of the run.

The parent sends them in its orders, one ``limit=NAME:VALUE`` item each (``NAMES``: address
space, file size, CPU seconds, core size, open files); ``apply`` sets each as both the soft
and the hard limit (never above a hard limit the child was started with), so the program may
lower them but never raise them, and every process it starts inherits them.

Why here, and not in a ``preexec_fn`` of the parent's ``subprocess.Popen`` (where they were
set until the parent's launches were found to cost a full ``fork`` each: a ``preexec_fn``
rules out ``vfork``), and why that is as safe. A limit set after the student's code has
started is no limit, so the question is only what runs before ``apply``: the interpreter's
own start-up (``-E -S``: no ``PYTHON*`` variable, no ``site``, no ``.pth`` file), then the
launcher script and this package from the kit's private copy (``sys.path[0]``, outside the
student's folder; the standard library modules they import come from the interpreter), then
the parent's orders read from stdin. ``apply`` is the launcher's first step after that: the
student's file has not even been read yet. So every line of the student's code, every process
it starts, and every process the launcher starts for it (the interpreter asked about NUL
bytes, the 3.10 grandchild) runs under the same limits as before; the memory and CPU the
launcher spends first is the kit's own, a few milliseconds, and ``RLIMIT_CPU`` counts it as
it always did (CPU time is counted from the process's start, not from the limit's). On
Windows the orders hold no limit: a job object holds the run there (``checks/run/winjob.py``).
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

NAMES = ("as", "fsize", "cpu", "core", "nofile")
"""The limits the parent may send: ``RLIMIT_AS``, ``RLIMIT_FSIZE``, ``RLIMIT_CPU``, ``RLIMIT_CORE``,
``RLIMIT_NOFILE``."""


def apply(given: Iterable[str]) -> None:
    """Set each ``NAME:VALUE`` limit given as this process's soft and hard limit."""
    if sys.platform == "win32":  # pragma: no cover - Windows: a job holds the run
        return
    import resource

    for item in given:
        name, _, value = item.partition(":")
        if name not in NAMES or not value.isdigit():
            continue
        kind = getattr(resource, f"RLIMIT_{name.upper()}")
        try:
            _soft, hard = resource.getrlimit(kind)
            wanted = int(value)
            if hard != resource.RLIM_INFINITY:
                wanted = min(wanted, hard)
            resource.setrlimit(kind, (wanted, wanted))
        except (ValueError, OSError):
            pass  # the system refuses it: the parent's caps over the whole run still hold
