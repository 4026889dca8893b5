# A hundred processes at once, every one an orphan (a double fork): the run's tree holds one.
import os
import time

for _ in range(100):
    if os.fork() == 0:
        if os.fork() == 0:
            while True:
                time.sleep(1)
        os._exit(0)
    os.wait()
while True:
    time.sleep(1)
