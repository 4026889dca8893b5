# Four processes, each holding 400 MiB of memory shared with no one (a shared mapping).
import mmap
import os
import time

for _ in range(3):
    if os.fork() == 0:
        break
held = mmap.mmap(-1, 400 * 1024 * 1024, flags=mmap.MAP_SHARED)
for at in range(0, len(held), mmap.PAGESIZE):
    held[at] = 1
while True:
    time.sleep(1)
