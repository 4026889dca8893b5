"""The plugin freezes what a process holds once its first session has collected (``gc.freeze``),
and only then: a process that runs one session after another keeps no session's tests alive."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support import KIT

_SESSIONS = """\
import gc, json, sys
import pytest

counts = []

class Record:
    def pytest_runtest_logstart(self):
        counts.append(gc.get_freeze_count())

for _ in range(2):
    pytest.main(["-q", "-p", "no:cacheprovider", "-p", "no:randomly", sys.argv[1]],
                plugins=[Record()])
print(json.dumps(counts))
"""


def test_the_first_session_is_frozen_once_collected_and_only_it(tmp_path: Path) -> None:
    """A session's tests run with what was collected frozen; a second session in the same
    process freezes nothing of its own."""
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["checks.plugin"]\n', "utf-8")
    (tmp_path / "test_one.py").write_text("def test_one():\n    pass\n", "utf-8")
    done = subprocess.run(
        [sys.executable, "-c", _SESSIONS, str(tmp_path)],
        cwd=tmp_path,
        env={"PYTHONPATH": str(KIT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout.splitlines()[-1])
    assert len(counts) == 2, done.stdout
    first, second = counts
    assert first > 0, "nothing was frozen when the first session's tests ran"
    # What the first session froze and no longer holds is freed as ever (by its count of
    # references), so the count may only fall.
    assert second <= first, "the second session froze what it made: its tests stay alive"
