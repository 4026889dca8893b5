import os
import socket

# A program that talks to a server on this machine over MPTCP (which falls back to TCP with a
# plain server; Landlock's TCP rules do not cover it).
MPTCP = getattr(socket, "IPPROTO_MPTCP", 262)
with socket.socket(socket.AF_INET, socket.SOCK_STREAM, MPTCP) as sock:
    sock.settimeout(5)
    sock.connect(("127.0.0.1", int(os.environ["HOSTILE_PORT"])))
    sock.sendall(b"hello from the student's program\n")
print("Hello, Python!")
