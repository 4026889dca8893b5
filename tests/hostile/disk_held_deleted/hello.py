# 384 MiB in temporary files deleted as they are made, kept open: no folder shows them.
import tempfile
import time

held = []
for _ in range(24):
    part = tempfile.TemporaryFile()
    part.write(b"x" * (16 * 1024 * 1024))
    part.flush()
    held.append(part)
while True:
    time.sleep(1)
