import sys
print("started")
sys.stderr.write("Traceback (most recent call last):\nNameError: name 'x' is not defined\n")
sys.exit(1)
