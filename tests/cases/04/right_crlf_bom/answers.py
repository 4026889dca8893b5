# My predictions, saved on Windows (CRLF, with a BOM).
STAGES = {'i.py': 'ok', 'h.py': 'compile', 'g.py': 'parse', 'f.py': 'run',
          'e.py': 'read', 'd.py': 'ok', 'c.py': 'compile', 'b.py': 'run', 'a.py': 'parse'}
ERRORS = {'a.py': 'SyntaxError', 'b.py': 'NameError', 'c.py': 'SyntaxError', 'd.py': None,
          'e.py': 'SyntaxError', 'f.py': 'TypeError', 'g.py': 'IndentationError',
          'h.py': 'SyntaxError', 'i.py': None}
