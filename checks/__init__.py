"""The kit's library: run a student's file as CPython does, type-check it, and judge it."""

from __future__ import annotations

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
