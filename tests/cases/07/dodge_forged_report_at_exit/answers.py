"""Exercise 07: both answers wrong; importing pycache.py (the forger) stands in for them."""

import pycache  # noqa: F401 - its import is the forgery

MAIN_SCRIPT_GETS_PYC = True
IMPORTED_MODULE_GETS_PYC = False
