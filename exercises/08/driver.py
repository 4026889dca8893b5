"""The checks run this file to watch your report.py run. You do not need to open or change it.

It runs report.py as `python report.py` would, and notes which of its functions printed each line (a line
printed outside every function counts as printed by hand). It prints what it saw as one line of
JSON; the checks compare it with the lines each function should print, in order.
"""

from __future__ import annotations

from pathlib import Path

from checks.child.print_order import watch_printing
from checks.child.probe import Probe

HERE = Path(__file__).resolve().parent
STUDENT = HERE / "report.py"
FUNCTIONS = frozenset({"print_header", "print_rows", "print_footer"})
"""The functions whose lines are told apart: a line is theirs if one of them is running."""

printed = watch_printing(STUDENT, FUNCTIONS)
Probe(STUDENT).report(printed=[{"text": p.text, "by": p.by, "line": p.line} for p in printed])
