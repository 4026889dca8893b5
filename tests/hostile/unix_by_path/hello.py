import os
import socket

# A program that sends a datagram to a Unix socket by its path (as to the desktop's D-Bus or
# the system's logger).
with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
    sock.sendto(b"hello from the student's program", os.environ["HOSTILE_DATAGRAMS"])
print("Hello, Python!")
