"""The checks run this file to watch your crashes.py run. You do not need to open or change it.

It runs crashes.py as `python crashes.py` would, and notes which of its functions printed each
line (a line printed outside every function counts as printed by hand) and which of them
returned in between. It tells the checks what it saw on a channel of their own; the checks
compare it with the functions each line of the report comes from.
"""

from __future__ import annotations

import os

from checks.child import hide_package
from checks.child.print_order import watch_printing
from checks.child.probe import Probe

HERE = os.path.dirname(os.path.realpath(__file__))
STUDENT = os.path.join(HERE, "crashes.py")
FUNCTIONS = frozenset({"show_title", "total_distance", "show_total", "speed"})
"""The functions whose lines and returns are told apart."""

hide_package()  # nothing of the kit's for the student's code to import
watch_printing(STUDENT, FUNCTIONS, returns=True)  # said to the checks as it happens
Probe(STUDENT).report()
