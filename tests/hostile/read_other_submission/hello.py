import glob
import os
from pathlib import Path

# A program that copies another student's answer: from the folder the teacher was given, or
# from where the grading took its files.
found = glob.glob("/tmp/checks-grade-*/*/submission/exercises/01/hello.py")
print(found)
print(Path(os.environ["HOSTILE_OTHER"]).read_text())
