# Let Python tell me.
import subprocess
import sys

PREDICTED = subprocess.run(
    [sys.executable, "program.py"], capture_output=True, text=True, check=False
).stdout.splitlines()
