"""What a student's program is started with: the interpreter, the environment, the folders
taken off its ``sys.path``.

Nothing of it leads to the kit: the environment comes from the parent's own less the
variables of Python, pytest, the kit, uv and the terminal, and less any value that names the
kit's folder; the interpreter is the one the kit's virtual environment was made from; the kit
and its virtual environment are taken off the child's ``sys.path``.

It imports only the standard library and the kit's vocabulary (``checks.manifest``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from checks.manifest import KIT_ROOT

__all__ = ["child_environment", "child_python", "hidden_folders"]

_CHILD_ENV_DROP = (
    "PYTHON",
    "PYTEST_",
    "CHECKS_",
    "UV_",
    "VIRTUAL_ENV",
    "COLUMNS",
    "LINES",
    "NO_COLOR",
    "FORCE_COLOR",
    "CLICOLOR",
)
"""Prefixes of the variables a student's program does not get: Python's, pytest's, the kit's,
uv's and the terminal's (set below to fixed values)."""
_CHILD_ENV_PLACES = frozenset({"PWD", "OLDPWD", "_"})
"""Variables that name the folder the kit was started from, or its command."""


def child_environment() -> dict[str, str]:
    """The environment a student's program gets (less ``PWD``, its own folder): nothing in it
    names the kit, not even a folder of ``PATH``."""
    kit = str(KIT_ROOT)
    env: dict[str, str] = {}
    for name, value in os.environ.items():
        if name.startswith(_CHILD_ENV_DROP) or name in _CHILD_ENV_PLACES:
            continue
        if name == "PATH":
            env[name] = os.pathsep.join(p for p in value.split(os.pathsep) if kit not in p)
        elif kit not in value:
            env[name] = value
    env.update(COLUMNS="80", LINES="24", NO_COLOR="1", PYTHONIOENCODING="utf-8")
    return env


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
