"""The kit's library: run a student's file as CPython does, type-check it, and judge it.

The names below are imported when first used, not with the package: a kit-owned driver that
runs in a student's child process imports ``checks.child.probe`` or ``checks.bytecode`` and
must not pay for pytest (``expect``) or psutil (``run``) on every run.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from checks import expect
    from checks.model import Exercise, Finding, Outcome, Run, Stage, Suppression
    from checks.run import DEFAULT_TIMEOUT, OUTPUT_CAP, Limits, StudentFileError, run_file

__all__ = [
    "DEFAULT_TIMEOUT",
    "OUTPUT_CAP",
    "Exercise",
    "Finding",
    "Limits",
    "Outcome",
    "Run",
    "Stage",
    "StudentFileError",
    "Suppression",
    "expect",
    "run_file",
]

_HOMES = {
    "DEFAULT_TIMEOUT": "checks.run",
    "OUTPUT_CAP": "checks.run",
    "Limits": "checks.run",
    "StudentFileError": "checks.run",
    "run_file": "checks.run",
    "Exercise": "checks.model",
    "Finding": "checks.model",
    "Outcome": "checks.model",
    "Run": "checks.model",
    "Stage": "checks.model",
    "Suppression": "checks.model",
}


def __getattr__(name: str) -> object:
    """Import a public name from its module on first use (PEP 562)."""
    if name == "expect":
        return importlib.import_module("checks.expect")
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    msg = f"module 'checks' has no attribute {name!r}"
    raise AttributeError(msg)
