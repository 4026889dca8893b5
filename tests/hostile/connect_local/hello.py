import os
import socket

# A program that talks to a server on this machine.
with socket.create_connection(("127.0.0.1", int(os.environ["HOSTILE_PORT"])), timeout=5) as s:
    s.sendall(b"hello from the student's program\n")
print("Hello, Python!")
