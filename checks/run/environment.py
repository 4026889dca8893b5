"""What a student's program is started with: the interpreter, the environment, the folders
taken off its ``sys.path``.

The environment comes from a short list, never from the teacher's shell (``child_environment``):
``PATH`` of the system's own folders and the folder of the Python under test, ``HOME`` and the
temporary folder private to the run, the locale (``LANG``, ``LANGUAGE``, ``LC_*``), ``TERM`` and
``TZ``; on Windows the variables Windows itself needs (``SYSTEMROOT``, ``WINDIR``, ``COMSPEC``,
``PATHEXT``...); and what the kit sets itself (``COLUMNS``, ``LINES``, ``NO_COLOR``,
``PYTHONIOENCODING``). Nothing else crosses: no token, no key, no agent's socket, no display,
no ``PYTHON*`` variable, no folder of the kit. The interpreter is the one the kit's virtual
environment was made from; the kit and its virtual environment are taken off the child's
``sys.path``.

It imports only the standard library and the kit's vocabulary (``checks.manifest``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from checks.manifest import KIT_ROOT

__all__ = [
    "KIT_SET",
    "PASSED",
    "PASSED_PREFIXES",
    "SYSTEM_PATH",
    "TEMPORARY",
    "WINDOWS_PASSED",
    "child_environment",
    "child_python",
    "hidden_folders",
]

SYSTEM_PATH: tuple[str, ...] = ("/usr/local/bin", "/usr/bin", "/bin")
"""The system's folders of programs a child finds on ``PATH`` (POSIX), before the Python's own."""

PASSED = ("LANG", "LANGUAGE", "TERM", "TZ")
"""Variables passed on from the teacher's environment as they are: the locale and the clock."""
PASSED_PREFIXES = ("LC_",)
"""Prefixes of variables passed on as they are (the locale's categories)."""

WINDOWS_PASSED = (
    "SYSTEMROOT",
    "SYSTEMDRIVE",
    "WINDIR",
    "COMSPEC",
    "PATHEXT",
    "OS",
    "PROCESSOR_ARCHITECTURE",
    "NUMBER_OF_PROCESSORS",
)
"""Variables Windows needs to start a program and load its libraries (passed on Windows only)."""

KIT_SET = {"COLUMNS": "80", "LINES": "24", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
"""What the kit sets itself, the same on every machine: a terminal's size, no colour, UTF-8."""

TEMPORARY = ("TMPDIR", "TEMP", "TMP")
"""Variables that name a temporary folder (``tempfile`` reads them): the run's private one, or
the one a user or the kit chose for its own processes."""


def child_environment(
    python: str | None = None, *, home: Path | None = None, temporary: Path | None = None
) -> dict[str, str]:
    """The environment a student's program gets: the short list, nothing of the teacher's else.

    Args:
        python: the interpreter under test, whose folder ends ``PATH`` (default: none added).
        home: the run's private ``HOME`` (``USERPROFILE`` on Windows); none: no such variable.
        temporary: the run's private ``TMPDIR``, ``TEMP`` and ``TMP``; none: no such variable.
    """
    windows = sys.platform == "win32"
    names = (*PASSED, *WINDOWS_PASSED) if windows else PASSED
    kit = str(KIT_ROOT)
    env: dict[str, str] = {}
    for name, value in os.environ.items():
        upper = name.upper() if windows else name
        if (upper in names or upper.startswith(PASSED_PREFIXES)) and kit not in value:
            env[upper] = value
    env["PATH"] = os.pathsep.join(_path(python))
    env.update(KIT_SET)
    if home is not None:
        env["USERPROFILE" if windows else "HOME"] = str(home)
    if temporary is not None:
        env.update(dict.fromkeys(TEMPORARY, str(temporary)))
    return env


def _path(python: str | None) -> list[str]:
    """The folders of ``PATH``: the system's own, then the Python under test's (not the kit's)."""
    if sys.platform == "win32":  # pragma: no cover - Windows: reviewed by reading, not run here
        root = os.environ.get("SYSTEMROOT", r"C:\Windows")
        folders = [str(Path(root) / "System32"), root, str(Path(root) / "System32" / "Wbem")]
    else:
        folders: list[str] = list(SYSTEM_PATH)
    if python:
        own = str(Path(child_python(python)).parent)
        if str(KIT_ROOT) not in own and own not in folders:
            folders.append(own)
    return folders


def child_python(python: str) -> str:
    """The interpreter a run uses: the kit's own virtual environment is left out (its
    ``sys.prefix`` is inside the kit), for the Python it was made from.

    The child starts with ``-S`` (no ``site-packages``, whose ``.pth`` files can cost tens of
    milliseconds per run and would lead to the kit); the launcher sets up what ``site`` gives
    a script (``exit``, ``quit``, ``help``, ``copyright``)."""
    if python != sys.executable or sys.prefix == sys.base_prefix:
        return python
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [
        getattr(sys, "_base_executable", ""),  # 3.11 and later name it; 3.10 on POSIX does not
        str(Path(sys.base_prefix) / "bin" / version),
        str(Path(sys.base_prefix) / "bin" / "python3"),
        str(Path(sys.base_prefix) / "python.exe"),
    ]
    for base in candidates:
        if base and base != sys.executable and Path(base).is_file():
            return base
    return python


def hidden_folders() -> list[str]:
    """Folders the child takes off ``sys.path``: the kit, and its virtual environment."""
    return sorted({str(KIT_ROOT), sys.prefix} - {sys.base_prefix})
