import os
from pathlib import Path

# A program that leaves a note in the teacher's home folder, by its real name.
(Path(os.environ["HOSTILE_HOME"]) / "notes.txt").write_text("I was here\n")
print("Hello, Python!")
