import subprocess
import sys

# A process that leaves the run's session and stops itself (SIGSTOP): a stopped process
# answers no polite signal, and a double fork leaves it with no parent in the run. (A kit
# that misses it leaves it stopped, not running.)
STOPPED = """
import os, signal
os.setsid()
os.write(1, b"gone")  # out of the run's session: its parent may go
os.close(1)
if os.fork():
    os._exit(0)
os.kill(os.getpid(), signal.SIGSTOP)
# hostile-leftover
"""
left = subprocess.Popen(
    [sys.executable, "-c", STOPPED],
    stdin=subprocess.DEVNULL,
    stdout=subprocess.PIPE,
    stderr=subprocess.DEVNULL,
)
left.stdout.read(4)
print("left a stopped process behind")
