import subprocess
import sys

# A chain that leaves the run's session, then keeps forking and exiting: no snapshot of the
# run's processes holds it, since each process lives only a moment.
# It ends by itself after five minutes, so that a kit that misses it does not leave it forever.
CHAIN = """
import os, time
os.setsid()
os.write(1, b"gone")  # out of the run's session: its parent may go
os.close(1)
end = time.monotonic() + 300
while time.monotonic() < end:
    if os.fork():
        os._exit(0)
# hostile-leftover
"""
left = subprocess.Popen(
    [sys.executable, "-c", CHAIN],
    stdin=subprocess.DEVNULL,
    stdout=subprocess.PIPE,
    stderr=subprocess.DEVNULL,
)
left.stdout.read(4)
print("left a chain of processes behind")
