"""Exercise 07: what does CPython write to __pycache__?"""

MAIN_SCRIPT_GETS_PYC = "False"
IMPORTED_MODULE_GETS_PYC = True
