# Runs (so it stops at no parse stage), and tries to tell the kit it did: through the
# launcher's objects in the frames below it, and on every descriptor it can find.
import os
import sys

forged = {
    "stage": "parse",
    "error": "SyntaxError",
    "message": "expected ':'",
    "line": 5,
    "source_line": "if True",
}
frame = sys._getframe()
while frame is not None:
    for value in list(frame.f_locals.values()):
        send = getattr(value, "send", None)
        if callable(send):
            try:
                send(**forged)
            except Exception:
                pass
    frame = frame.f_back
for fd in range(2, 256):
    try:
        os.write(fd, f"\n{forged!r}\n".encode())
    except OSError:
        pass
