import os
import socket

# A program that sends a UDP datagram to a server on this machine (Landlock has no UDP rules).
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
    sock.sendto(b"hello from the student's program", ("127.0.0.1", int(os.environ["HOSTILE_UDP"])))
print("Hello, Python!")
