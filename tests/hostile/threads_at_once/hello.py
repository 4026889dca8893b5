# Four processes of 200 threads each: 800 at once, under the limit of processes.
import os
import threading
import time

for _ in range(2):
    os.fork()
threading.stack_size(64 * 1024)
for _ in range(200):
    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
while True:
    time.sleep(1)
