# Pipes filled and kept open: the kernel's buffers, which no process's memory shows. The limit
# of open files is raised first, as far as the system allows.
import os
import resource
import time

_soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

held = []
while True:
    reader, writer = os.pipe()
    os.set_blocking(writer, False)
    try:
        while True:
            os.write(writer, b"x" * 65536)
    except BlockingIOError:
        pass
    held.append((reader, writer))
    if len(held) == 4000:  # 250 MiB
        print("Hello, Python!")
        break
while True:
    time.sleep(1)
