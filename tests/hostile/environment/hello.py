import os

# A program that prints the teacher's environment: tokens, keys, the agent's socket.
for name, value in sorted(os.environ.items()):
    print(f"{name}={value}")
