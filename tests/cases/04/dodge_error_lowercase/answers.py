STAGES = {
    "a.py": "parse", "b.py": "run", "c.py": "compile", "d.py": "ok", "e.py": "read",
    "f.py": "run", "g.py": "parse", "h.py": "compile", "i.py": "ok",
}
ERRORS = {
    "a.py": "syntaxError", "b.py": "NameError", "c.py": "SyntaxError", "d.py": None,
    "e.py": "SyntaxError", "f.py": "TypeError", "g.py": "IndentationError",
    "h.py": "SyntaxError", "i.py": None,
}
