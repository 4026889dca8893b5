"""Points and reports: the verdicts of one run turned into a ``Grade``, and the ``Grade`` turned
into Gradescope's ``results.json``, GitHub Classroom's (legacy) runner JSON, a CSV gradebook and
a text report (Classroom 50's ``result.json`` is ``checks.grade.classroom50``'s). Every format is
made from the same ``Grade``, so every view adds up the same.

This is the folder's face: it re-exports the public names of its modules, so callers write
``reports.gradescope(grade)`` or ``reports.write_json(path, data)`` wherever each lives. One
module a concept: ``score`` (the kit's exercises, shares, the ``Grade`` of a run, and the rule
for points every view follows), ``gradescope_results`` (``results.json``, written and read
back), ``classroom_runner`` (the legacy runner JSON), ``text`` (the text report), ``gradebook``
(the CSV), ``inert`` (a student's text made unable to act on the reader) and ``files`` (a
whole file or nothing). The modules import one another one way
(``files`` and ``score`` at the bottom), never this face. ``classpage/`` (the class page) and
``workflow`` (the CI summary) sit above them. Nothing in ``checks/reports/`` imports
``checks.plugin``, ``checks.grade`` or ``checks.cli``.
"""

from __future__ import annotations

from checks.reports.classroom_runner import CLASSROOM_VERSION, classroom
from checks.reports.files import write_json
from checks.reports.gradebook import csv_header, csv_row, write_csv
from checks.reports.gradescope_results import MESSAGE_CAP, from_gradescope, gradescope
from checks.reports.inert import cell, inert
from checks.reports.score import (
    covered,
    grade_run,
    kit_exercises,
    score_exercise,
    shares,
    whole_points,
    zero_grade,
)
from checks.reports.text import text_report

__all__ = [
    "CLASSROOM_VERSION",
    "MESSAGE_CAP",
    "cell",
    "classroom",
    "covered",
    "csv_header",
    "csv_row",
    "from_gradescope",
    "grade_run",
    "gradescope",
    "inert",
    "kit_exercises",
    "score_exercise",
    "shares",
    "text_report",
    "whole_points",
    "write_csv",
    "write_json",
    "zero_grade",
]
