"""Which stage? My answers, with type hints and capital letters."""

STAGES: dict[str, str] = {
    "a.py": "Parse",
    "b.py": "Run",
    "c.py": "Compile",
    "d.py": "OK",
    "e.py": "Read ",
    "f.py": "Run",
    "g.py": "Parse",
    "h.py": "Compile",
    "i.py": "OK",
}
ERRORS: dict[str, str | None] = {
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
