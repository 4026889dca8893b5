"""Exercise 07: what does CPython write to __pycache__?

Answer True or False. Don't guess: try it (README.md shows how).
"""

# After `python main.py`, is there a .pyc file for main.py itself?
MAIN_SCRIPT_GETS_PYC = True

# After `python main.py`, is there a .pyc file for helper.py, which main.py imports?
IMPORTED_MODULE_GETS_PYC = True
