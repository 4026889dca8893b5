"""The text report for a person: the score, the notes, each exercise and each failure.

It may import the vocabulary and ``checks.reports.score``.
"""

from __future__ import annotations

from checks.model import Grade
from checks.reports.score import paid, shown_points

__all__ = ["text_report"]

REPORT_LINES = 25
"""Lines of one failure message shown in the text report."""


def text_report(grade: Grade, student: str = "") -> str:
    """A short report for a person: the score, the notes, each exercise and each failure."""
    head = f"{student}: " if student else ""
    lines = [f"{head}{shown_points(grade.score)} / {shown_points(grade.max_score)} points"]
    if not grade.complete:
        lines.append("(incomplete: the notes say why)")
    for note in grade.notes:
        first, *rest = note.splitlines() or [""]
        lines.append(f"- {first}")
        lines += [f"  {text}" for text in rest]
    noted = {note.strip() for note in grade.notes}
    for result in grade.exercises:
        lines.append("")
        lines.append(
            f"{result.exercise.number}  {result.exercise.title}: "
            f"{shown_points(result.score)} / {shown_points(result.max_score)}"
        )
        for test in result.tests:
            if paid(test):
                continue
            lines.append(
                f"  {test.outcome.value}: {test.name} "
                f"({shown_points(test.score)} / {shown_points(test.max_score)})"
            )
            if test.message.strip() in noted:
                continue
            message = test.message.strip().splitlines()
            shown = message[:REPORT_LINES]
            lines += [f"      {text}".rstrip() for text in shown]
            if len(message) > len(shown):
                lines.append(f"      [... {len(message) - len(shown)} more lines]")
    return "\n".join(lines) + "\n"
