"""The plugin freezes what a process holds once its first session of exercise checks has
collected (``gc.freeze``), and only then: a process that runs one session after another keeps no
later session's tests alive, and a session of other tests (the kit's own) is never frozen."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support import KIT

_SESSIONS = """\
import gc, json, sys
import pytest

counts, ended = [], []

class Thrown:  # garbage the set-up leaves in a cycle: freed by a collection, never frozen
    def __init__(self):
        self.me = self

    def __del__(self):
        ended.append(True)

class Record:
    def pytest_configure(self):
        counts.append([gc.get_freeze_count()])

    def pytest_collection_modifyitems(self):
        Thrown()

    def pytest_runtest_logstart(self):
        counts[-1].append(gc.get_freeze_count())

gc.freeze()  # as an interpreter that starts with objects frozen already (3.12.1 does)
for args in json.loads(sys.argv[1]):
    pytest.main([*args, "-q", "-p", "no:cacheprovider", "-p", "no:randomly"], plugins=[Record()])
gc.collect()
print(json.dumps([counts, len(ended)]))
"""
"""Run pytest sessions one after another in one process; for each, how many objects were frozen
when it was configured, then when each of its tests started."""


def test_the_first_session_of_exercise_checks_is_frozen_once_collected(tmp_path: Path) -> None:
    """A session of tests outside the exercises freezes nothing; the first session of exercise
    checks runs its tests with what was collected frozen; a second one freezes nothing of its
    own (what the first froze and no longer holds is freed as ever, so a count may only fall);
    what a set-up threw away is freed, not frozen."""
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["checks.plugin"]\n', "utf-8")
    (tmp_path / "test_other.py").write_text("def test_other():\n    pass\n", "utf-8")
    exercise = ["exercises/01", "--solutions"]
    sessions = [[str(tmp_path)], exercise, exercise]
    done = subprocess.run(
        [sys.executable, "-c", _SESSIONS, json.dumps(sessions)],
        cwd=KIT,
        env={"PYTHONPATH": str(KIT), "PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    counts, ended = json.loads(done.stdout.splitlines()[-1])
    other, first, second = counts
    assert len(other) == 2 and len(first) > 1 and len(second) > 1, done.stdout
    assert max(other[1:]) <= other[0], "a session of tests outside the exercises froze"
    assert min(first[1:]) > first[0], "nothing was frozen when the exercise checks ran"
    assert max(second[1:]) <= second[0], "a second session froze what it made"
    assert ended == len(sessions), "what a session's set-up threw away was frozen, not freed"
