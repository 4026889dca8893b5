"""The child side of every run: all that runs in the student's process, on the Python under test.

Every run of student code, whether a file run as ``python FILE`` does, a trial of its functions
or a kit-owned driver, enters the child the same way: ``launch.py``, given its orders on stdin
(``key=value`` items apart by NUL bytes; the launcher's docstring says what they hold). There,
and nowhere else:

- the read, parse and compile verdict is decided and sealed before the student's code starts
  (written on a pipe of its own, which is then closed: nothing the code does can reach it);
- the kit is taken off ``sys.path`` (the parent gives the folders to hide; the child package
  itself runs from a private copy outside the student's folder, never from the kit);
- confinement is applied, by one call (``confine.enter``) with the spec the parent sent;
- what a call prints is caught at the file descriptor (``capture.at_fd``), so every way of
  writing to stdout counts.

The environment is built on the parent's side, in one place (``checks.run.environment.child_environment``).
These modules import the standard library only and nothing of the kit's parent side; they run
on any Python from 3.10.
"""

from __future__ import annotations

import os
import sys

ASKED = False
"""Set by the launcher in a driver's run: the kit asked for the facts (``Probe.report``). A
person who runs a driver by hand sees its own table, not the line of facts meant for the kit."""

PACKAGE = __name__.partition(".")[0]
"""The top-level package the child package is imported under (``checks``, also in its copy)."""


def hide_package() -> None:
    """Take this package's folder off ``sys.path`` and the package out of ``sys.modules``.

    Called before any student code runs, so that it can import nothing of the kit's: not the
    private copy the child runs from, nor (run by hand from the kit) the kit itself.
    """
    root = os.path.normcase(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    sys.path[:] = [e for e in sys.path if os.path.normcase(os.path.abspath(e or ".")) != root]
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
        del sys.modules[name]
