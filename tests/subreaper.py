"""Run a command as a subreaper, and say how many of its processes outlived it.

Usage: ``python -m tests.subreaper COMMAND...``. Every process the command leaves behind,
however it detached (``setsid``, double forks, a chain that keeps forking and exiting), is
adopted by this process when its parent ends, so after the command ends this process sees
them among its own children: it counts them, kills them until none is left, and prints
``left=N`` as its last line of standard error. Linux only (elsewhere it says ``left=?``).
The command's exit status is this one's.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36
ROUNDS = 100_000
"""Rounds of killing before giving up on a chain that outruns the kill (never seen)."""


def _children() -> list[int]:
    found: list[int] = []
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):
            found += [int(pid) for pid in (task / "children").read_text().split()]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def main() -> int:
    """Run the command, then count and kill what it left."""
    libc = ctypes.CDLL(None, use_errno=True)
    reaper = sys.platform == "linux" and libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    status = subprocess.run(sys.argv[1:], check=False).returncode
    if not reaper:
        print("left=?", file=sys.stderr)
        return status
    left = {pid for pid in _children() if _alive(pid)}
    for _ in range(ROUNDS):
        pids = _children()
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
    print(f"left={len(left)}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
