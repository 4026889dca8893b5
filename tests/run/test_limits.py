"""Caps over a whole run: what its folders gain, counted after the program ended too, and the
ini keys a teacher sets them with."""

from __future__ import annotations

import contextlib
import math
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks.model import Stage
from checks.run import holdings, limits, watch
from checks.run.holdings import held_files
from checks.run.limits import MIB, Limits, kill_tree, size_text
from checks.run.program import run_file
from tests.support import run_pytest

WRITER = """
from pathlib import Path
for n in range(4):
    (Path.home() / f"part-{n}.bin").write_bytes(b"x" * 1024 * 1024)
print("done")
"""


def test_bytes_written_into_home_count_even_when_the_program_ended(tmp_path: Path) -> None:
    """4 MiB into the home folder, under a cap of 1 MiB: a failed run that says how much."""
    program = tmp_path / "writer.py"
    program.write_text(WRITER, encoding="utf-8")
    run = run_file(program, cached=False, limits=Limits(disk=MIB))
    assert "into its folders" in run.message, run.message
    assert "the limit is 1 MiB" in run.message, run.message
    assert run.stage is not Stage.OK


def test_a_cap_under_what_the_program_writes_is_met_only_when_crossed(tmp_path: Path) -> None:
    """The same program under the default cap runs to its end."""
    program = tmp_path / "writer.py"
    program.write_text(WRITER, encoding="utf-8")
    run = run_file(program, cached=False)
    assert run.lines == ["done"], run.output


def test_sizes_read_as_a_person_reads_them() -> None:
    """Bytes, KiB, MiB and GiB, with one decimal where it tells something."""
    assert [size_text(n) for n in (5, 2048, 256 * MIB, int(1.4 * 1024 * MIB))] == [
        "5 bytes",
        "2 KiB",
        "256 MiB",
        "1.4 GiB",
    ]


def test_a_use_past_a_cap_never_reads_as_the_cap() -> None:
    """1 GiB and a page used, past a cap of 1 GiB: not "it used 1 GiB; the limit is 1 GiB"."""
    assert watch._past(1024 * MIB + 4096, 1024 * MIB) == "more than 1 GiB"
    assert watch._past(1200 * MIB, 1024 * MIB) == "1.2 GiB"


def test_a_cap_that_is_no_number_is_refused_in_one_line() -> None:
    """``checks_memory`` and ``checks_disk`` take a number of MiB above 0."""
    for key in ("checks_memory", "checks_disk"):
        done = run_pytest("exercises/01", "-o", f"{key}=lots", "-p", "no:cacheprovider")
        assert done.returncode == 4, done.stdout + done.stderr
        assert f"{key} must be a number of MiB above 0, not 'lots'" in done.stderr
        assert "Traceback" not in done.stderr


SPAWNERS = """
import os, sys, time
for _ in range(4):
    if os.fork() == 0:
        while True:
            if os.fork() == 0:
                time.sleep(30)
                os._exit(0)
            time.sleep(0.002)
time.sleep(30)
"""


def test_a_tree_that_keeps_forking_is_killed_to_the_last_process() -> None:
    """Four processes forking without pause: none of their children outlives ``kill_tree``.

    A tree read once and then killed leaves the children forked in between running, parentless
    (a child pytest starting a student's program when a watch stops it did)."""
    marker = f"checks-kill-tree-{uuid.uuid4().hex}"
    root = subprocess.Popen([sys.executable, "-c", SPAWNERS, marker])
    proc = psutil.Process(root.pid)
    while len(proc.children(recursive=True)) < 40:
        if root.poll() is not None:
            pytest.fail("the spawners ended before they forked")
    kill_tree(proc, None)
    root.wait()
    left = []
    for other in psutil.process_iter(["cmdline", "status"]):
        if marker in (other.info["cmdline"] or []) and other.info["status"] != psutil.STATUS_ZOMBIE:
            left.append(other)
    for other in left:
        with contextlib.suppress(psutil.Error):
            other.kill()
    assert not left, f"{len(left)} processes outlived kill_tree"


class _Slow:
    """A process as the system shows it after a ``SIGSTOP`` is sent: running for a few more
    looks (the signal is taken when it next runs), and, if it was forking, with its child there
    only once it has stopped."""

    def __init__(self, pid: int, child: _Slow | None = None, looks: int = 3) -> None:
        self.pid, self.child, self.looks = pid, child, looks
        self.suspended = self.killed = False

    def children(self, recursive: bool = False) -> list[_Slow]:
        assert recursive
        return [self.child] if self.child is not None and self.stopped() else []

    def stopped(self) -> bool:
        return self.suspended and self.looks <= 0

    def suspend(self) -> None:
        self.suspended = True

    def status(self) -> str:
        if self.suspended:
            self.looks -= 1
        return psutil.STATUS_STOPPED if self.stopped() else psutil.STATUS_RUNNING

    def kill(self) -> None:
        self.killed = True


def test_a_child_forked_as_its_parent_is_stopped_is_killed_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A ``SIGSTOP`` is not obeyed at once: a parent in the middle of a fork finishes it, then
    stops. The tree is read again only once the round's members have stopped, so that child is
    killed too (read at once, it was left running with no parent: CI met it, once)."""
    child = _Slow(2)
    parent = _Slow(1, child)
    monkeypatch.setattr(limits.psutil, "wait_procs", lambda *_args, **_kwargs: ([], []))
    kill_tree(parent, None)  # pyright: ignore[reportArgumentType] - a stand-in for psutil.Process
    assert parent.killed
    assert child.killed, "the child forked as its parent was being stopped was left running"


LIMITS_SHOWN = """
import resource, subprocess, sys
NAMES = ("AS", "FSIZE", "CPU", "CORE", "NOFILE")
def show():
    return " ".join(str(resource.getrlimit(getattr(resource, "RLIMIT_" + n))) for n in NAMES)
print(show())
try:
    resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
except (ValueError, OSError):
    print("raising refused")
child = "import resource; print(resource.getrlimit(resource.RLIMIT_FSIZE))"
print(subprocess.run([sys.executable, "-c", child], capture_output=True, text=True).stdout)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX resource limits (a job on Windows)")
@pytest.mark.parametrize("python", ["", "oldest"])
def test_the_resource_limits_hold_from_the_first_line(tmp_path: Path, python: str) -> None:
    """Memory, file size, CPU, core and open-file limits are in place when the program's first line runs,
    as hard limits it cannot raise, and in the processes it starts (set by the launcher)."""
    program = tmp_path / "limits.py"
    program.write_text(LIMITS_SHOWN, encoding="utf-8")
    limits = Limits(timeout=7, memory=512 * MIB, file_size=3 * MIB, open_files=100)
    oldest = sorted(Path(sys.base_prefix).parent.glob("3.10*/bin/python"))
    if python and not oldest:
        pytest.skip("no Python 3.10 beside this one")
    run = run_file(program, limits=limits, python=str(oldest[0]) if python else None)
    assert run.stage is Stage.OK, run.stderr
    memory, size, cpu = 512 * MIB, 3 * MIB, 7 + 5
    shown = f"({memory}, {memory}) ({size}, {size}) ({cpu}, {cpu}) (0, 0) (100, 100)"
    assert run.lines[0] == shown
    assert run.lines[1:3] == ["raising refused", f"({size}, {size})"]


HOLDER = """
import os, sys, tempfile
kept = tempfile.TemporaryFile()  # deleted at once, held open
kept.write(b"x" * 3 * 1024 * 1024)
kept.flush()
twin = os.dup(kept.fileno())  # the same file, counted once
named = open(sys.argv[1], "wb")  # a named file: its folder counts it
named.write(b"x" * 1024 * 1024)
named.flush()
memory = os.memfd_create("m")
os.write(memory, b"x" * 2 * 1024 * 1024)
print("ready", flush=True)
sys.stdin.read()
"""


@pytest.mark.skipif(sys.platform != "linux", reason="/proc")
def test_held_files_are_the_deleted_and_those_made_in_memory(tmp_path: Path) -> None:
    """3 MiB in a deleted file held twice and 2 MiB in a file made in memory: 5 MiB, once each;
    the named file is its folder's to count."""
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path / "named.bin")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline() == "ready\n"
            assert held_files([psutil.Process(holder.pid)]) == 5 * MIB
        finally:
            holder.kill()


@pytest.mark.skipif(sys.platform != "linux", reason="/proc")
def test_a_process_that_hides_its_open_files_cannot_be_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A live process whose open files cannot be read (it made itself undumpable; seen as a user
    that is not root) is no process that holds none."""

    def hidden(path: object) -> object:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("checks.run.limits.os.scandir", hidden)
    assert held_files([psutil.Process()]) is None


STRAY = """
import os, time
reader, writer = os.pipe()
if os.fork() == 0:
    os.setsid()  # out of the run's session
    if os.fork() == 0:  # and out of its tree
        os.write(writer, str(os.getpid()).encode())
        while True:
            time.sleep(1)
    os._exit(0)
os.wait()
stray = int(os.read(reader, 16))
while os.path.exists(f"/proc/{stray}"):
    time.sleep(0.01)
print("ended")
"""


@pytest.mark.skipif(sys.platform != "linux", reason="a subreaper")
def test_a_stray_is_ended_while_its_run_goes_on(tmp_path: Path) -> None:
    """An orphan that left the run's session is in no run's caps: it is ended at the next look,
    not when its run ends (the program waits for it to go, and says so)."""
    program = tmp_path / "stray.py"
    program.write_text(STRAY, encoding="utf-8")
    run = run_file(program, cached=False)
    assert run.lines == ["ended"], run.message or run.output


DEEP = """
import os
depth, name = DEPTH, "NAME"
folder = os.open(".", os.O_RDONLY)
for _ in range(depth):  # each folder opened from the one above: no path is ever that long
    os.mkdir(name, dir_fd=folder)
    inner = os.open(name, os.O_RDONLY, dir_fd=folder)
    os.close(folder)
    folder = inner
part = os.open("part.bin", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=folder)
os.write(part, b"x" * 2 * 1024 * 1024)
print("done")
"""


@pytest.mark.skipif(sys.platform == "win32", reason="folders opened from a folder descriptor")
@pytest.mark.parametrize(
    ("depth", "name", "said"),
    [
        (18, "d" * 250, "into its folders"),  # a path of 4,500 characters, past PATH_MAX
        (150, "d", "more than 100 folders deep"),
    ],
)
def test_no_depth_of_folders_hides_what_a_run_wrote(
    tmp_path: Path, depth: int, name: str, said: str
) -> None:
    """2 MiB written under a cap of 1 MiB, at the bottom of folders too deep for a path: the
    run is stopped (before, a path past PATH_MAX was never counted, and the run went on)."""
    program = tmp_path / "deep.py"
    program.write_text(DEEP.replace("DEPTH", str(depth)).replace("NAME", name), encoding="utf-8")
    run = run_file(program, cached=False, limits=Limits(disk=MIB))
    assert said in run.message, run.message or run.output
    assert run.stage is not Stage.OK


@pytest.mark.skipif(sys.platform == "win32", reason="folders opened from a folder descriptor")
def test_a_folder_the_kit_cannot_read_is_not_counted_as_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder the program made unreadable (``chmod 000``, seen as a user that is not root)
    hides what it holds: the count says it cannot be made, not 0."""
    (tmp_path / "hidden").mkdir()
    (tmp_path / "hidden" / "part.bin").write_bytes(b"x" * 4096)
    opened = os.open

    def refused(path: str, flags: int, mode: int = 0o777, *, dir_fd: int | None = None) -> int:
        if dir_fd is not None:
            raise PermissionError(13, "Permission denied", path)
        return opened(path, flags, mode)

    monkeypatch.setattr(holdings.os, "open", refused)
    with pytest.raises(holdings.UncountedError, match="cannot read"):
        holdings.folder_bytes(tmp_path)


# --- the cores a grading may keep busy: affinity and the container's CPU quota ---------------

HOST_CORES = 8
"""The cores the tests below give the process (its affinity), whatever the machine has."""


@pytest.fixture
def eight_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        limits.os, "sched_getaffinity", lambda _pid: set(range(HOST_CORES)), raising=False
    )


def _cgroup_v2(root: Path, line: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "cpu.max").write_text(line + "\n", encoding="ascii")
    return root


def _cgroup_v1(root: Path, quota: int, period: int, controller: str = "cpu") -> Path:
    (root / controller).mkdir(parents=True, exist_ok=True)
    (root / controller / "cpu.cfs_quota_us").write_text(f"{quota}\n", encoding="ascii")
    (root / controller / "cpu.cfs_period_us").write_text(f"{period}\n", encoding="ascii")
    return root


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(quota=st.integers(1, 10**8), period=st.integers(1, 10**7))
@pytest.mark.usefixtures("eight_cores")
def test_a_cpu_quota_allows_its_share_of_cores_rounded_up(
    tmp_path: Path, quota: int, period: int
) -> None:
    """200 ms of CPU in every 100 ms is two cores, 250 ms three: cgroup v2 and v1 alike, and
    never more than the affinity allows."""
    cores = math.ceil(quota / period)
    v2 = _cgroup_v2(tmp_path / f"v2-{quota}-{period}", f"{quota} {period}")
    v1 = _cgroup_v1(tmp_path / f"v1-{quota}-{period}", quota, period)
    assert limits.cpu_quota(v2) == cores
    assert limits.cpu_quota(v1) == cores
    assert limits.usable_cores(v2) == min(cores, HOST_CORES)
    assert limits.usable_cores(v1) == min(cores, HOST_CORES)


@pytest.mark.parametrize("controller", ["cpu", "cpu,cpuacct", "cpuacct,cpu"])
def test_cgroup_v1_is_read_under_each_name_of_its_cpu_controller(
    tmp_path: Path, controller: str
) -> None:
    assert limits.cpu_quota(_cgroup_v1(tmp_path, 300000, 100000, controller)) == 3


@pytest.mark.usefixtures("eight_cores")
@pytest.mark.parametrize("line", ["max 100000", "max", "", "-1 100000", "0 100000", "x y"])
def test_a_cgroup_v2_without_a_quota_leaves_the_cores_as_they_are(
    tmp_path: Path, line: str
) -> None:
    root = _cgroup_v2(tmp_path, line)
    assert limits.cpu_quota(root) is None
    assert limits.usable_cores(root) == HOST_CORES


def test_a_cgroup_v1_quota_of_minus_one_is_none(tmp_path: Path) -> None:
    assert limits.cpu_quota(_cgroup_v1(tmp_path, -1, 100000)) is None


@pytest.mark.usefixtures("eight_cores")
def test_no_control_groups_is_no_quota(tmp_path: Path) -> None:
    """Off Linux, or a system that mounts none: the affinity alone."""
    assert limits.cpu_quota(tmp_path / "none") is None
    assert limits.usable_cores(tmp_path / "none") == HOST_CORES


@pytest.mark.usefixtures("eight_cores")
def test_the_quota_read_is_the_mounted_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``usable_cores()`` reads the control groups at ``CGROUP``: a quota of half a core there
    is one core."""
    monkeypatch.setattr(limits, "CGROUP", _cgroup_v2(tmp_path, "50000 100000"))
    assert limits.usable_cores() == 1
