"""The class page: one HTML file that shows a teacher where a graded class got stuck.

``checks grade ... --out DIR`` writes ``DIR/report.html`` after the gradebook, and
``checks report DIR`` writes it again from the same files without grading again. The page is
made only from what a grading leaves in ``DIR``: the students of ``grades.csv`` and each one's
``results.json``, whose tests carry where each failure stopped (``Failure``, kept as data when
the test failed, never read back from the message's words). So both verbs write the same page,
byte for byte: it holds no date and no path of the machine.

The page is self-contained: inline CSS and SVG, no script, no font, no image file, and a
Content-Security-Policy that lets the browser fetch nothing. The charts are small SVG written
here (a bar per exercise, a stacked bar of stages, a histogram): a plotting library would weigh
more than a hundred megabytes and seconds of start-up for a few rectangles. Every number a chart
shows is also written as text beside it, and the colours are Okabe and Ito's, which readers
with any common colour-blindness tell apart.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from checks import reports
from checks.manifest import KIT_ROOT
from checks.model import Exercise
from checks.reports.classpage.page import BINS, PLACES, render
from checks.reports.classpage.results import GRADEBOOK, Student, first_failure, read_class, solved

__all__ = [
    "BINS",
    "PAGE",
    "PLACES",
    "Student",
    "cmd_report",
    "first_failure",
    "read_class",
    "register",
    "render",
    "solved",
    "write_page",
]

PAGE = "report.html"
"""The class page's name in a grading's folder."""

USAGE_ERROR = 2
"""Exit status for a folder the command cannot use."""

REPORT_HELP = "write the class page (report.html) again from an earlier grading's folder"
REPORT_DESCRIPTION = (
    "Write DIR/report.html from the files an earlier `checks grade ... --out DIR` left there "
    "(grades.csv and each student's results.json), without grading again."
)


def write_page(out: Path, exercises: Sequence[Exercise]) -> Path:
    """Write ``out/report.html`` from the grading files in ``out``; return its path."""
    page = out / PAGE
    text = render(read_class(out, exercises), exercises)
    temporary = out / f".{PAGE}.part"
    temporary.write_text(text, encoding="utf-8", newline="\n")
    temporary.replace(page)
    return page


def cmd_report(args: argparse.Namespace) -> int:
    """Write the class page again from an earlier grading's folder."""
    out = Path(args.folder)
    if not (out / GRADEBOOK).is_file():
        print(
            f"checks report: {out} holds no {GRADEBOOK}: give the --out folder of an earlier "
            "`checks grade`",
            file=sys.stderr,
        )
        return USAGE_ERROR
    exercises, problems = reports.kit_exercises(KIT_ROOT)
    for text in problems:
        print(f"checks report: warning: {text}", file=sys.stderr)
    try:
        page = write_page(out, exercises)
    except (OSError, csv.Error, UnicodeDecodeError) as error:
        print(f"checks report: cannot write the page in {out}: {error}", file=sys.stderr)
        return USAGE_ERROR
    print(f"Wrote {page}. Open it in a web browser (it needs no network).")
    return 0


def register(verbs: Any) -> None:  # argparse keeps the type of `verbs` private
    """Add the ``report`` verb to the ``checks`` command."""
    report = verbs.add_parser("report", help=REPORT_HELP, description=REPORT_DESCRIPTION)
    report.add_argument("folder", metavar="DIR")
    report.set_defaults(handler=cmd_report)
