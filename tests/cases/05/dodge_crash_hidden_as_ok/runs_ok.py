# Crashes, then tries to pass for a file that ran to its end: the launcher's objects in the
# frames below it are silenced, and the exit status is changed by atexit and excepthook.
import atexit
import os
import sys

frame = sys._getframe()
while frame is not None:
    for value in list(frame.f_locals.values()):
        for name in ("_secret", "_fd"):
            try:
                setattr(value, name, "gone" if name == "_secret" else -1)
            except Exception:
                pass
    frame = frame.f_back
atexit.register(os._exit, 0)
sys.excepthook = lambda *args: os._exit(0)
print("done")
raise RuntimeError("this file crashes")
