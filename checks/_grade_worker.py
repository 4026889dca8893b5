"""A long-lived pytest process for ``checks grade``: it checks one prepared submission after
another, so that pytest's start-up (about half a second) is paid once per worker, not once per
student.

It speaks JSON lines. The parent writes ``{"args": [...], "log": PATH}`` on stdin; the worker
runs ``pytest.main(args)`` with all of pytest's output going to ``log``, then answers
``{"status": N}`` on stdout. End of input ends the worker. No student code runs in this
process: the tests run each student file in a child process of their own (``checks.run``).

Usage: ``python -m checks._grade_worker``, from the kit's folder.
"""

from __future__ import annotations

import json
import os
import sys
import traceback

import pytest  # imported once, before the first job; the kit's plugin is left to pytest


def _run(args: list[str], log: str) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log, "wb") as output:  # noqa: PTH123 - a file descriptor is what dup2 needs
        os.dup2(output.fileno(), 1)
        os.dup2(output.fileno(), 2)
        try:
            return int(pytest.main(args))
        except Exception:  # noqa: BLE001 - said in the log; the next submission still runs
            traceback.print_exc()
            return int(pytest.ExitCode.INTERNAL_ERROR)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def main() -> int:
    """Serve jobs until stdin ends."""
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    while line := sys.stdin.readline():
        job = json.loads(line)
        status = _run([str(a) for a in job["args"]], str(job["log"]))
        replies.write(json.dumps({"status": status}) + "\n")
        replies.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
