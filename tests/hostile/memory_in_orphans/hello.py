# Five processes of 400 MiB each, every one an orphan (a double fork): out of the run's tree,
# still in its session.
import os
import time

for _ in range(5):
    if os.fork() == 0:
        if os.fork() == 0:
            held = b"x" * (400 * 1024 * 1024)
            while True:
                time.sleep(1)
        os._exit(0)
    os.wait()
while True:
    time.sleep(1)
