"""The checks run this file to watch your grammar.py run. You do not need to open or change it.

It runs grammar.py as `python grammar.py` would, and notes which of its functions printed each line (a line
printed outside every function counts as printed by hand). It tells the checks what it saw
on a channel of their own; the checks compare it with the lines each function should print, in order.
"""

from __future__ import annotations

import os

from checks.child import hide_package
from checks.child.print_order import watch_printing
from checks.child.probe import Probe

HERE = os.path.dirname(os.path.realpath(__file__))
STUDENT = os.path.join(HERE, "grammar.py")
FUNCTIONS = frozenset({"greet", "shout", "countdown"})
"""The functions whose lines are told apart: a line is theirs if one of them is running."""

hide_package()  # nothing of the kit's for the student's code to import
watch_printing(STUDENT, FUNCTIONS)  # each piece printed goes to the checks as it is written
Probe(STUDENT).report()
