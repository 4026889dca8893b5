"""The CSV gradebook of a class: one row per student, one column per exercise.

Every cell of text (a name, a note, a folder) is written as text (``inert.cell``): a folder
named ``=HYPERLINK(...)`` is no formula for the spreadsheet that opens the gradebook.

It may import the vocabulary, ``checks.reports.score``, ``checks.reports.files`` and
``checks.reports.inert``.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

from checks.model import Exercise, Grade
from checks.reports.files import atomic_write
from checks.reports.inert import cell
from checks.reports.score import shown_points

__all__ = ["csv_header", "csv_row", "write_csv"]


def csv_header(exercises: Sequence[Exercise]) -> list[str]:
    """The gradebook's columns: student, total, max, one per exercise, a note, the folder."""
    return ["student", "total", "max", *[e.number for e in exercises], "note", "path"]


def csv_row(
    student: str, grade: Grade, exercises: Sequence[Exercise], folder: str = ""
) -> list[str]:
    """One student's gradebook row; the total is the sum of the exercise columns. ``folder``
    is the submission's folder, which tells apart two students of one name."""
    scores = {r.exercise.number: r.score for r in grade.exercises}
    return [
        cell(student),
        shown_points(grade.score),
        shown_points(grade.max_score),
        *[shown_points(scores.get(e.number, 0.0)) for e in exercises],
        cell(" ".join(note.splitlines()[0] for note in grade.notes if note.strip())),
        cell(folder),
    ]


def write_csv(
    path: Path,
    grades: Mapping[str, Grade],
    exercises: Sequence[Exercise],
    folders: Mapping[str, str] | None = None,
) -> None:
    """Write the gradebook, one row per student in name order, with each one's folder (printable)."""
    where = dict(folders or {})
    rows = [csv_header(exercises)]
    rows += [csv_row(name, grades[name], exercises, where.get(name, "")) for name in sorted(grades)]
    atomic_write(path, lambda handle: csv.writer(handle, lineterminator="\n").writerows(rows))
