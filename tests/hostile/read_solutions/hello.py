import os
from pathlib import Path

# A program that prints the kit's reference solution instead of its own answer.
print(Path(os.environ["HOSTILE_KIT"], "solutions", "01", "hello.py").read_text())
