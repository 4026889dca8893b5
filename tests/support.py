"""Shared pieces of the kit's own tests: running the kit's pytest as a student would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent


def run_pytest(
    *args: str, cwd: Path = KIT, env: dict[str, str] | None = None, reaper: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run the kit's pytest in a child process, as a student or a grader would (``reaper``:
    under ``tests.subreaper``, whose last line of stderr says how many processes outlived it)."""
    wrapper = [sys.executable, "-m", "tests.subreaper"] if reaper else []
    return subprocess.run(
        [*wrapper, sys.executable, "-m", "pytest", "-p", "no:randomly", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env={**os.environ, **(env or {})},
        timeout=600,
        check=False,
    )
