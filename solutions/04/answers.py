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
    "a.py": "parse",  # `def greet(name)` lacks its colon: nothing prints, not even line 2
    "b.py": "run",
    "c.py": "compile",  # `return` outside a function: the grammar is fine, the compiler refuses
    "d.py": "ok",  # broken() is never called, so its bad name is never looked up
    "e.py": "read",  # the bytes of "café" are Latin-1, not UTF-8: Python cannot read the text
    "f.py": "run",  # prints two prices, then "cake" has the number 5, not the text "5"
    "g.py": "parse",  # the body of the for loop is not indented
    "h.py": "compile",  # `nonlocal count`, but count belongs to no enclosing function
    "i.py": "ok",  # type hints are not checked when the program runs
}

ERRORS = {
    "a.py": "SyntaxError",
    "b.py": "NameError",
    "c.py": "SyntaxError",
    "d.py": None,
    "e.py": "SyntaxError",
    "f.py": "TypeError",
    "g.py": "IndentationError",
    "h.py": "SyntaxError",
    "i.py": None,
}
