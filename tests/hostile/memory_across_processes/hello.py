# Four processes, each holding 400 MiB: under the per-process limit, 1.6 GiB in all.
import os
import time

for _ in range(3):
    if os.fork() == 0:
        break
held = b"x" * (400 * 1024 * 1024)
while True:
    time.sleep(1)
