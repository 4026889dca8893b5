"""Hostile student code ends as a failed test with a clear message, in bounded time and memory,
with the kit unchanged, nothing written outside its copy, no connection made and no process
left behind.

Each folder of ``tests/hostile`` holds a ``hello.py`` for exercise 01 and ``expect.txt``, words
the failure must show. The file is checked through the real plugin, as a student's would be,
and (those that reach outside their copy, marked by a ``confined`` file) through
``checks grade`` as well. What they reach for is written into them where the case says
``os.environ["HOSTILE_*"]`` (the kit, another student's file, a port on which the test
listens, a name in ``/tmp``: the child's environment names nothing of the kit), and ``HOME`` is
a folder of the test's own that holds a secret. They are skipped where Landlock cannot be had.

Each runs with a time limit of ``TIMEOUT`` seconds, or of the seconds in its ``timeout.txt``: a
case that a cap must stop (memory, disk, threads, processes) has time enough to reach it on a
loaded machine, so that the time limit never stops it first. The kit stops it at its cap, so the
longer limit costs nothing unless the cap fails.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import secrets
import socket
import subprocess
import threading
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

from checks.run import sandbox
from tests.support import KIT, copy_kit, run_checks, run_pytest, small_kit

pytestmark = pytest.mark.xdist_group("hostile")
"""One hostile file at a time: each looks for leftover processes on the whole machine."""

HOSTILE = Path(__file__).parent / "hostile"
TIMEOUT = 2
"""Seconds given to each hostile file (the ``checks_timeout`` ini key), unless its case says."""
SECRET = "the secret of the home folder"
TOKEN = "ghp_the-teachers-token"
"""A secret of the teacher's environment (``GITHUB_TOKEN``, ``AWS_SECRET_ACCESS_KEY``)."""
OTHER = "print('the answer of another student')\n"
FORMULA = '=HYPERLINK("example.invalid","other")'
"""The other student's folder name under ``checks grade``: a formula for a spreadsheet."""
ACTIVE = ("\x1b", "\x07", "\u202e")
"""Characters that act on a terminal or reorder a line: never in what a teacher reads."""
CONFINED = sandbox.probe()
REACHING = sorted(p for p in HOSTILE.iterdir() if (p / "confined").exists())


def _fingerprint() -> str:
    """A hash of the kit files a hostile program might try to change."""
    digest = hashlib.sha256()
    kit_files = [*KIT.glob("checks/*.py"), *KIT.glob("exercises/01/*"), KIT / "conftest.py"]
    for path in sorted(p for p in kit_files if p.is_file()):  # not __pycache__/
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def _leftovers(done: subprocess.CompletedProcess[str]) -> list[str]:
    """What outlived a command run under ``tests.subreaper``: the processes it adopted (any
    process that detached, however fast it forks), and any still running by its mark."""
    found = [line for line in done.stderr.splitlines()[-1:] if line != "left=0"]
    for proc in psutil.process_iter():
        try:
            if "hostile-leftover" in " ".join(proc.cmdline()):
                found.append(str(proc))
        except psutil.Error:
            continue
    return found


@dataclass
class Listener:
    """A TCP server on 127.0.0.1 that keeps what each connection offered it."""

    server: socket.socket
    accepted: list[bytes] = field(default_factory=list[bytes])

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self.server.getsockname()[1])

    def serve(self) -> None:
        """Accept until the socket is closed."""
        while True:
            try:
                peer, _ = self.server.accept()
            except OSError:
                return
            with peer:
                peer.settimeout(5)
                try:
                    self.accepted.append(peer.recv(100))
                except OSError:
                    self.accepted.append(b"")


@dataclass
class Datagrams:
    """A socket that keeps every datagram sent to it (UDP on 127.0.0.1, or a Unix path)."""

    server: socket.socket
    received: list[bytes] = field(default_factory=list[bytes])

    def serve(self) -> None:
        """Receive until the socket is closed."""
        while True:
            try:
                self.received.append(self.server.recv(100))
            except OSError:
                return


@dataclass
class Outside:
    """What a hostile program reaches for outside its copy, to check that it was not reached."""

    home: Path
    other: Path
    tmp_name: str
    listener: Listener
    agent: Listener
    """A fake ssh-agent: a Unix socket in a hidden folder, named by ``SSH_AUTH_SOCK``."""
    agent_path: Path
    udp: Datagrams
    datagrams: Datagrams
    datagrams_path: Path

    def env(self) -> dict[str, str]:
        """The variables of the kit's run: the hostile programs' home folder, and a teacher's
        secrets and shell settings that must reach no program (nor change a verdict)."""
        return {
            "HOME": str(self.home),
            "GITHUB_TOKEN": TOKEN,
            "AWS_SECRET_ACCESS_KEY": TOKEN,
            "SSH_AUTH_SOCK": str(self.agent_path),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONSAFEPATH": "1",
        }

    def source(self, case: Path) -> str:
        """The case's hello.py with where it reaches written in (``os.environ["HOSTILE_*"]``
        stands for each place): the child's environment names nothing of the kit, so a
        variable could not tell it."""
        text = (case / "hello.py").read_text(encoding="utf-8")
        places = {
            "HOSTILE_KIT": str(KIT),
            "HOSTILE_OTHER": str(self.other),
            "HOSTILE_PORT": str(self.listener.port),
            "HOSTILE_TMP_NAME": self.tmp_name,
            "HOSTILE_HOME": str(self.home),
            "HOSTILE_AGENT": str(self.agent_path),
            "HOSTILE_UDP": str(self.udp.server.getsockname()[1]),
            "HOSTILE_DATAGRAMS": str(self.datagrams_path),
        }
        for name, value in places.items():
            text = text.replace(f'os.environ["{name}"]', repr(value))
        return text

    def untouched(self) -> None:
        """Nothing was written outside the copy, and no connection was made."""
        assert sorted(p.name for p in self.home.iterdir()) == ["secret.txt"], "home changed"
        assert not Path("/tmp", self.tmp_name).exists(), "a file was written to /tmp"
        assert not (KIT / "hostile-note.txt").exists(), "a file was written into the kit"
        assert self.listener.accepted == [], "a connection was made"
        assert self.agent.accepted == [], "the ssh-agent was asked"
        assert self.udp.received == [], "a UDP datagram was sent"
        assert self.datagrams.received == [], "a datagram reached a Unix socket by its path"


@pytest.fixture
def outside(tmp_path: Path) -> Generator[Outside, None, None]:
    """A home folder with a secret, another student's file, and a listener on 127.0.0.1."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "secret.txt").write_text(SECRET, encoding="utf-8")
    other = tmp_path / "other-student" / "hello.py"
    other.parent.mkdir()
    other.write_text(OTHER, encoding="utf-8")
    server = socket.create_server(("127.0.0.1", 0))
    listener = Listener(server)
    hidden = tmp_path / ".ssh-agent"  # a hidden folder, as ssh-agent's own in /tmp
    hidden.mkdir(mode=0o700)
    agent_path = hidden / "agent.sock"
    agent = Listener(socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
    agent.server.bind(str(agent_path))
    agent.server.listen()
    udp = Datagrams(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
    udp.server.bind(("127.0.0.1", 0))
    datagrams_path = hidden / "log.sock"
    datagrams = Datagrams(socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM))
    datagrams.server.bind(str(datagrams_path))
    threads = [
        threading.Thread(target=serve, daemon=True)
        for serve in (listener.serve, agent.serve, udp.serve, datagrams.serve)
    ]
    for thread in threads:
        thread.start()
    name = f"hostile-{secrets.token_hex(6)}.txt"
    found = Outside(home, other, name, listener, agent, agent_path, udp, datagrams, datagrams_path)
    try:
        yield found
    finally:
        for sock in (server, agent.server, udp.server, datagrams.server):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        for thread in threads:
            thread.join(timeout=5)
        Path("/tmp", found.tmp_name).unlink(missing_ok=True)
        (KIT / "hostile-note.txt").unlink(missing_ok=True)


def _expected(case: Path) -> list[str]:
    return (case / "expect.txt").read_text(encoding="utf-8").splitlines()


def _timeout(case: Path) -> float:
    """The seconds a case may run: its ``timeout.txt``, or ``TIMEOUT``."""
    given = case / "timeout.txt"
    return float(given.read_text(encoding="utf-8")) if given.exists() else TIMEOUT


@pytest.mark.parametrize(
    "case", sorted(p for p in HOSTILE.iterdir() if p.is_dir()), ids=lambda p: p.name
)
def test_hostile_file_fails_cleanly(case: Path, tmp_path: Path, outside: Outside) -> None:
    """The hostile file fails its test with a message; the kit, its files and all that lies
    outside its copy are untouched."""
    if case in REACHING and not sandbox.confined(CONFINED):
        pytest.skip(f"student programs cannot be confined here: {CONFINED}")
    submission = tmp_path / "submission" / "exercises" / "01"
    submission.mkdir(parents=True)
    (submission / "hello.py").write_text(outside.source(case), encoding="utf-8")
    before = _fingerprint()
    timeout = _timeout(case)
    start = time.monotonic()
    done = run_pytest(
        "exercises/01",
        "--submission",
        str(tmp_path / "submission"),
        "-o",
        f"checks_timeout={timeout:g}",
        "-p",
        "no:cacheprovider",
        env=outside.env(),
        reaper=True,
    )
    took = time.monotonic() - start
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    for words in _expected(case):
        assert words in output, f"{words!r} not in:\n{output}"
    assert "Traceback" not in done.stdout.split("FAILURES")[0], output
    assert SECRET not in output
    assert TOKEN not in output
    assert str(outside.agent_path) not in output
    assert not [c for c in ACTIVE if c in output], "a control character reached the terminal"
    assert "another student" not in output
    assert took < timeout + 20, f"took {took:.1f} s"
    assert _fingerprint() == before, "the kit changed"
    assert (submission / "hello.py").read_text(encoding="utf-8") == outside.source(case)
    assert not _leftovers(done), "a process was left behind"
    outside.untouched()


def _student_copy(case: Path, target: Path, outside: Outside) -> Path:
    """A student's copy of a kit of exercise 01 alone, whose hello.py is the hostile file."""
    copy_kit(target, ["01"], parts=("exercises",))
    (target / "exercises" / "01" / "hello.py").write_text(outside.source(case), encoding="utf-8")
    return target


def _grade(
    subs: Path, out: Path, env: dict[str, str], *extra: str, kit: Path = KIT
) -> subprocess.CompletedProcess[str]:
    submissions = [str(p) for p in sorted(subs.iterdir())]
    return run_checks(kit, "grade", *submissions, "--out", str(out), *extra, env=env, reaper=True)


@pytest.mark.skipif(not sandbox.confined(CONFINED), reason=f"cannot confine here: {CONFINED}")
def test_grading_confines_every_submission(tmp_path: Path, outside: Outside) -> None:
    """Under ``checks grade``, each program that reaches out fails exercise 01 with its message,
    reaches nothing, and each report says how the programs were confined. The kit graded holds
    exercise 01 alone: the others would add the same untouched starters to every submission."""
    kit = small_kit(tmp_path / "kit", ["01"])
    subs = tmp_path / "submissions"
    # The other student, whose answer the hostile ones try to read, is graded beside them.
    answer = outside.other.read_bytes()
    outside.other = subs / FORMULA / "exercises" / "01" / "hello.py"
    for case in REACHING:
        _student_copy(case, subs / case.name, outside)
    _student_copy(HOSTILE / "read_other_submission", subs / FORMULA, outside)
    outside.other.write_bytes(answer)
    out = tmp_path / "grades"
    done = _grade(subs, out, outside.env(), "--jobs", "2", kit=kit)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not _leftovers(done), "a process was left behind"
    for case in REACHING:
        report = (out / case.name / "report.txt").read_text(encoding="utf-8")
        for words in _expected(case):
            assert words in report, f"{case.name}: {words!r} not in:\n{report}"
        assert SECRET not in report
        assert TOKEN not in report
        assert "another student" not in report
        for name in ("report.txt", "results.json"):
            text = (out / case.name / name).read_text(encoding="utf-8")
            assert not [c for c in ACTIVE if c in text], f"{case.name}: {name} acts on a terminal"
        assert f"Student programs ran confined to their copy ({CONFINED})" in report, report
    with (out / "grades.csv").open(encoding="utf-8", newline="") as gradebook:
        cells = [cell for row in csv.reader(gradebook) for cell in row]
    assert any(FORMULA in cell for cell in cells), cells
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))], cells
    outside.untouched()


def test_require_stops_at_once_where_confinement_cannot_be_had(tmp_path: Path) -> None:
    """``checks grade --sandbox=require`` without confinement: one line, and exit status 2."""
    if sandbox.confined(CONFINED):
        pytest.skip("this system can confine, so --sandbox=require goes on here")
    (tmp_path / "subs" / "a").mkdir(parents=True)
    done = _grade(tmp_path / "subs", tmp_path / "grades", {}, "--sandbox=require")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()[:-1]) == 1, done.stderr  # less the reaper's
