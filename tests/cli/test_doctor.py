"""``checks doctor``: one line per part of the set-up, each OK, WARN or FAIL, and an exit status."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from checks.cli.doctor import Status, python_check
from tests.support import KIT

SUBJECTS = ["Python", "kit", "pyright", "node", "confinement", "git", "disk", "terminal"]
LINE = re.compile(r"^(OK  |WARN|FAIL)  (?P<subject>[a-zA-Z]+): (?P<found>.+)$")
DOCTOR_TIMEOUT = 600
"""Seconds the whole doctor may take (pyright's cold start on a loaded machine)."""


def _doctor(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "checks", "doctor"],
        cwd=KIT,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=DOCTOR_TIMEOUT,
        check=False,
    )


def _lines(output: str) -> dict[str, tuple[str, str, list[str]]]:
    """Each checked subject: its status, what was found, and the advice lines under it."""
    found: dict[str, tuple[str, str, list[str]]] = {}
    subject = ""
    for line in output.splitlines():
        matched = LINE.match(line)
        if matched:
            subject = matched["subject"]
            found[subject] = (line[:4].strip(), matched["found"], [])
        elif line.startswith("      ") and subject:
            found[subject][2].append(line.strip())
    return found


def test_doctor_reads_every_part_of_the_set_up() -> None:
    """Every part gets one line, OK/WARN/FAIL with what was found; a FAIL sets the exit status."""
    done = _doctor({**os.environ, "NO_COLOR": "1"})
    lines = _lines(done.stdout)
    assert list(lines) == SUBJECTS, done.stdout
    assert lines["Python"][0] == "OK", "the kit's own tests run on a supported Python"
    assert lines["Python"][1].startswith(".".join(map(str, sys.version_info[:3])))
    assert lines["pyright"][0] == "OK", done.stdout
    assert lines["node"][0] == "OK", done.stdout
    assert "no colours" in lines["terminal"][1], "piped output gets no colour"
    for subject, (status, _, advice) in lines.items():
        assert status == "OK" or advice, f"{subject}: a WARN or FAIL says what to do"
    failed = any(status == "FAIL" for status, _, _ in lines.values())
    assert done.returncode == (1 if failed else 0), done.stdout
    assert "\x1b[" not in done.stdout


def test_no_git_on_path_is_said_with_what_to_do(tmp_path: Path) -> None:
    """With no git on PATH, the git line is a WARN that says to install git."""
    bare = tmp_path / "bin"
    bare.mkdir()
    done = _doctor({**os.environ, "PATH": str(bare), "NO_COLOR": "1"})
    status, found, advice = _lines(done.stdout)["git"]
    assert (status, found) == ("WARN", "not found on PATH"), done.stdout
    assert "Install git" in advice[0]


def test_an_unsupported_python_is_a_fail() -> None:
    """A Python outside 3.10 to 3.15 is a FAIL that names a supported one to use."""
    too_old = python_check((3, 9, 18))
    assert too_old.status is Status.FAIL
    assert "3.9.18" in too_old.found and "3.10 to 3.15" in too_old.found
    assert "uv run --python" in too_old.todo
    too_new = python_check((3, 16, 0))
    assert too_new.status is Status.FAIL
    assert python_check((3, 15, 2)).status is Status.OK
    assert python_check((3, 10, 0)).status is Status.OK
