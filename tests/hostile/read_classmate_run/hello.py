import os
import time

# A program that looks for a classmate's run copy in the folders just above its working folder
# (the batch's shared temporary folder) for a second and a half, and prints every other
# hello.py it finds there.
mine = os.path.realpath("hello.py")
seen = []
end = time.monotonic() + 1.5
while time.monotonic() < end:
    folder = os.getcwd()
    for _ in range(3):
        folder = os.path.dirname(folder)
        for root, _dirs, files in os.walk(folder):
            if root.count(os.sep) - folder.count(os.sep) > 3:
                continue
            for name in files:
                path = os.path.realpath(os.path.join(root, name))
                if name == "hello.py" and path != mine and path not in seen:
                    seen.append(path)
                    try:
                        with open(path) as f:
                            print(path, f.read())
                    except OSError as error:
                        print(path, error)
print(seen)
