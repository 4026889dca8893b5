# The right words, given to the wrong programs: a.py and c.py swapped, b.py and f.py swapped.
STAGES = {
    "a.py": "compile", "b.py": "run", "c.py": "parse", "d.py": "ok", "e.py": "read",
    "f.py": "run", "g.py": "parse", "h.py": "compile", "i.py": "ok",
}
ERRORS = {
    "a.py": "SyntaxError", "b.py": "TypeError", "c.py": "SyntaxError", "d.py": None,
    "e.py": "SyntaxError", "f.py": "NameError", "g.py": "IndentationError",
    "h.py": "SyntaxError", "i.py": None,
}
