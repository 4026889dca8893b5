import os
from pathlib import Path

# A program that writes into the kit (a student finds it through sys.prefix or the manifests).
(Path(os.environ["HOSTILE_KIT"]) / "hostile-note.txt").write_text("I was here\n")
print("Hello, Python!")
