"""The kit's library: run a student's file as CPython does, type-check it, and judge it.

This is the package's face: an exercise's tests import what they use from ``checks`` alone
(``from checks import Stage, expect, probe``), wherever it lives inside the kit. The names are
imported when first used, not with the package: a kit-owned driver that runs in a student's
child process imports ``checks.child.probe`` or ``checks.child.bytecode`` and must not pay for
pytest (``expect``) or psutil (``run_file``) on every run.

The house, bottom to top (each folder imports only from those before it): the vocabulary here
(``model``, ``manifest``, ``starter``, ``cache``), ``child/`` (all that runs in the student's
process), ``run/`` (the parent side of a run, and pyright), ``judges/`` (the facts one
exercise needs), ``reports/``, ``plugin/`` (pytest glue), ``grade/`` (a class), ``cli/``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from checks.child.bytecode import growth
    from checks.judges import expect, gitignore, probe, pyc, pycache
    from checks.judges.answers import written_answers
    from checks.judges.hiding import expect_no_hiding
    from checks.judges.literals import unwritten_values, written_call_lines
    from checks.judges.syntax import typed_call_lines
    from checks.judges.trials import Trial, expect_trials, trial_seed
    from checks.model import Exercise, Finding, Outcome, Run, Stage, Suppression
    from checks.run.copy import StudentFileError
    from checks.run.limits import DEFAULT_TIMEOUT, OUTPUT_CAP, Limits
    from checks.run.program import run_each, run_file
    from checks.run.typecheck import in_plain_words
    from checks.starter import StarterError, starter_folder

__all__ = [
    "DEFAULT_TIMEOUT",
    "OUTPUT_CAP",
    "Exercise",
    "Finding",
    "Limits",
    "Outcome",
    "Run",
    "Stage",
    "StarterError",
    "StudentFileError",
    "Suppression",
    "Trial",
    "expect",
    "expect_no_hiding",
    "expect_trials",
    "gitignore",
    "growth",
    "in_plain_words",
    "probe",
    "pyc",
    "pycache",
    "run_each",
    "run_file",
    "starter_folder",
    "trial_seed",
    "typed_call_lines",
    "unwritten_values",
    "written_answers",
    "written_call_lines",
]

_MODULES = {
    "expect": "checks.judges.expect",
    "gitignore": "checks.judges.gitignore",
    "probe": "checks.judges.probe",
    "pyc": "checks.judges.pyc",
    "pycache": "checks.judges.pycache",
}

_HOMES = {
    "DEFAULT_TIMEOUT": "checks.run.limits",
    "OUTPUT_CAP": "checks.run.limits",
    "Limits": "checks.run.limits",
    "StudentFileError": "checks.run.copy",
    "run_each": "checks.run.program",
    "run_file": "checks.run.program",
    "Exercise": "checks.model",
    "Finding": "checks.model",
    "Outcome": "checks.model",
    "Run": "checks.model",
    "Stage": "checks.model",
    "Suppression": "checks.model",
    "StarterError": "checks.starter",
    "starter_folder": "checks.starter",
    "Trial": "checks.judges.trials",
    "expect_trials": "checks.judges.trials",
    "trial_seed": "checks.judges.trials",
    "written_answers": "checks.judges.answers",
    "expect_no_hiding": "checks.judges.hiding",
    "typed_call_lines": "checks.judges.syntax",
    "unwritten_values": "checks.judges.literals",
    "written_call_lines": "checks.judges.literals",
    "in_plain_words": "checks.run.typecheck",
    "growth": "checks.child.bytecode",
}


def __getattr__(name: str) -> object:
    """Import a public name from its module on first use (PEP 562)."""
    if name in _MODULES:
        return importlib.import_module(_MODULES[name])
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    msg = f"module 'checks' has no attribute {name!r}"
    raise AttributeError(msg)
