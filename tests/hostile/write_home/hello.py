from pathlib import Path

# A program that leaves a note in the user's home folder.
(Path.home() / "notes.txt").write_text("I was here\n")
print("Hello, Python!")
