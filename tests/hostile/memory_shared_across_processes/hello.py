# Four processes, each holding 400 MiB of memory shared with no one (a shared mapping), each
# page written at once (memset: no other memory is made for it).
import ctypes
import mmap
import os
import time

for _ in range(2):
    os.fork()
held = mmap.mmap(-1, 400 * 1024 * 1024, flags=mmap.MAP_SHARED)
ctypes.memset(ctypes.addressof(ctypes.c_char.from_buffer(held)), 1, len(held))
while True:
    time.sleep(1)
