"""Exercise 07: what does CPython write to __pycache__?"""

# `python main.py` compiles main.py in memory and runs it: no .pyc for the script itself.
MAIN_SCRIPT_GETS_PYC = False

# `import helper` inside main.py caches helper's bytecode in __pycache__/helper.TAG.pyc.
IMPORTED_MODULE_GETS_PYC = True
