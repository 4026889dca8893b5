# Exercise 04: which stage?
#
# Each program in the mystery/ folder stops at one of Python's stages, or runs to the end:
#
#   "read"     Python could not even turn the file's bytes into text
#   "parse"    the text breaks Python's grammar
#   "compile"  the grammar is fine, but the compiler refuses the code
#   "run"      the code started, then stopped with an error
#   "ok"       the code ran to the end without an error
#
# For every program, predict its stage in STAGES and the name of the error Python stops it
# with in ERRORS (the exception's class name, like "NameError"; None, without quotes, for a
# program that runs to the end). Replace each "?". b.py is done for you, as an example.
#
# Write the answers themselves: the checks read this file, they never run it.

STAGES = {
    "a.py": "?",
    "b.py": "run",
    "c.py": "?",
    "d.py": "?",
    "e.py": "?",
    "f.py": "?",
    "g.py": "?",
    "h.py": "?",
    "i.py": "?",
}

ERRORS = {
    "a.py": "?",
    "b.py": "NameError",
    "c.py": "?",
    "d.py": "?",
    "e.py": "?",
    "f.py": "?",
    "g.py": "?",
    "h.py": "?",
    "i.py": "?",
}
