# Everything runs, surely?
STAGES = {
    "a.py": "run", "b.py": "run", "c.py": "run", "d.py": "run", "e.py": "run",
    "f.py": "run", "g.py": "run", "h.py": "run", "i.py": "run",
}
ERRORS = {
    "a.py": "SyntaxError", "b.py": "NameError", "c.py": "SyntaxError", "d.py": "NameError",
    "e.py": "SyntaxError", "f.py": "TypeError", "g.py": "IndentationError",
    "h.py": "SyntaxError", "i.py": "TypeError",
}
