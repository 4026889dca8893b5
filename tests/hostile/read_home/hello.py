import os
from pathlib import Path

# A program that reads a file of the teacher's home folder, by its real name (its own HOME
# is a private folder of the run).
print(Path(os.environ["HOSTILE_HOME"]).joinpath("secret.txt").read_text())
