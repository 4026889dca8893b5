"""What a teacher gives ``checks grade``: the submissions, and ``--out``.

Each submission (a folder, a student's copy of the kit) gets a name unique within the batch,
never one of the kit's own in ``--out`` (the gradebook, names starting ``RESERVED_PREFIX``);
``check_input`` says in one line what is wrong with the input before anything is graded: a
folder that is not there, an ``--out`` inside the kit or a submission, or one that cannot be
written or holds what is not a report.

Imports only ``checks.grade.take`` (names as a report shows them), the vocabulary and the
standard library.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from checks.grade.take import inside, printable
from checks.manifest import KIT_ROOT

__all__ = [
    "GRADEBOOK",
    "RESERVED_PREFIX",
    "USAGE_ERROR",
    "Submission",
    "check_input",
    "submissions",
]

USAGE_ERROR = 2
"""Exit status for input the command cannot use (a missing folder, an unwritable --out)."""

GRADEBOOK = "grades.csv"
"""The gradebook's name in ``--out``."""

RESERVED_PREFIX = ".checks-"
"""Names in ``--out`` (and in its staging folder) that are the kit's, never a student's."""


@dataclass(frozen=True)
class Submission:
    """One student's copy of the kit, as given on the command line."""

    name: str
    """The student: the folder's name (made unique within the batch)."""
    folder: Path


def submissions(given: Sequence[str]) -> list[Submission]:
    """Name each folder given once, uniquely within the batch (a repeated folder counts once)."""
    seen: set[Path] = set()
    names: set[str] = {GRADEBOOK}  # a student named like the gradebook gets a suffix
    found: list[Submission] = []
    for text in given:
        folder = Path(text).resolve()
        if folder in seen:
            continue
        seen.add(folder)
        base = printable(folder.name) or "submission"
        if base.startswith(RESERVED_PREFIX):
            base = "student" + base
        name, n = base, 1
        while name in names:
            n += 1
            name = f"{base}-{n}"
        names.add(name)
        found.append(Submission(name=name, folder=folder))
    return found


def check_input(submissions: Sequence[Submission], given: Sequence[str], out: Path) -> str:
    """What is wrong with the command's input, in one line, or an empty string."""
    for text in given:
        path = Path(text)
        if not path.exists():
            return f"{text}: no such folder"
        if not path.is_dir():
            return f"{text}: not a folder (a submission is a student's copy of the kit)"
    if inside(out, KIT_ROOT):
        return (
            f"--out {out} is inside the kit ({KIT_ROOT}): grading never writes into the kit, "
            "so choose a folder outside it"
        )
    for submission in submissions:
        if inside(out, submission.folder) or inside(submission.folder, out):
            return (
                f"--out {out} overlaps the submission {submission.folder}: grading never writes "
                "into a submission, so choose a folder apart from them"
            )
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as error:
        return f"--out {out}: cannot write there ({error.strerror or error})"
    for submission in submissions:
        target = out / submission.name
        if (target.exists() or target.is_symlink()) and not _report_folder(target):
            return (
                f"--out {out} already holds {target.name}, which is not a report of checks "
                "grade, and it would be replaced: choose an empty folder for --out"
            )
    return ""


def _report_folder(folder: Path) -> bool:
    """Whether ``folder`` may be replaced by a student's new reports: a real folder of files."""
    try:
        if folder.is_symlink() or not folder.is_dir():
            return False
        return all(entry.is_file() and not entry.is_symlink() for entry in folder.iterdir())
    except OSError:
        return False
