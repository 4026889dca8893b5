"""The self-study verbs, driven as a student drives them: ``python -m checks ...`` in a copy.

Every test runs the real command in a child process, in a small copy of the kit made by
``tests/support.py`` (exercise 01 and a toy exercise 02), so nothing in the real tree
changes. ``watch`` is driven through its standard input (keys) and by saving files, and once
through a pseudo-terminal, where keys arrive one by one without Enter.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.support import TOY_HINTS, run_checks, study_kit, write

SOLVED_01 = 'print("Hello, Python!")\n'
SOLVED_02 = "print(42)\n"
RECHECK_WITHIN = 2.0
"""Seconds from a save to the start of its check, as the issue promises."""


@pytest.fixture
def kit(tmp_path: Path) -> Path:
    """A fresh small copy of the kit."""
    return study_kit(tmp_path / "kit")


def _no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr


# The progress table.


def test_progress_lists_exercises_and_names_the_next(kit: Path) -> None:
    """With nothing solved, every exercise is not done, and 01 is next with its goal and command."""
    done = run_checks(kit)
    assert done.returncode == 0, done.stderr
    assert "Your progress: 0 of 2 exercises done" in done.stdout
    assert "01  not yet  The journey of one line  <- next" in done.stdout
    assert "02  not yet  The answer" in done.stdout
    assert "Your next exercise: 01, The journey of one line" in done.stdout
    assert "Make hello.py print exactly: Hello, Python!" in done.stdout
    assert "uv run pytest exercises/01" in done.stdout
    assert max(len(line) for line in done.stdout.splitlines()) <= 80


def test_progress_is_the_verdict_of_the_files(kit: Path) -> None:
    """Solving 01 makes it done and 02 next; breaking it again makes it not done again."""
    write(kit / "exercises/01/hello.py", SOLVED_01)
    solved = run_checks(kit).stdout
    assert "Your progress: 1 of 2 exercises done" in solved
    assert "01  done" in solved
    assert "Your next exercise: 02, The answer" in solved
    write(kit / "exercises/01/hello.py", 'print("Hello, Python")\n')
    broken = run_checks(kit).stdout
    assert "01  not yet" in broken, "a kept verdict outlived the file it judged"
    assert "Your next exercise: 01" in broken


def test_progress_follows_the_kit_tests_too(kit: Path) -> None:
    """A change to an exercise's tests (not the student's file) changes the verdict at once."""
    assert "02  not yet" in run_checks(kit).stdout
    test = kit / "exercises/02/test_answer.py"
    test.write_text(test.read_text(encoding="utf-8").replace('["42"]', '["41"]'), encoding="utf-8")
    assert "02  done" in run_checks(kit).stdout


def test_progress_reuses_verdicts_when_nothing_changed(kit: Path) -> None:
    """A second table with no file changed runs no tests: the verdict cache is left as it was."""
    run_checks(kit)
    cache = kit / ".checks/verdicts.json"
    before = cache.stat().st_mtime_ns, cache.read_bytes()
    again = run_checks(kit)
    assert again.returncode == 0
    assert (cache.stat().st_mtime_ns, cache.read_bytes()) == before


def test_progress_when_everything_passes(kit: Path) -> None:
    """With every exercise solved, the table says so instead of naming a next one."""
    write(kit / "exercises/01/hello.py", SOLVED_01)
    write(kit / "exercises/02/answer.py", SOLVED_02)
    done = run_checks(kit)
    assert "All 2 exercises pass. Well done!" in done.stdout
    assert "Next:" not in done.stdout


@pytest.mark.parametrize(
    ("env", "coloured"),
    [
        ({}, False),
        ({"FORCE_COLOR": "1"}, True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
        ({"FORCE_COLOR": "1", "TERM": "dumb"}, True),
    ],
    ids=["pipe", "force", "no-color-wins", "force-on-dumb"],
)
def test_colour_only_where_wanted(kit: Path, env: dict[str, str], coloured: bool) -> None:
    """No escape codes in a pipe or with NO_COLOR; FORCE_COLOR asks for them."""
    done = run_checks(kit, env=env)
    assert ("\x1b[" in done.stdout) is coloured


# Hints.


def test_hint_gives_the_next_one_each_time(kit: Path) -> None:
    """Each `hint 02` gives the following hint, and the last one again once all were seen."""
    shown = [run_checks(kit, "hint", "02").stdout for _ in range(4)]
    for number, (output, text) in enumerate(zip(shown[:3], TOY_HINTS, strict=True), 1):
        assert f"hint {number} of 3" in output
        assert text in output
    assert "That was the last hint." in shown[2]
    assert "hint 3 of 3" in shown[3]
    assert "You have seen all 3 hints" in shown[3]


def test_hint_all_lists_every_hint(kit: Path) -> None:
    """`hint 2 --all` lists the three hints, numbered, whatever was seen before."""
    done = run_checks(kit, "hint", "2", "--all")
    assert done.returncode == 0
    for number, text in enumerate(TOY_HINTS, 1):
        assert f"{number}. {text}" in done.stdout


def test_hint_without_a_number_is_for_the_next_exercise(kit: Path) -> None:
    """`hint` alone gives a hint of the first exercise that does not pass yet."""
    write(kit / "exercises/01/hello.py", SOLVED_01)
    done = run_checks(kit, "hint")
    assert "Exercise 02, The answer: hint 1 of 3" in done.stdout


# Reset.


def _kept_folder(kit: Path, output: str) -> Path:
    found = re.search(r"Your version is kept in (\S+)/ \(", output)
    assert found, output
    return kit / found.group(1)


def test_reset_puts_the_starter_back_and_keeps_the_attempt(kit: Path) -> None:
    """`reset 01 --yes` restores the starter; the attempt is in the folder the message names."""
    attempt = 'print("my own attempt")\n'
    write(kit / "exercises/01/hello.py", attempt)
    done = run_checks(kit, "reset", "01", "--yes")
    assert done.returncode == 0, done.stderr
    starter = (kit / "starters/01/hello.py").read_bytes()
    assert (kit / "exercises/01/hello.py").read_bytes() == starter
    kept = _kept_folder(kit, done.stdout)
    assert kept.parent == kit / ".checks/backups"
    assert (kept / "hello.py").read_text(encoding="utf-8") == attempt


def test_reset_asks_first(kit: Path) -> None:
    """Without --yes, reset asks; `n` changes nothing, `y` resets."""
    attempt = 'print("keep me")\n'
    write(kit / "exercises/01/hello.py", attempt)
    declined = run_checks(kit, "reset", "01", stdin="n\n")
    assert declined.returncode == 0
    assert "[y/N]" in declined.stdout
    assert "Nothing changed." in declined.stdout
    assert (kit / "exercises/01/hello.py").read_text(encoding="utf-8") == attempt
    accepted = run_checks(kit, "reset", "01", stdin="y\n")
    assert accepted.returncode == 0
    assert (kit / "exercises/01/hello.py").read_bytes() == (
        kit / "starters/01/hello.py"
    ).read_bytes()


def test_reset_twice_keeps_both_attempts(kit: Path) -> None:
    """Two resets in the same second keep two backups, never one over the other."""
    kept: list[Path] = []
    for attempt in ('print("first")\n', 'print("second")\n'):
        write(kit / "exercises/01/hello.py", attempt)
        kept.append(_kept_folder(kit, run_checks(kit, "reset", "01", "--yes").stdout))
    assert kept[0] != kept[1]
    assert (kept[0] / "hello.py").read_text(encoding="utf-8") == 'print("first")\n'
    assert (kept[1] / "hello.py").read_text(encoding="utf-8") == 'print("second")\n'


def test_reset_brings_back_a_deleted_file(kit: Path) -> None:
    """A student file that was deleted comes back; the message says there was nothing to keep."""
    (kit / "exercises/01/hello.py").unlink()
    done = run_checks(kit, "reset", "1", "--yes")
    assert done.returncode == 0, done.stderr
    assert "nothing to keep" in done.stdout
    assert (kit / "exercises/01/hello.py").exists()


# Solution.


def test_solution_stays_hidden_while_failing(kit: Path) -> None:
    """While 01 fails, `solution 01` exits 1, says what still fails and shows no solution."""
    done = run_checks(kit, "solution", "01")
    assert done.returncode == 1
    assert "does not pass yet" in done.stdout
    assert "prints hello: Expected hello.py to run to the end" in done.stdout
    assert 'print("Hello, Python!")' not in done.stdout


def test_solution_shown_once_passing(kit: Path) -> None:
    """Once 02 passes, `solution 02` prints the reference file."""
    write(kit / "exercises/02/answer.py", "x = 6 * 7\nprint(x)\n")
    done = run_checks(kit, "solution", "02")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "solutions/02/answer.py" in done.stdout
    assert "print(42)" in done.stdout


# Bad input: one line on stderr, exit status 2, no traceback.


@pytest.mark.parametrize(
    ("args", "damage", "words"),
    [
        (("hint", "11"), "", "there is no exercise '11' (the exercises are 01 to 02)"),
        (("reset", "eleven", "--yes"), "", "there is no exercise 'eleven'"),
        (("solution", "11"), "", "there is no exercise '11'"),
        (("reset", "01", "--yes"), "", "exercise 01 is untouched"),
        (("reset", "02", "--yes"), "starters/02", "no starter for exercise 02"),
        (("solution", "01"), "solutions", "no solutions/ folder"),
        (("solution", "01"), "solutions/01/hello.py", "solutions/01/hello.py is missing"),
        (("reset", "01"), "", "exercise 01 is untouched"),
        (("watch",), "exercises/01/exercise.toml+02", "no exercises found"),
    ],
    ids=[
        "hint-unknown",
        "reset-unknown",
        "solution-unknown",
        "reset-untouched",
        "reset-no-starter",
        "solution-classroom-copy",
        "solution-missing-file",
        "reset-untouched-asking",
        "watch-no-exercises",
    ],
)
def test_bad_input(kit: Path, args: tuple[str, ...], damage: str, words: str) -> None:
    """Each verb answers input it cannot use with one line on stderr and exit status 2."""
    for name in filter(None, damage.split("+")):
        path = kit / name if "/" in name or name == "solutions" else kit / "exercises" / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    done = run_checks(kit, *args)
    _no_traceback(done)
    assert done.returncode == 2, done.stdout + done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stderr.startswith(f"checks {args[0]}: "), done.stderr
    assert words in done.stderr


def test_reset_without_an_answer_is_bad_input(kit: Path) -> None:
    """A reset that asks when nobody can answer (input closed) changes nothing and exits 2."""
    write(kit / "exercises/01/hello.py", 'print("keep me")\n')
    done = run_checks(kit, "reset", "01", stdin="")
    _no_traceback(done)
    assert done.returncode == 2
    assert "--yes" in done.stderr
    assert (kit / "exercises/01/hello.py").read_text(encoding="utf-8") == 'print("keep me")\n'


# Watch.


class Session:
    """A `checks watch` in the kit: keys go to its stdin, its output is read as it comes."""

    def __init__(self, kit: Path, *args: str, env: dict[str, str] | None = None) -> None:
        env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1", **(env or {})}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "checks", "watch", *args],
            cwd=kit,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=env,
        )
        self.output = ""
        self.mark = 0
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._lock:
                self.output += line

    def wait_for(self, text: str, timeout: float = 90) -> float:
        """Wait until ``text`` appears after the mark; the seconds it took. Moves the mark."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            with self._lock:
                found = self.output.find(text, self.mark)
            if found >= 0:
                self.mark = found + len(text)
                return time.monotonic() - started
            if self.process.poll() is not None and found < 0:
                time.sleep(0.2)
                with self._lock:
                    if self.output.find(text, self.mark) < 0:
                        break
            time.sleep(0.02)
        pytest.fail(f"{text!r} did not appear; the session said:\n{self.output[self.mark :]}")

    def key(self, key: str) -> None:
        """Press a key."""
        assert self.process.stdin is not None
        self.process.stdin.write(key)
        self.process.stdin.flush()

    def end(self, timeout: float = 30) -> int:
        """Wait for the session to end by itself; its exit status."""
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self.close()

    def close(self) -> None:
        """Kill the session if it still runs, and close its pipes."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._reader.join(timeout=10)
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


@pytest.fixture
def sessions() -> Iterator[list[Session]]:
    """Watch sessions started by a test, killed if the test leaves them running."""
    started: list[Session] = []
    yield started
    for session in started:
        session.close()


def test_watch_rechecks_on_save_and_moves_on(kit: Path, sessions: list[Session]) -> None:
    """watch shows 01's failure, checks again within 2 s of a save, moves to 02, h/l work."""
    session = Session(kit)
    sessions.append(session)
    session.wait_for("exercise 01: The journey of one line")
    session.wait_for("Not yet: 1 of 1 checks fail.")
    session.wait_for("hello.py stopped at the PARSE stage")
    session.wait_for("h hint   l list   q quit")
    write(kit / "exercises/01/hello.py", SOLVED_01)
    assert session.wait_for("Checking exercise 01...") < RECHECK_WITHIN
    session.wait_for("exercise 02: The answer")
    session.wait_for("Exercise 01 passes! (The journey of one line) On to exercise 02.")
    session.key("h")
    session.wait_for(f"Hint 1 of 3:\n  {TOY_HINTS[0]}")
    session.key("l")
    session.wait_for("Your progress: 1 of 2 exercises done")
    session.wait_for("02  not yet  The answer  <- next")
    write(kit / "exercises/02/answer.py", "print(41 + 1)\n")
    session.wait_for("Exercise 02 passes!")
    session.wait_for("All 2 exercises pass. Well done!")
    assert session.end() == 0
    assert "Traceback" not in session.output
    assert (kit / ".checks/hints.json").read_text(encoding="utf-8").count('"02": 1') == 1


def test_watch_shows_each_new_verdict(kit: Path, sessions: list[Session]) -> None:
    """A save that fixes one mistake but not the next shows the new failure, then q quits."""
    session = Session(kit)
    sessions.append(session)
    session.wait_for("SyntaxError: unterminated string literal")
    write(kit / "exercises/01/hello.py", 'print("Hello, Python")\n')
    session.wait_for("Checking exercise 01...")
    session.wait_for("Not yet: 1 of 1 checks fail.")
    session.wait_for("Hello, Python")
    session.key("q")
    assert session.end(timeout=10) == 0


def test_watch_polling(kit: Path, sessions: list[Session]) -> None:
    """With --poll (for file systems that send no events) a save is still checked within 2 s."""
    session = Session(kit, "--poll")
    sessions.append(session)
    session.wait_for("h hint   l list   q quit")
    write(kit / "exercises/01/hello.py", SOLVED_01)
    assert session.wait_for("Checking exercise 01...") < RECHECK_WITHIN
    session.wait_for("Exercise 01 passes!")
    session.key("q")
    assert session.end(timeout=10) == 0


def test_watch_when_no_file_event_arrives(kit: Path, sessions: list[Session]) -> None:
    """Where file events never come (here: a poller told to look every ten minutes), a save is
    still checked within 2 s, by comparing the files' size and time."""
    session = Session(kit, "--poll", env={"WATCHFILES_POLL_DELAY_MS": "600000"})
    sessions.append(session)
    session.wait_for("h hint   l list   q quit")
    write(kit / "exercises/01/hello.py", SOLVED_01)
    assert session.wait_for("Checking exercise 01...") < RECHECK_WITHIN
    session.wait_for("Exercise 01 passes!")
    session.key("q")
    assert session.end(timeout=10) == 0


def test_watch_quits_during_a_long_check(kit: Path, sessions: list[Session]) -> None:
    """q during a check that would take long (a program that never ends, under a time limit of
    an hour: only q can end the check) quits, and leaves no process behind."""
    write(kit / "exercises/01/hello.py", "while True:\n    pass\n")
    pyproject = kit / "pyproject.toml"
    settings = pyproject.read_text(encoding="utf-8")
    assert 'checks_timeout = "10"' in settings
    pyproject.write_text(settings.replace('checks_timeout = "10"', 'checks_timeout = "3600"'))
    session = Session(kit)
    sessions.append(session)
    session.wait_for("Checking exercises 01 and 02...")
    time.sleep(1)
    family = psutil.Process(session.process.pid).children(recursive=True)
    session.key("q")
    assert session.end(timeout=600) == 0
    time.sleep(0.5)
    assert not [p for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def test_watch_when_everything_passes(kit: Path) -> None:
    """With nothing left to do, watch shows the table, says so and ends."""
    write(kit / "exercises/01/hello.py", SOLVED_01)
    write(kit / "exercises/02/answer.py", SOLVED_02)
    done = run_checks(kit, "watch")
    assert done.returncode == 0
    assert "Your progress: 2 of 2 exercises done" in done.stdout
    assert "All 2 exercises pass." in done.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_watch_in_a_terminal(kit: Path) -> None:
    """In a real (pseudo-)terminal a single key without Enter acts, and the terminal's settings
    are given back as they were."""
    import pty
    import termios

    leader, follower = pty.openpty()
    before = termios.tcgetattr(follower)
    env = {**os.environ, "COLUMNS": "80", "TERM": "xterm", "NO_COLOR": ""}
    process = subprocess.Popen(
        [sys.executable, "-m", "checks", "watch"],
        cwd=kit,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
    )
    screen = b""
    try:
        deadline = time.monotonic() + 90
        while b"q quit" not in screen and time.monotonic() < deadline:
            screen += _read_some(leader)
        assert b"\x1b[2J" in screen, "the screen is cleared between checks"
        assert b"\x1b[" in screen.replace(b"\x1b[2J", b"").replace(b"\x1b[3J", b"").replace(
            b"\x1b[H", b""
        ), "a terminal gets colour"
        os.write(leader, b"h")
        deadline = time.monotonic() + 10
        while b"Hint 1 of 3" not in screen and time.monotonic() < deadline:
            screen += _read_some(leader)
        assert b"Hint 1 of 3" in screen
        os.write(leader, b"q")
        assert process.wait(timeout=10) == 0
        assert termios.tcgetattr(follower) == before
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)
        os.close(follower)


def _read_some(fd: int) -> bytes:
    import select

    ready, _, _ = select.select([fd], [], [], 0.1)
    return os.read(fd, 65536) if ready else b""


# Watch's editor key, its hints and its end, as a student meets them (issue 23).


def _fake_editor(folder: Path, name: str) -> Path:
    """An editor on PATH that writes the arguments it was given to ``args.txt`` beside it."""
    script = folder / name
    write(
        script,
        f'#!{sys.executable}\nimport sys, pathlib\npathlib.Path(r"{folder}", "args.txt").write_text("\\n".join(sys.argv[1:]))\n',
    )
    script.chmod(0o755)
    return folder / "args.txt"


def _written(path: Path) -> str:
    """What the fake editor wrote, once it has (it runs beside watch, not waited for)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        if text:
            return text
        time.sleep(0.05)
    pytest.fail(f"the editor never wrote {path}")


def _editor_env(folder: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VISUAL", "EDITOR")}
    return {**env, "PATH": f"{folder}{os.pathsep}{Path(sys.executable).parent}", **extra}


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX script stands for the editor")
def test_watch_e_opens_the_files_in_code_found_on_path(
    kit: Path, tmp_path: Path, sessions: list[Session]
) -> None:
    """With no VISUAL or EDITOR, e opens the exercise's file in VS Code's code from PATH."""
    written = _fake_editor(tmp_path / "bin", "code")
    session = Session(kit, env=_editor_env(tmp_path / "bin"))
    sessions.append(session)
    session.wait_for("e edit   h hint   l list   q quit")
    session.key("e")
    session.wait_for("Opened exercises/01/hello.py in code.")
    assert _written(written) == str(kit / "exercises/01/hello.py")
    session.key("q")
    assert session.end(timeout=10) == 0


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX script stands for the editor")
def test_watch_editor_option_visual_and_none(
    kit: Path, tmp_path: Path, sessions: list[Session]
) -> None:
    """--editor wins over VISUAL; --no-editor and a machine with no editor each say so."""
    written = _fake_editor(tmp_path / "bin", "mine")
    _fake_editor(tmp_path / "other", "theirs")
    env = _editor_env(tmp_path / "bin", VISUAL=str(tmp_path / "other/theirs"))
    session = Session(kit, "--editor", "mine --wait", env=env)
    sessions.append(session)
    session.key("e")
    session.wait_for("Opened exercises/01/hello.py in mine.")
    session.key("q")
    assert session.end(timeout=10) == 0
    assert _written(written).splitlines()[0] == "--wait"
    off = Session(kit, "--no-editor", env=env)
    sessions.append(off)
    off.key("e")
    off.wait_for("Opening files is turned off (--no-editor).")
    off.key("q")
    assert off.end(timeout=10) == 0
    bare = Session(kit, env=_editor_env(tmp_path / "empty"))
    sessions.append(bare)
    bare.key("e")
    bare.wait_for("No editor found: set VISUAL or EDITOR")
    bare.key("q")
    assert bare.end(timeout=10) == 0


def test_watch_hint_fits_a_file_that_no_longer_stops(kit: Path, sessions: list[Session]) -> None:
    """Once hello.py runs to the end but prints the wrong words, h skips the hints about where
    it stops (01's first two) and gives the one about what it prints."""
    write(kit / "exercises/01/hello.py", 'print("Hello, Python")\n')
    session = Session(kit)
    sessions.append(session)
    session.wait_for("Not yet: 1 of 1 checks fail.")
    session.key("h")
    session.wait_for("Hint 3 of 3:")
    assert "Which of the four stages" not in session.output
    session.key("q")
    assert session.end(timeout=10) == 0


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_watch_in_tmux_ends_with_a_word(kit: Path) -> None:
    """In a tmux pane, as a student runs it: no "Checking..." line stays under the footer, and
    when the last open exercise passes the pane says all pass and how to see the table, and
    stays until a key is pressed."""
    write(kit / "exercises/01/hello.py", SOLVED_01)
    socket = ["tmux", "-L", f"checks-{os.getpid()}", "-f", os.devnull]
    command = f"cd {kit} && NO_COLOR= COLUMNS=80 {sys.executable} -m checks watch"
    subprocess.run(
        [*socket, "new-session", "-d", "-s", "watch", "-x", "90", "-y", "40", command],
        check=True,
    )

    def pane() -> str:
        done = subprocess.run(
            [*socket, "capture-pane", "-p", "-t", "watch"],
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout if done.returncode == 0 else ""

    def wait_for(text: str) -> str:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            shown = pane()
            if text in shown:
                return shown
            time.sleep(0.1)
        pytest.fail(f"{text!r} never showed in the pane:\n{pane()}")

    try:
        wait_for("e edit   h hint   l list   q quit")
        write(kit / "exercises/02/answer.py", "print(42)\n")
        shown = wait_for("Press any key to leave watch.")
        assert "All 2 exercises pass." in shown
        assert "`uv run checks` shows the table of all of them." in shown
        assert "Checking exercise" not in shown
        time.sleep(0.5)
        assert "Press any key to leave watch." in pane(), "the pane stays"
        subprocess.run([*socket, "send-keys", "-t", "watch", "x"], check=True)
        deadline = time.monotonic() + 30
        while pane() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not pane(), "a key ends watch"
    finally:
        subprocess.run([*socket, "kill-server"], capture_output=True, check=False)


def test_after_a_reset_the_footer_names_no_exercise_already_done(tmp_path: Path) -> None:
    """Passing 01 again after a reset, with 02 known to pass, names no next exercise: all pass."""
    kit = study_kit(tmp_path / "kit")
    write(kit / "exercises/02/answer.py", "print(42)\n")
    table = run_checks(kit)  # the progress table: 02 passes, and is remembered by content
    assert "02" in table.stdout, table.stdout + table.stderr
    shutil.copyfile(kit / "solutions/01/hello.py", kit / "exercises/01/hello.py")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "exercises/01", "-p", "no:randomly"],
        cwd=kit,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Your next exercise is 02" not in done.stdout, done.stdout
    assert "Every exercise passes now. `uv run checks` shows the whole table." in done.stdout
