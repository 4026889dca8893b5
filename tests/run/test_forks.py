"""A launcher forked by the fork server (``checks.run.forks``) changes no verdict: a run of it
is the run a launcher started anew gives, the program sees the process a fresh launcher is, the
server's socket never reaches it, and a server that is gone costs the next run nothing."""

from __future__ import annotations

import ast
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from checks.model import Run
from checks.run import forks, sandbox
from checks.run.environment import child_python
from checks.run.program import run_file, run_files
from tests.support import SAMPLE_PROGRAMS, run_seen

Said = TypeVar("Said")

pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="launchers are forked on Linux only"
)

SEEN = r"""
import json, os, resource, signal, stat, sys, traceback
fds = []
for name in os.listdir("/proc/self/fd"):
    try:
        fds.append(os.fstat(int(name)).st_mode)
    except OSError:
        pass  # the listing's own descriptor
print(json.dumps({
    "descriptors": sorted(stat.S_IFMT(mode) for mode in fds),
    "sockets": sum(stat.S_ISSOCK(mode) for mode in fds),
    "environment": dict(os.environ),
    "cwd": os.getcwd(),
    "leader": [os.getsid(0) == os.getpid(), os.getpgid(0) == os.getpid()],
    "parent": os.getppid(),
    "signals": [str(signal.getsignal(s)) for s in signal.valid_signals() if s < signal.SIGRTMIN],
    "blocked": sorted(int(s) for s in signal.pthread_sigmask(signal.SIG_BLOCK, [])),
    "argv": sys.argv,
    "path": sys.path[1:],
    "flags": str(sys.flags),
    "modules": sorted(sys.modules),
    "main": sorted(vars(sys.modules["__main__"])),
    "streams": [
        (s.encoding, s.errors, s.line_buffering, s.seekable()) for s in (sys.stdout, sys.stderr)
    ],
    "umask": os.umask(0o22),
    "files": resource.getrlimit(resource.RLIMIT_NOFILE),
    "stack": len(traceback.extract_stack()),
}))
"""
"""What a program sees of its own process: a forked launcher must show a fresh one's."""


@pytest.fixture
def unconfined() -> Iterator[None]:
    """Runs with the sandbox off, so that the program can read ``/proc/self`` itself."""
    before = sandbox.mode()
    sandbox.use("off")
    yield
    sandbox.use(before)


@pytest.fixture
def fresh_launchers() -> Iterator[None]:
    """Every launcher started anew for the test; forked again after it."""
    forks.use_forks(False)
    yield
    forks.use_forks(True)


def _servers(*, driver: bool) -> list[forks._Server]:  # pyright: ignore[reportPrivateUsage]
    """The fork servers of this process: the drivers' (``driver``), or the plain runs' and
    trials'."""
    servers = forks._servers.items()  # pyright: ignore[reportPrivateUsage]
    return [s for key, s in servers if isinstance(key, tuple) and key[-1] is driver]


def _both(program: Path) -> tuple[Run, Run]:
    """The run of ``program`` from a fresh launcher, then from a forked one."""
    forks.use_forks(False)
    try:
        fresh = run_file(program, cached=False)
    finally:
        forks.use_forks(True)
    return fresh, run_file(program, cached=False)


@pytest.mark.parametrize("name", sorted(SAMPLE_PROGRAMS))
def test_a_forked_run_is_a_fresh_run(tmp_path: Path, name: str) -> None:
    """The same stage, output, exit status and confinement as a launcher started anew."""
    program = tmp_path / "program.py"
    program.write_text(SAMPLE_PROGRAMS[name], encoding="utf-8")
    fresh, forked = _both(program)
    assert forks._servers  # pyright: ignore[reportPrivateUsage]
    assert run_seen(forked) == run_seen(fresh)


@pytest.mark.usefixtures("unconfined")
def test_the_program_sees_the_process_a_fresh_launcher_is(tmp_path: Path) -> None:
    """Its descriptors (no socket among them), environment, folder, session, parent, signal
    handlers, flags, modules, streams and stack: all as a launcher started anew has them. The
    folders differ by name only (each run has its own); so do descriptors' numbers."""
    program = tmp_path / "program.py"
    program.write_text(SEEN, encoding="utf-8")
    fresh, forked = _both(program)
    seen = [json.loads(run.stdout) for run in (fresh, forked)]
    for view in seen:
        run_folder = str(Path(view["cwd"]).parent)
        view["environment"] = {
            k: v.replace(run_folder, "RUN") for k, v in view["environment"].items()
        }
        view["argv"] = [Path(a).name for a in view["argv"]]
        view["cwd"] = Path(view["cwd"]).name
    assert seen[1] == seen[0]
    assert seen[1]["sockets"] == 0  # the server's socket is gone, the orders' too
    assert seen[1]["parent"] == os.getpid()  # adopted: this process waits for it
    assert seen[1]["leader"] == [True, True]


CYCLE = """import gc
class Node:
    def __del__(self):
        print("collected")
node = Node()
node.me = node
del node
print(gc.collect() > 0)
print(gc.get_freeze_count())
"""
"""A cycle of the program's own, with a finaliser, collected on demand: then how many objects
the interpreter holds frozen (3.12.1 freezes a few hundred of its own at its start)."""


def test_the_collector_skips_the_servers_objects_and_only_those(tmp_path: Path) -> None:
    """What the server made is frozen (``gc.freeze``): the collector of a forked launcher never
    walks it. The program's own objects are collected as in a fresh launcher."""
    program = tmp_path / "program.py"
    program.write_text(CYCLE, encoding="utf-8")
    fresh, forked = _both(program)
    *said, frozen = fresh.stdout.splitlines()
    *said_forked, frozen_forked = forked.stdout.splitlines()
    assert said == said_forked == ["collected", "True"], (fresh.output, forked.output)
    assert int(frozen_forked) > int(frozen), (frozen, frozen_forked)


def test_the_exit_status_is_the_systems(tmp_path: Path) -> None:
    """A program that ends itself by a signal or by ``os._exit`` gives the status it gave."""
    program = tmp_path / "program.py"
    program.write_text("import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\n")
    fresh, forked = _both(program)
    assert forked.exit_status == fresh.exit_status == -signal.SIGTERM
    program.write_text("import os\nos._exit(7)\n")
    fresh, forked = _both(program)
    assert forked.exit_status == fresh.exit_status == 7


def test_a_server_that_is_gone_costs_the_next_run_nothing(tmp_path: Path) -> None:
    """Killed between two runs, the server is replaced; the run in between is whole."""
    program = tmp_path / "program.py"
    program.write_text(SAMPLE_PROGRAMS["ok"], encoding="utf-8")
    first = run_file(program, cached=False)
    servers = list(forks._servers.values())  # pyright: ignore[reportPrivateUsage]
    assert servers, "no fork server was started"
    for server in servers:
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait()
    after = [run_file(program, cached=False) for _ in range(2)]
    assert all(run_seen(run) == run_seen(first) for run in after)
    # The plain runs' server is replaced; the drivers' (if an earlier test started one) is
    # replaced at its next run, as this one was.
    alive = _servers(driver=False)
    assert len(alive) == 1 and alive[0].process.poll() is None


def test_runs_of_many_files_are_forked_alike(tmp_path: Path) -> None:
    """``run_files`` (one copy for many files) gives what it gives with fresh launchers."""
    for name, source in SAMPLE_PROGRAMS.items():
        (tmp_path / f"{name}.py").write_text(source, encoding="utf-8")
    files = sorted(tmp_path.glob("*.py"))
    forks.use_forks(False)
    try:
        fresh = [run_seen(r) for r in run_files(files) if not isinstance(r, Exception)]
    finally:
        forks.use_forks(True)
    forked = [run_seen(r) for r in run_files(files) if not isinstance(r, Exception)]
    assert forked == fresh
    assert len(forked) == len(SAMPLE_PROGRAMS)


@pytest.mark.usefixtures("fresh_launchers")
def test_the_switch_ends_every_server(tmp_path: Path) -> None:
    """Off, no server is left running and no run is forked."""
    program = tmp_path / "program.py"
    program.write_text(SAMPLE_PROGRAMS["ok"], encoding="utf-8")
    run_file(program, cached=False)
    assert not forks._servers  # pyright: ignore[reportPrivateUsage]


def test_a_forged_answer_is_never_taken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An answer that names another process of this one (a child in a session of its own, as
    a launcher is) is refused: the run starts its own launcher, and the server is replaced.
    (The other process is a stray to the kit, which ends it: the test only holds it.)"""
    program = tmp_path / "program.py"
    program.write_text(SAMPLE_PROGRAMS["ok"], encoding="utf-8")
    first = run_file(program, cached=False)
    other = subprocess.Popen(["sleep", "600"], start_new_session=True, cwd=tmp_path)
    asked = forks._ask  # pyright: ignore[reportPrivateUsage]

    def forged(*args: Any) -> bytes | None:
        answer = asked(*args)  # the real launcher is forked; the forged pid is answered
        assert answer is not None
        return " ".join([str(other.pid), *answer.decode().split()[1:]]).encode() + b"\n"

    monkeypatch.setattr(forks, "_ask", forged)
    try:
        servers = set(map(id, _servers(driver=False)))
        run = run_file(program, cached=False)
        assert run_seen(run) == run_seen(first)
        assert servers and not servers & set(map(id, _servers(driver=False)))
    finally:
        other.kill()
        other.wait()


OFFSETS = r"""
import os, stat
for name in sorted(os.listdir("/proc/self/fd"), key=int):
    try:
        if stat.S_ISREG(os.fstat(int(name)).st_mode):
            print(name, os.lseek(int(name), 0, os.SEEK_CUR))
            os.lseek(int(name), 12345, os.SEEK_SET)
    except OSError:
        pass
"""
"""Print the offset of every file the program holds open, then move each: a file a launcher
shares with the server (or another run) would carry the move into the next run."""


@pytest.mark.usefixtures("unconfined")
def test_no_open_file_is_shared_from_run_to_run(tmp_path: Path) -> None:
    """A file a launcher holds open (libffi's own, where it keeps one) is its own, as a fresh
    launcher's is: an offset one run moves is not where the next run finds it."""
    program = tmp_path / "program.py"
    program.write_text(OFFSETS, encoding="utf-8")
    fresh, forked = _both(program)
    again = run_file(program, cached=False)
    assert forked.stdout == fresh.stdout
    assert again.stdout == fresh.stdout


def test_a_large_environment_arrives_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A locale variable of 100,000 characters (the environment is passed on from the short
    list) reaches the program whole, forked or not: a request is one record, never cut."""
    monkeypatch.setenv("LC_KIT_TEST", "x" * 100_000)
    program = tmp_path / "program.py"
    program.write_text("import os\nprint(len(os.environ.get('LC_KIT_TEST', '')))\n")
    fresh, forked = _both(program)
    assert fresh.stdout == forked.stdout == "100000\n"


OPENS = """import os
def held():
    return {n for n in os.listdir("/proc/self/fd") if os.path.exists("/proc/self/fd/" + n)}
before = held()
import ctypes
print(bool(held() - before))
"""
"""Whether importing ``ctypes`` leaves a file open (libffi's own, in some builds)."""


def test_the_server_loads_ctypes_only_where_it_opens_no_file(tmp_path: Path) -> None:
    """Where importing ``ctypes`` opens no file, the server has loaded it (its launchers do not
    pay for it); where it does, the server has not (each launcher opens its own)."""
    program = tmp_path / "program.py"
    program.write_text(SAMPLE_PROGRAMS["ok"], encoding="utf-8")
    run_file(program, cached=False)
    interpreter = child_python(sys.executable)
    opens = subprocess.run(
        [interpreter, "-E", "-S", "-c", OPENS], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert opens in ("True", "False")
    servers = [s for s in forks._servers.values() if s.process.poll() is None]  # pyright: ignore[reportPrivateUsage]
    assert servers
    for server in servers:
        maps = Path(f"/proc/{server.process.pid}/maps").read_text(encoding="utf-8")
        assert ("_ctypes" in maps) == (opens == "False"), (opens, interpreter)


DRAWS = "import random, sys\n\ndef draw():\n    return [random.random(), sorted(sys.modules)]\n"
"""A tried module whose answer is a number drawn at random and the modules loaded."""
DRIVES = "import random, sys\nprint(random.random())\nprint(*sorted(sys.modules))\n"
"""A driver of the kit's kind (run with ``helpers``) that says the same two things."""


def _drawn(program: Path) -> tuple[float, list[str]]:
    run = run_file(program, cached=False, calls=[repr(("draw", ()))])
    assert run.facts_ended and not run.tampered, run.tampered or run.output
    [answered] = [value for kind, value in run.facts if kind == "answer"]
    assert isinstance(answered, dict)
    number, modules = ast.literal_eval(str(answered["value"]))  # pyright: ignore[reportUnknownArgumentType]
    return float(number), [str(name) for name in modules]


def _driven(driver: Path) -> tuple[float, list[str]]:
    run = run_file(driver, cached=False, helpers=True)
    number, modules = run.stdout.splitlines()
    return float(number), modules.split()


def _fresh_then_forked(say: Callable[[Path], Said], program: Path) -> list[Said]:
    """What ``say`` says of ``program`` from a fresh launcher, then from two forked ones."""
    forks.use_forks(False)
    try:
        fresh = say(program)
    finally:
        forks.use_forks(True)
    return [fresh, say(program), say(program)]


def test_drivers_have_a_server_of_their_own_and_draw_their_own_numbers(tmp_path: Path) -> None:
    """The kit's drivers are forked by a server of their own, which has loaded the standard
    library modules they import (``AHEAD_DRIVER``). ``random``, loaded there, seeds itself
    again in each forked launcher: no two runs draw the same numbers."""
    from checks.child.forks import AHEAD_DRIVER

    driver = tmp_path / "driver.py"
    driver.write_text(DRIVES, encoding="utf-8")
    fresh, first, second = _fresh_then_forked(_driven, driver)
    assert len({fresh[0], first[0], second[0]}) == 3
    assert set(AHEAD_DRIVER) <= set(first[1]) and set(AHEAD_DRIVER) - set(fresh[1])
    assert len(_servers(driver=True)) == 1


def test_a_trial_loads_what_a_fresh_launcher_loads(tmp_path: Path) -> None:
    """A trial is forked by the plain runs' server: its module sees the modules a fresh
    launcher has loaded, none of the drivers' server, and draws its own numbers."""
    program = tmp_path / "student.py"
    program.write_text(DRAWS, encoding="utf-8")
    fresh, first, second = _fresh_then_forked(_drawn, program)
    assert len({fresh[0], first[0], second[0]}) == 3
    assert first[1] == second[1] == fresh[1]


SHADOWED = "import json\n\ndef which():\n    return getattr(json, 'MINE', 'the standard library')\n"
"""A tried module that imports ``json`` where the student's folder holds a ``json.py``."""


def test_a_tried_module_imports_its_folders_module_as_python_does(tmp_path: Path) -> None:
    """``json.py`` beside a tried module is what its ``import json`` takes, as under ``python
    FILE``: forked or fresh, the trial's launcher has not loaded the standard library's."""
    (tmp_path / "json.py").write_text("MINE = 'the folder'\n", encoding="utf-8")
    program = tmp_path / "student.py"
    program.write_text(SHADOWED, encoding="utf-8")

    def which(program: Path) -> list[str]:
        run = run_file(program, cached=False, calls=[repr(("which", ()))])
        return [str(v.get("value")) for k, v in run.facts if k == "answer" and isinstance(v, dict)]

    assert _fresh_then_forked(which, program) == [["'the folder'"]] * 3


READS_A_FRAME = """import sys, typing
if hasattr(sys, "_getframemodulename"):
    del sys._getframemodulename  # typing's fallback then takes a frame
print(typing.NewType("Made", int).__module__)
"""
"""A module that makes ``typing`` take a frame (before 3.12 it always does)."""


def test_a_drivers_module_is_let_read_a_frame_forked_as_fresh(tmp_path: Path) -> None:
    """Before 3.12 ``typing`` reads a frame for a module's name, which the seal lets it do; from
    3.12 on it does only once the program deleted ``sys._getframemodulename``, which the seal
    refuses, whether ``typing`` was loaded before it (the drivers' server) or after."""
    (tmp_path / "driver.py").write_text("import student\n", encoding="utf-8")
    (tmp_path / "student.py").write_text(READS_A_FRAME, encoding="utf-8")

    def seen(driver: Path) -> tuple[str, str]:
        run = run_file(driver, cached=False, helpers=True)
        return run.stdout, run.tampered

    said = _fresh_then_forked(seen, tmp_path / "driver.py")
    assert said[0] == said[1] == said[2]
    refused = bool(said[0][1])
    assert refused == (sys.version_info >= (3, 12)), said[0]


def _imported(path: Path, *, nested: bool) -> set[str]:
    """The modules a file imports: in its whole text (``nested``), or in its own body only,
    where a child module's imports for type checkers and other systems are not."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree) if nested else tree.body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found - {"__future__"}


def test_the_drivers_server_loads_what_the_drivers_import() -> None:
    """Every module of the standard library that a driver of the exercises imports, or a child
    module that a driver uses, is one the drivers' server has loaded (itself or through
    another): a driver that imports something new adds it to ``AHEAD_DRIVER`` or pays for its
    import in every run."""
    from checks.child import forks as child_forks

    kit = Path(__file__).resolve().parents[2]
    drivers = sorted((kit / "exercises").glob("*/driver.py"))
    assert drivers, "no driver found"
    wanted: set[str] = set()
    for driver in drivers:
        wanted |= _imported(driver, nested=True)
    child = {n for n in wanted if n.startswith("checks.child.")}  # and what they lead to
    seen: set[str] = set()
    while todo := child - seen:
        for name in todo:
            seen.add(name)
            found = _imported(kit / (name.replace(".", "/") + ".py"), nested=False)
            child |= {n for n in found if n.startswith("checks.child.")}
            wanted |= found
    wanted = {name for name in wanted if name.partition(".")[0] != "checks"}
    script = (
        f"import sys\nfor n in {child_forks.AHEAD_DRIVER!r}: __import__(n)\nprint(*sys.modules)"
    )
    loaded = subprocess.run(
        [sys.executable, "-E", "-S", "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert sorted(wanted - set(loaded.split())) == []
