"""Places in a student's file as OSC 8 links: in a terminal, never in a pipe or in a report.

The runs are real: pytest and ``checks stage`` in a pseudo-terminal (what a student's terminal
is to a program) and through a pipe, on the kit's own starter of exercise 03.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from checks.links import LINK_END, file_uri, hyperlink, link_places
from tests.support import KIT, run_pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")

OSC8 = b"\x1b]8;;"
CRASH_LINK = re.compile(
    rb"\x1b\]8;;file://[^/\x1b]+(?P<path>/[^#\x1b]*/exercises/03/crashes\.py)#(?P<line>\d+)"
    rb"\x1b\\(?P<text>[\w/]*crashes\.py:(?P<shown>\d+))\x1b\]8;;\x1b\\"
)
"""An OSC 8 link around ``crashes.py:NN``, to the student's file at that line."""


def in_terminal(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> bytes:
    """Run ``python ARGS`` in the kit with a pseudo-terminal as its output; all it wrote."""
    import pty
    import select

    leader, follower = pty.openpty()
    environment = {**os.environ, "TERM": "xterm", "COLUMNS": "100", **(env or {})}
    for name in ("NO_COLOR", "FORCE_COLOR", "PY_COLORS"):
        if name not in (env or {}):
            environment.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, *args],
        cwd=KIT,
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env=environment,
    )
    os.close(follower)
    screen = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # the program ended and closed the terminal
                    break
                if not chunk:
                    break
                screen += chunk
            elif process.poll() is not None:
                break
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)
    return screen


def test_a_place_becomes_a_link(tmp_path: Path) -> None:
    """``name:LINE`` and ``line N of name`` of a file that exists become links to that line;
    a program's quoted output and a file that is not there stay as they were."""
    (tmp_path / "crashes.py").write_text("x\n", encoding="utf-8")
    text = (
        "    --> crashes.py:18\n"
        "it stopped on line 4 of crashes.py with an error\n"
        "    | crashes.py:3 (printed by the program)\n"
        "other.py:2"
    )
    linked = link_places(text, tmp_path, ["crashes.py", "other.py"]).split("\n")
    target = tmp_path / "crashes.py"
    assert linked[0] == "    --> " + hyperlink("crashes.py:18", target, 18)
    assert linked[1] == "it stopped on " + hyperlink("line 4 of crashes.py", target, 4) + (
        " with an error"
    )
    assert linked[2:] == text.split("\n")[2:]
    uri = file_uri(target, 18)
    assert re.fullmatch(r"file://[^/]+/.*/crashes\.py#18", uri), uri
    assert link_places(linked[0], tmp_path, ["crashes.py"]) == linked[0], "never linked twice"


def test_a_failing_run_in_a_terminal_links_the_line(tmp_path: Path) -> None:
    """A student's failing run of exercise 03 in a terminal shows ``crashes.py:NN`` as a link
    to that line of their file, while the Gradescope report of the same run stays plain."""
    results = tmp_path / "results.json"
    screen = in_terminal(
        "-m", "pytest", "exercises/03", "-p", "no:cacheprovider", "--gradescope", str(results)
    )
    found = CRASH_LINK.search(screen)
    assert found is not None, screen.decode(errors="replace")
    assert found["line"] == found["shown"]
    assert Path(found["path"].decode()) == (KIT / "exercises/03/crashes.py").resolve()
    report = results.read_text(encoding="utf-8")
    assert "crashes.py:" in report, "the report has the message"
    assert "\x1b" not in report and "\\u001b" not in report, "and no link in it"
    assert json.loads(report)["tests"]


@pytest.mark.parametrize(
    ("args", "env"),
    [
        ((), {"NO_COLOR": "1"}),
        ((), {"TERM": "dumb"}),
        (("--color=no",), {}),
    ],
    ids=["NO_COLOR", "TERM=dumb", "--color=no"],
)
def test_a_terminal_that_refuses_colour_gets_no_link(
    args: tuple[str, ...], env: dict[str, str]
) -> None:
    """``NO_COLOR``, ``TERM=dumb`` and pytest's own ``--color=no`` turn the links off."""
    screen = in_terminal("-m", "pytest", "exercises/03", "-p", "no:cacheprovider", *args, env=env)
    assert b"crashes.py:" in screen, screen.decode(errors="replace")
    assert OSC8 not in screen


def test_a_piped_run_gets_no_link() -> None:
    """Output to a pipe (a file, another program) holds the place as plain text."""
    done = run_pytest("exercises/03", "-p", "no:cacheprovider", "--color=yes")
    assert re.search(r"--> crashes\.py:\d+\n", done.stdout), done.stdout
    assert "\x1b]8" not in done.stdout


def test_checks_stage_links_in_a_terminal_only() -> None:
    """``checks stage`` shows where a file stops as ``FILE:LINE``, a link in a terminal only."""
    screen = in_terminal("-m", "checks", "stage", "exercises/03/crashes.py")
    found = CRASH_LINK.search(screen)
    assert found is not None, screen.decode(errors="replace")
    assert found["text"].startswith(b"exercises/03/")
    piped = subprocess.run(
        [sys.executable, "-m", "checks", "stage", "exercises/03/crashes.py"],
        cwd=KIT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert re.search(r"  --> exercises/03/crashes\.py:\d+\n", piped.stdout), piped.stdout
    assert LINK_END not in piped.stdout


def _checks(*args: str, cwd: Path = KIT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "checks", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def test_checks_stage_skips_the_kits_own_files() -> None:
    """``checks stage exercises/05/*.py`` judges the student's four files and skips the kit's
    tests with a one-line note, never reporting them as a student file that cannot import."""
    files = sorted(str(p.relative_to(KIT)) for p in (KIT / "exercises/05").glob("*.py"))
    done = _checks("stage", *files)
    assert "ModuleNotFoundError" not in done.stdout + done.stderr
    assert done.stderr.strip() == (
        "checks stage: skipped exercises/05/test_stages.py: the kit's own tests for exercise "
        "05, not a file of yours (`uv run pytest exercises/05` runs them)"
    )
    judged = [line for line in done.stdout.splitlines() if line.startswith("exercises/05/")]
    assert len(judged) == 4, done.stdout
    assert done.returncode == 0
    assert "skipped with a one-line note" in _checks("stage", "--help").stdout


def test_checks_stage_on_a_folder_too_large_to_copy(tmp_path: Path) -> None:
    """A file in a folder over 64 MiB gets one clear line, not a traceback from the kit."""
    (tmp_path / "hello.py").write_text("print('hi')\n", encoding="utf-8")
    with (tmp_path / "big.bin").open("wb") as big:
        big.truncate(65 * 2**20)  # sparse: no disk used
    done = _checks("stage", str(tmp_path / "hello.py"), str(tmp_path / "hello.py"))
    assert "Traceback" not in done.stderr, done.stderr
    said = (
        f"checks stage: cannot run {tmp_path / 'hello.py'}: {tmp_path} holds more than 64 MiB; "
        "remove the large files."
    )
    assert done.stderr.strip().splitlines() == [said, said]
    assert done.returncode == 2
