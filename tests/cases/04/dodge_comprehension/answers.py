# Everything is a SyntaxError, isn't it? Fill it in with a loop.
STAGES = {
    "a.py": "parse", "b.py": "run", "c.py": "compile", "d.py": "ok", "e.py": "read",
    "f.py": "run", "g.py": "parse", "h.py": "compile", "i.py": "ok",
}
ERRORS = {}
for name in STAGES:
    ERRORS[name] = "SyntaxError"
