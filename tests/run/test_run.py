"""The runner's verdicts, scenario by scenario, against golden folders.

Each folder of ``tests/golden`` holds ``program.py`` and ``expected.json``, the fields of the
``Run`` the kit must give for it on every Python from 3.10. The runner's stage is also checked
against CPython itself: a file the kit says stops before running must make ``python FILE`` fail
with no traceback, and one it says started must not.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from checks import Limits, Stage, run_file
from checks.model import Run
from checks.run import watch as watch_module
from tests.support import KIT, NEVER_ENDS

GOLDEN = KIT / "tests" / "golden"
LIMITS = Limits(timeout=3)


def _scenarios() -> list[Path]:
    return sorted(p for p in GOLDEN.iterdir() if (p / "program.py").exists())


def _run(folder: Path) -> Run:
    return run_file(folder / "program.py", limits=LIMITS)


def _cpython(program: Path) -> subprocess.CompletedProcess[str]:
    """``python -E FILE`` on ``program``, from its folder and with no input, as a student runs
    it: its output as the bytes it wrote (no newline translated), a byte that is not UTF-8
    replaced."""
    done = subprocess.run(
        [sys.executable, "-E", str(program)],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        cwd=program.parent,
        timeout=30,
        check=False,
    )
    out, err = (stream.decode(errors="replace") for stream in (done.stdout, done.stderr))
    return subprocess.CompletedProcess(done.args, done.returncode, out, err)


@pytest.mark.parametrize("folder", _scenarios(), ids=lambda p: p.name)
def test_golden(folder: Path) -> None:
    """The runner gives each scenario the stage, error, line and output it has on CPython."""
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    run = _run(folder)
    got = {key: getattr(run, key) for key in expected}
    got["stage"] = run.stage.value
    assert got == expected, f"{folder.name}: {run}"
    assert "launch.py" not in run.output, "the kit's own frames must not show"


@pytest.mark.parametrize(
    "folder",
    [p for p in _scenarios() if not p.name.startswith(("timeout", "flood"))],
    ids=lambda p: p.name,
)
def test_stage_agrees_with_cpython(folder: Path) -> None:
    """Where the kit says a file never started, `python FILE` prints no traceback, and back."""
    run = _run(folder)
    done = _cpython(folder / "program.py")
    started = "Traceback (most recent call last)" in done.stderr or done.returncode != 1
    if run.stage is Stage.OK:
        assert done.returncode == 0
    elif run.stage.started:
        assert started, done.stderr
    else:
        assert done.returncode == 1
        assert not started, done.stderr
        assert done.stdout == ""
        last = done.stderr.strip().splitlines()[-1]
        assert last.startswith(f"{run.error}:"), last


@pytest.mark.parametrize(
    "folder",
    [p for p in _scenarios() if p.name.startswith(("parse", "compile"))],
    ids=lambda p: p.name,
)
def test_a_file_that_does_not_parse_prints_what_cpython_prints(folder: Path) -> None:
    """What a file stopped at its parse or compile prints is what `python FILE` prints, to the
    byte: the interpreter's own words (a tab-indented first line shows no caret on 3.10 to
    3.12, which ``traceback`` draws)."""
    run = _run(folder)
    done = _cpython(folder / "program.py")
    assert not run.stage.started
    assert run.stderr == done.stderr


def test_a_sum_too_deep_for_the_compiler_stops_at_compile(tmp_path: Path) -> None:
    """A sum of sixty thousand terms parses, and the compiler runs out of depth: CPython says
    "RecursionError: ... during compilation" with no traceback, and so does the kit, at the
    compile stage on every version (its own syntax tree of Python objects meets a limit sooner
    on 3.11 to 3.13, which must not make it a parse error). How deep the stack went (the
    kB that 3.14 and later print) differs from run to run, so only the stage and words are
    compared."""
    program = tmp_path / "program.py"
    program.write_text("total = 1" + " + 1" * 60_000 + "\nprint(total)\n", encoding="utf-8")
    run = _run(tmp_path)
    done = _cpython(program)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.splitlines()[-1].startswith("RecursionError: ")
    assert done.stderr.splitlines()[-1].endswith(" during compilation")
    assert (run.stage, run.error, run.stdout) == (Stage.COMPILE, "RecursionError", ""), run
    assert run.stderr.splitlines()[-1].endswith(" during compilation"), run.stderr


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "latin-1"])
def test_a_crash_shows_the_line_cpython_shows(tmp_path: Path, ending: str, encoding: str) -> None:
    """A crash's line and its text are those of CPython's own traceback, whatever ends the
    lines and whatever the file's encoding: a form feed, ``\\x1c`` or ``\\x85`` inside a line
    ends no line for CPython (``str.splitlines`` would count them)."""
    cookie = "# -*- coding: latin-1 -*-" if encoding == "latin-1" else "# plain"
    lines = [cookie, 's = "a\x0cb\x1cc\x85d\u00e9"', "t = s.upper()  # caf\u00e9", "", "u = 1 / 0"]
    program = tmp_path / "program.py"
    program.write_bytes(ending.join([*lines, ""]).encode(encoding))
    run = run_file(program, limits=LIMITS)
    printed = _cpython(program).stderr.splitlines()
    at = next(i for i, text in enumerate(printed) if text.startswith(f'  File "{program}", line'))
    assert (run.stage, run.error) == (Stage.RUN, "ZeroDivisionError"), run
    assert run.line == int(printed[at].split(", line ")[1].split(",")[0]) == len(lines)
    assert run.source_line == "u = 1 / 0"
    if printed[at + 1].startswith("    "):  # 3.13.0 shows no text for a latin-1 file of "\r"
        assert run.source_line == printed[at + 1].strip()


@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b"\r"], ids=["lf", "crlf", "cr"])
def test_a_byte_that_is_not_utf8_is_named_after_a_bom(ending: bytes) -> None:
    """The byte a file cannot be read at is the file's own, with a BOM before it too (the
    decoder counts from after the BOM)."""
    from checks.child.where import decode

    data = b"\xef\xbb\xbfx = 1" + ending + b'y = "\xe9"' + ending
    with pytest.raises(SyntaxError, match=r"starting with '\\xe9'"):
        decode("program.py", data)


@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b"\r"], ids=["lf", "crlf", "cr"])
@pytest.mark.parametrize("bad", [b"\xe9", b"\0"], ids=["not_utf8", "nul"])
def test_a_byte_that_stops_the_read_is_on_cpythons_line(
    tmp_path: Path, ending: bytes, bad: bytes
) -> None:
    """The line of a byte the file cannot be read at counts lines as CPython does, whatever
    ends them: ``\\r`` alone ends a line too (the kit said line 1 for a file of such lines)."""
    program = tmp_path / "program.py"
    program.write_bytes(ending.join([b"x = 1", b"y = 2", b"z = '" + bad + b"'", b"print(z)", b""]))
    run = _run(tmp_path)
    if run.stage is not Stage.READ:  # a NUL byte on a Python that reads past it (3.11.3-)
        assert bad == b"\0", run
        return
    assert run.line == 3, run
    assert "line 3" in run.stderr, run.stderr


@pytest.mark.parametrize(
    "data",
    [
        b"x = 1\nz = 3\0\nprint(z)\n",
        b"x = 1\r\nz = 'a\0b'\r\n",
        b"x = 1\ry = 2\rz = 3\0\r",
        b"\0x = 1\n",
        b"# -*- coding: latin-1 -*-\nz = '\xe9'\0\n",
    ],
    ids=["lf", "crlf_inside_a_string", "cr", "first_byte", "latin1"],
)
def test_a_nul_byte_prints_what_cpython_prints(tmp_path: Path, data: bytes) -> None:
    """A NUL byte stops the read with CPython's own words, to the byte: the line it is on, and
    that line's text up to it (the kit showed no text)."""
    program = tmp_path / "program.py"
    program.write_bytes(data)
    run = _run(tmp_path)
    if run.stage is not Stage.READ:
        pytest.skip("this interpreter reads past a NUL byte (3.11.3 and older)")
    assert run.stderr == _cpython(program).stderr


def test_nul_byte_follows_the_interpreter(tmp_path: Path) -> None:
    """A NUL byte is a read-stage error where CPython rejects it (3.11.4+), never a kit opinion."""
    program = tmp_path / "nul.py"
    program.write_bytes(b"print('a')\n# \0\nprint('b')\n")
    done = subprocess.run(
        [sys.executable, "-E", str(program)],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    run = run_file(program, limits=LIMITS)
    if b"null bytes" in done.stderr:
        assert run.stage is Stage.READ
        assert run.stdout == ""
    else:  # Python 3.10 reads the file up to the NUL byte and runs that part
        assert run.stage.value == ("ok" if done.returncode == 0 else run.stage.value)
        assert run.stdout.replace("\r", "") == done.stdout.decode().replace("\r", "")


def test_a_script_sees_the_globals_python_gives_it(tmp_path: Path) -> None:
    """A script's own dunder names are CPython's: no ``__cached__`` from 3.15, None before."""
    program = tmp_path / "names.py"
    program.write_text(
        "print('__cached__' in globals(), globals().get('__cached__'), __spec__)\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-E", str(program)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=True,
    )
    run = run_file(program, limits=LIMITS)
    assert run.stage is Stage.OK, run
    assert run.stdout.replace("\r", "") == done.stdout.replace("\r", "")


def test_copy_protects_the_original(tmp_path: Path) -> None:
    """A program that deletes its own folder and files leaves the original untouched."""
    (tmp_path / "data.txt").write_text("keep me", encoding="utf-8")
    program = tmp_path / "program.py"
    program.write_text(
        "import os, shutil, pathlib\n"
        "here = pathlib.Path(__file__).resolve().parent\n"
        "(here / 'data.txt').write_text('changed')\n"
        "os.remove(__file__)\n"
        "shutil.rmtree(here)\n"
        "print('deleted')\n",
        encoding="utf-8",
    )
    run = run_file(program, limits=LIMITS)
    assert run.stage is Stage.OK, run
    assert program.exists()
    assert (tmp_path / "data.txt").read_text(encoding="utf-8") == "keep me"


def test_timeout_leaves_no_process(tmp_path: Path) -> None:
    """On timeout the whole process tree is killed, grandchildren included."""
    program = tmp_path / "program.py"
    program.write_text(
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(600)\n",
        encoding="utf-8",
    )
    start = time.monotonic()
    run = run_file(program, limits=Limits(timeout=1.5))
    assert run.timed_out
    assert time.monotonic() - start < 300  # a backstop: waiting for the child would take 600 s
    child = int(run.stdout.split()[0])
    assert not psutil.pid_exists(child) or psutil.Process(child).status() == psutil.STATUS_ZOMBIE


@pytest.mark.skipif(os.name != "posix", reason="a signal's exit status is POSIX's")
def test_a_stopped_run_says_it_was_killed(tmp_path: Path) -> None:
    """A run stopped at its time limit ends by SIGKILL, every time: the kit's killing of the
    tree never takes the exit status from the run's own wait."""
    program = tmp_path / "program.py"
    program.write_text(NEVER_ENDS, encoding="utf-8")
    limits = Limits(timeout=0.1)
    statuses = {run_file(program, limits=limits, cached=False).exit_status for _ in range(30)}
    assert statuses == {-signal.SIGKILL}


def test_shell_variables_change_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """PYTHON* variables in the user's shell reach neither the verdict nor the program."""
    plain = {
        p.name: _run(p)
        for p in _scenarios()
        if p.name.startswith(("ok_", "run_", "parse", "compile"))
    }
    for name, value in {
        "PYTHONOPTIMIZE": "2",
        "PYTHONWARNINGS": "error",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPYCACHEPREFIX": os.devnull,
        "PYTHONUNBUFFERED": "1",
        "PYTHONSAFEPATH": "1",
        "PYTHONIOENCODING": "latin-1",
        "COLUMNS": "20",
    }.items():
        monkeypatch.setenv(name, value)
    for name, before in plain.items():
        after = _run(GOLDEN / name)
        assert (after.stage, after.error, after.line, after.stdout) == (
            before.stage,
            before.error,
            before.line,
            before.stdout,
        ), name


def test_detached_process_is_killed(tmp_path: Path) -> None:
    """A process that left the run's group and closed its pipes does not survive the run."""
    program = tmp_path / "program.py"
    program.write_text(
        "import os, subprocess, sys\n"
        "code = 'import os, time; os.setsid(); time.sleep(600)'\n"
        "child = subprocess.Popen([sys.executable, '-c', code], start_new_session=True,\n"
        "    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "print(child.pid)\n",
        encoding="utf-8",
    )
    if sys.platform == "win32":  # pragma: no cover
        pytest.skip("start_new_session is POSIX")
    run = run_file(program, limits=LIMITS)
    assert run.stage is Stage.OK, run
    child = int(run.stdout.split()[0])
    assert not psutil.pid_exists(child) or psutil.Process(child).status() == psutil.STATUS_ZOMBIE


def test_fork_bomb_is_stopped(tmp_path: Path) -> None:
    """A program that starts processes without end is stopped, and none of them is left."""
    program = tmp_path / "program.py"
    program.write_text(
        "import subprocess, sys, time\n"
        "kids = []\n"
        "while True:\n"
        "    kids.append(subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']))\n",
        encoding="utf-8",
    )
    start = time.monotonic()
    run = run_file(program, limits=Limits(timeout=20, processes=16))
    assert run.stage is Stage.RUN
    assert "processes" in run.message, run
    assert time.monotonic() - start < 15
    alive = [
        p
        for p in psutil.Process().children(recursive=True)
        if p.status() != psutil.STATUS_ZOMBIE and "sleep(600)" in " ".join(p.cmdline())
    ]
    assert not alive


KIT_SEEKER = """\
import gc, os, sys
kit = {kit!r}
try:
    import checks
    print("imported", checks.__name__)
except ImportError:
    print("no checks")
print("env", sorted(k for k, v in os.environ.items() if k.startswith("CHECKS") or kit in v))
print("path", [p for p in sys.path if kit in p])
print("prefix", kit in sys.prefix or kit in sys.executable or kit in os.getcwd())
print("argv", [a for a in sys.argv + getattr(sys, "orig_argv", []) if kit in a])
modules = [n for n, m in list(sys.modules.items()) if kit in str(getattr(m, "__file__", ""))]
print("modules", modules)
frames, frame = [], sys._getframe()
while frame is not None:
    if kit in frame.f_code.co_filename:
        frames.append(frame.f_code.co_filename)
    frame = frame.f_back
print("frames", frames)
held = []
for o in gc.get_objects():
    if o is globals() or o is held or o is sys._getframe().f_code.co_consts:
        continue  # the program's own words for the kit's folder
    items = o.values() if isinstance(o, dict) else o if isinstance(o, (list, tuple)) else ()
    if any(isinstance(x, str) and kit in x for x in items):
        held.append(type(o).__name__)
print("objects", held[:3])
"""


def test_the_child_holds_nothing_of_the_kit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Student code can neither import the kit nor find its folder or its variables."""
    from checks.manifest import KIT_ROOT

    monkeypatch.setenv("CHECKS_SOMETHING", "1")
    program = tmp_path / "program.py"
    program.write_text(KIT_SEEKER.format(kit=str(KIT_ROOT)), encoding="utf-8")
    run = run_file(program, limits=LIMITS)
    assert run.stage is Stage.OK, run
    assert run.lines == [
        "no checks",
        "env []",
        "path []",
        "prefix False",
        "argv []",
        "modules []",
        "frames []",
        "objects []",
    ], run.stdout


def test_a_flood_is_noticed_whatever_the_timeout(tmp_path: Path) -> None:
    """Output past the cap stops the program the moment it is crossed, and says so, even with
    a timeout shorter than the interpreter takes to start on a busy machine: the program's
    time counts from when its code starts."""
    program = tmp_path / "program.py"
    program.write_text(
        "import sys, time\nsys.stdout.write('x' * (1024 * 1024 + 1))\ntime.sleep(600)\n",
        encoding="utf-8",
    )
    started = time.monotonic()
    run = run_file(program, limits=Limits(timeout=0.1, output_cap=1024 * 1024))
    assert run.cut, run.message
    assert not run.timed_out, run.message
    assert run.message == "stopped: it printed more than 1048576 bytes", run.message
    assert time.monotonic() - started < 60


def test_the_program_clock_leaves_out_waiting_for_a_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run's timeout counts the time its program had: the time it waited for a CPU on a busy
    machine is left out, up to a bound (it is stopped after ten times its timeout at most)."""
    waited = [0.0]
    now = [100.0]
    monkeypatch.setattr(watch_module, "_runqueue_wait", lambda _pid: waited[0])
    monkeypatch.setattr(watch_module.time, "monotonic", lambda: now[0])
    clock = watch_module._ProgramClock(1)  # pyright: ignore[reportPrivateUsage]
    assert clock.used() == 0.0  # nothing counts before the code starts
    clock.begin()
    now[0], waited[0] = 101.0, 0.75
    assert clock.used() == pytest.approx(0.25)
    now[0], waited[0] = 111.0, 11.0
    assert clock.used() == pytest.approx(1.1)  # a tenth of the wall time, however starved
