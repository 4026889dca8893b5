from pathlib import Path

# A program that reads a file of the user's home folder.
print(Path.home().joinpath("secret.txt").read_text())
