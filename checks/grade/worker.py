"""A long-lived pytest process for ``checks grade``: it checks one prepared submission after
another, so that pytest's start-up (about half a second) is paid once per worker, not once per
student.

It speaks JSON lines. The parent writes ``{"args": [...], "log": PATH}`` on stdin; the worker
runs ``pytest.main(args)`` with all of pytest's output going to ``log``, then answers
``{"status": N, "trusted": BOOL}`` on stdout: trusted when the session ran to its end with
pyright's answer and no run stopped (a timeout depends on the machine, not on the files). End of
input ends the worker. No student code runs in this process: the tests run each student file in a
child process of their own (``checks.run.program``).

A job given with ``"wait": true`` is prepared ahead (``checks watch`` asks for the next save's
run while the student types): pytest configures and collects, then, before the kit's plugin
starts pyright or any test reads a file, waits for ``{"go": true}`` on stdin; ``{"go": false}``
(or the end of input) ends that run with no test run. A run that pytest ends before its
collection is over (an option refused) is answered at once: the word to go on that comes after
it is passed over, never read as a job.

A job given with ``"wait": "types"`` (``checks grade``: the submission's files are staged and
never change) runs its tests at once; only pyright waits for the word, so that it answers from
the cache the batch's own pyright run fills meanwhile, and a test that asks for findings waits
with it. ``{"go": false}`` then stops the session after the test under way.

After each answer, while the parent has the next job to prepare, what is alive is collected once
and frozen (``gc.freeze``): the imported modules, pytest's and the kit's, are never scanned again,
so the full collections pytest makes at the end of every session (to report unraisable
exceptions) cost a few milliseconds instead of a few hundred. Only the cyclic collector is told
to look away; reference counting frees what it always frees, and no verdict can see the
difference. (The kit's plugin freezes once too, in the first session, right after collecting:
``checks.plugin.pytest_collection_finish``.)

Usage: ``python -m checks.grade.worker``, from the kit's folder.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import sys
import traceback
from typing import TextIO

import pytest  # imported once, before the first job; the kit's plugin is left to pytest


class _Session:
    """What the worker learns of one session, through the kit's plugin object (not imported
    here: pytest must import the plugin itself, to rewrite its assertions)."""

    def __init__(self, jobs: TextIO, *, wait: bool | str = False) -> None:
        self.jobs = jobs
        """The parent's words, read apart from fd 0 (pytest's capture empties that one)."""
        self.wait = wait
        """The job's ``"wait"``: True, it was prepared ahead and waits for ``{"go": true}`` once
        collected; ``"types"``, only pyright waits for that word, not the tests; False, none."""
        self.trusted = False
        self._stops = 0

    @staticmethod
    def _stops_so_far() -> int:
        runner = sys.modules.get("checks.run.program")
        stops: object = getattr(runner, "stops", None)
        counted: object = stops() if callable(stops) else 0
        return counted if isinstance(counted, int) else 0

    @pytest.hookimpl
    def pytest_sessionstart(self) -> None:
        self._stops = self._stops_so_far()

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """In a prepared job, wait here for the word to go on: before pyright starts (the kit's
        hook comes after this one) and before any test runs."""
        if not self.wait:
            return
        state = session.config.pluginmanager.get_plugin("checks-state")
        if self.wait == "types" and state is not None:

            def gate() -> bool:
                go = self._go()
                if not go:
                    session.shouldstop = "the checks were stopped"
                return go

            state.types_gate = gate  # read in pyright's thread; the tests go on
            return
        if not self._go():
            session.items.clear()  # nothing runs, nothing is read: the run ends at once

    def _go(self) -> bool:
        """Wait for the parent's word: whether to go on."""
        line = self.jobs.readline()
        go = False
        with contextlib.suppress(ValueError, AttributeError):
            go = json.loads(line).get("go") is True
        return go

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """Trusted: it ran to its end, pyright answered, and no run had to be stopped."""
        state = session.config.pluginmanager.get_plugin("checks-state")
        self.trusted = (
            int(exitstatus) in (0, 1)
            and state is not None
            and getattr(state, "pyright_error", "") is None
            and self._stops_so_far() == self._stops
        )


def _run(args: list[str], log: str, session: _Session) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log, "wb") as output:  # noqa: PTH123 - a file descriptor is what dup2 needs
        os.dup2(output.fileno(), 1)
        os.dup2(output.fileno(), 2)
        try:
            return int(pytest.main(args, plugins=[session]))
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
    jobs = os.fdopen(os.dup(0), "r", encoding="utf-8")
    while line := jobs.readline():
        job = json.loads(line)
        if "args" not in job:
            continue  # the word to go on, for a prepared run that ended before it waited
        wait = job.get("wait")
        session = _Session(jobs, wait=wait if wait is True or wait == "types" else False)
        status = _run([str(a) for a in job["args"]], str(job["log"]), session)
        replies.write(json.dumps({"status": status, "trusted": session.trusted}) + "\n")
        replies.flush()
        gc.collect()
        gc.freeze()
    return 0


if __name__ == "__main__":
    sys.exit(main())
