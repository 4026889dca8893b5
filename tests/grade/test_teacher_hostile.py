"""Bad input on the teacher's side (issue 17): nothing lost, nothing leaked, one clear line.

Each case runs the real ``checks`` command (or the real plugin) in a small copy of the kit,
exercises 01 and 03 only, described in ``tests/teacher_hostile/README.md``. Every run gets its
own temporary folder (``TMPDIR``), which must be empty once it ends: no temporary folder left.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from checks.run.copy import copies
from checks.run.program import run_files
from tests import support
from tests.support import KIT, NEVER_ENDS, student_copy

if sys.platform != "win32":
    import fcntl

HOSTILE = KIT / "tests" / "teacher_hostile"
FULL = "20"
"""The total of a solved submission in the small kit."""
WAIT = 600.0
"""Seconds a command may take at most before the test gives up (never a margin: a backstop)."""
posix_only = pytest.mark.skipif(os.name != "posix", reason="named pipes, signals: POSIX")


@dataclass
class Kit:
    """A small copy of the kit, and where its commands put their temporary files."""

    root: Path
    temp: Path

    def env(self) -> dict[str, str]:
        """The environment of a command: the shell's, with temporary files kept apart."""
        self.temp.mkdir(parents=True, exist_ok=True)
        return {**os.environ, "TMPDIR": str(self.temp), "TEMP": str(self.temp)}

    def checks(self, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        """Run ``python -m checks ARGS`` in the kit, as a teacher would."""
        return self._run([sys.executable, "-m", "checks", *args], extra)

    def pytest(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the kit's pytest, as a grader would."""
        command = [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider"]
        return self._run([*command, *args], {})

    def _run(self, command: list[str], extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command,
            cwd=self.root,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            env={**self.env(), **extra},
            timeout=WAIT,
            check=False,
        )

    def assert_clean(self) -> None:
        """No temporary folder left, and no process of the kit's left running."""
        assert not list(self.temp.iterdir()), f"left behind: {list(self.temp.iterdir())}"
        assert not _processes_under(self.root, self.temp), "a process was left behind"


def _processes_under(*folders: Path) -> list[psutil.Process]:
    found: list[psutil.Process] = []
    for proc in psutil.process_iter():
        try:
            seen = " ".join([*proc.cmdline(), proc.cwd()])
            if proc.pid != os.getpid() and any(str(folder) in seen for folder in folders):
                found.append(proc)
        except psutil.Error:
            continue
    return found


@pytest.fixture(scope="module")
def small_kit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small kit for the cases that leave the kit as it is."""
    return support.small_kit(tmp_path_factory.mktemp("kit") / "kit")


@pytest.fixture
def kit(small_kit: Path, tmp_path: Path) -> Iterator[Kit]:
    """The small kit, checked to be unchanged by the case."""
    before = _snapshot(small_kit)
    yield Kit(small_kit, tmp_path / "tmp")
    assert _snapshot(small_kit) == before, "a file of the kit changed"


@pytest.fixture
def own_kit(tmp_path: Path) -> Kit:
    """A small kit of the case's own, for a case that breaks the kit itself."""
    return Kit(support.small_kit(tmp_path / "kit"), tmp_path / "tmp")


def _snapshot(folder: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for directory, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in ("__pycache__", ".pytest_cache")]
        for name in files:
            path = Path(directory, name)
            info = path.lstat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "?"
            found[path.relative_to(folder).as_posix()] = f"{info.st_mode}:{digest}"
    return found


def _rows(out: Path) -> dict[str, list[str]]:
    with (out / "grades.csv").open(encoding="utf-8", newline="") as handle:
        return {row[0]: row for row in list(csv.reader(handle))[1:]}


def _one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text, text
    return lines[0]


@pytest.mark.parametrize("entry", ["../../README.md", "/etc/hostname", "..\\\\..\\\\README.md"])
def test_a_manifest_entry_outside_its_exercise_is_refused(own_kit: Kit, entry: str) -> None:
    """Case 1: a manifest naming a file outside its folder is refused at load; nothing deleted."""
    manifest = own_kit.root / "exercises" / "03" / "exercise.toml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace('files = ["crashes.py"]', f'files = ["{entry}"]'))
    before = _snapshot(own_kit.root)
    done = own_kit.checks("reset", "03", "--yes")
    assert done.returncode == 2, done.stdout + done.stderr
    line = _one_line(done.stderr)
    assert "exercise.toml" in line
    assert "leads outside the exercise's folder" in line
    assert entry.replace("\\\\", "\\") in line.replace("\\\\", "\\")
    assert _snapshot(own_kit.root) == before
    own_kit.assert_clean()


def test_a_broken_manifest_stops_grading_before_the_firstmake_student(
    own_kit: Kit, tmp_path: Path
) -> None:
    """Case 2: a manifest that does not parse stops ``checks grade``: its file and line, exit 2."""
    shutil.copyfile(
        HOSTILE / "manifest_not_toml" / "exercise.toml",
        own_kit.root / "exercises" / "03" / "exercise.toml",
    )
    student = student_copy(tmp_path / "alice", own_kit.root)
    out = tmp_path / "out"
    done = own_kit.checks("grade", str(student), "--out", str(out))
    assert done.returncode == 2, done.stdout + done.stderr
    line = _one_line(done.stderr)
    assert "exercises/03/exercise.toml" in line.replace("\\", "/")
    assert "line" in line
    assert not out.exists() or not list(out.iterdir()), "a gradebook was written"
    own_kit.assert_clean()


@posix_only
def test_a_linked_exercise_folder_is_never_followed(kit: Kit, tmp_path: Path) -> None:
    """Case 3: ``pytest --submission`` leaves out an exercise folder that is a symbolic link."""
    classmate = student_copy(tmp_path / "classmate", kit.root)
    mine = student_copy(tmp_path / "mine", kit.root, solved=False)
    shutil.rmtree(mine / "exercises" / "03")
    (mine / "exercises" / "03").symlink_to(classmate / "exercises" / "03")
    results = tmp_path / "results.json"
    done = kit.pytest("exercises", "--submission", str(mine), f"--gradescope={results}")
    assert done.returncode == 1, done.stdout + done.stderr
    data = json.loads(results.read_text(encoding="utf-8"))
    assert data["score"] == 0
    assert "exercises/03 (a symbolic link: never followed)" in data["output"]
    assert "is a symbolic link: it is never followed" in done.stdout
    kit.assert_clean()


@posix_only
def test_names_that_are_not_utf8_lose_nothing(kit: Kit, tmp_path: Path) -> None:
    """Case 4: names that are not UTF-8, or a student named grades.csv: every row, escaped."""
    base = tmp_path / "class"
    alice = student_copy(base / "alice", kit.root)
    (alice / "exercises" / "03" / "caf\udce9.txt").write_text("from a Windows zip")
    odd = student_copy(base / "d\udce9", kit.root)
    gradebook = student_copy(base / "grades.csv", kit.root)
    untouched = student_copy(base / "bob", kit.root, solved=False)
    out = tmp_path / "out"
    before = _snapshot(base)
    done = kit.checks(
        "grade",
        *map(str, (alice, odd, gradebook, untouched)),
        "--out",
        str(out),
        PYTHONIOENCODING="utf-8:strict",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    rows = _rows(out)
    assert sorted(rows) == ["alice", "bob", "d\\xe9", "grades.csv-2"]
    assert [rows[name][1] for name in ("alice", "d\\xe9", "grades.csv-2")] == [FULL] * 3
    assert rows["bob"][1] != FULL
    report = (out / "alice" / "report.txt").read_text(encoding="utf-8")
    assert "exercises/03/caf\\xe9.txt (added)" in report
    assert json.loads((out / "alice" / "results.json").read_text(encoding="utf-8"))["score"] == 20
    assert _snapshot(base) == before
    kit.assert_clean()


_MACHINERY_TEST = '''
import warnings

import pytest


def test_the_kit_machinery_may_warn(tmp_path_factory):
    """A warning of pytest's machinery is no verdict; each worker has its own base folder."""
    warnings.warn(pytest.PytestWarning("a race while cleaning temporary folders"))
    assert tmp_path_factory.getbasetemp().parent.name.startswith("checks-grade-")
'''


def test_a_warning_of_the_machinery_decides_no_grade(own_kit: Kit, tmp_path: Path) -> None:
    """Case 5: a PytestWarning in a worker's session (filterwarnings = error) zeroes nobody,
    and each worker runs in a base temporary folder of its own."""
    (own_kit.root / "exercises" / "01" / "test_machinery.py").write_text(_MACHINERY_TEST)
    students = [student_copy(tmp_path / name, own_kit.root) for name in ("ann", "ben", "cat")]
    out = tmp_path / "out"
    done = own_kit.checks("grade", *map(str, students), "--out", str(out), "--jobs", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    report = (out / "ann" / "report.txt").read_text(encoding="utf-8")
    assert {name: row[1] for name, row in _rows(out).items()} == dict.fromkeys(
        ("ann", "ben", "cat"), FULL
    ), report
    own_kit.assert_clean()


@pytest.mark.parametrize("inside", [".", "checks", "exercises/03"])
def test_out_inside_the_kit_is_refused(kit: Kit, tmp_path: Path, inside: str) -> None:
    """Case 6: ``--out`` in the kit (or a student named like a kit folder) is refused."""
    student = student_copy(tmp_path / "checks", kit.root)
    done = kit.checks("grade", str(student), "--out", str(kit.root / inside))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "is inside the kit" in _one_line(done.stderr)
    kit.assert_clean()


@pytest.mark.parametrize("inside", ["exercises/01/autograder.zip", "checks/autograder.zip"])
def test_a_gradescope_zip_inside_what_it_holds_is_refused(kit: Kit, inside: str) -> None:
    """A Gradescope zip written into a part of the kit the zip holds is refused in one line."""
    done = kit.checks("gradescope-zip", "--out", inside)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "choose a path outside it" in _one_line(done.stderr)
    kit.assert_clean()


def test_out_holding_a_folder_that_is_no_report_is_refused(kit: Kit, tmp_path: Path) -> None:
    """Case 6: a folder in ``--out`` named like a student, but not a report, is never replaced."""
    student = student_copy(tmp_path / "class" / "alice", kit.root)
    out = tmp_path / "out"
    (out / "alice" / "notes").mkdir(parents=True)
    (out / "alice" / "notes" / "mine.txt").write_text("the teacher's own notes")
    done = kit.checks("grade", str(student), "--out", str(out))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "not a report of checks grade" in _one_line(done.stderr)
    assert (out / "alice" / "notes" / "mine.txt").read_text() == "the teacher's own notes"
    kit.assert_clean()


@posix_only
def test_a_second_grading_on_one_out_stops_and_says_why(kit: Kit, tmp_path: Path) -> None:
    """Case 7: while a grading holds ``--out``, another stops at once with one line; the first
    one's output is whole."""
    student = student_copy(tmp_path / "class" / "alice", kit.root)
    out = tmp_path / "out"
    first = kit.checks("grade", str(student), "--out", str(out))
    assert first.returncode == 0, first.stdout + first.stderr
    written = _snapshot(out)
    with (out / ".checks-grade.lock").open("a+b") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running grading does
        done = kit.checks("grade", str(student), "--out", str(out))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "another checks grade is writing to" in _one_line(done.stderr)
    assert _snapshot(out) == written
    kit.assert_clean()


@posix_only
@pytest.mark.end_to_end
def test_two_real_gradings_on_one_out(kit: Kit, tmp_path: Path) -> None:
    """Case 7: a grading started while another writes to the same ``--out`` stops at once with
    one line; the first one's gradebook and reports are whole."""
    base = tmp_path / "class"
    students = [student_copy(base / name, kit.root) for name in ("alice", "bob", "carol")]
    (base / "bob" / "exercises" / "01" / "hello.py").write_text(NEVER_ENDS)
    out = tmp_path / "out"
    first = subprocess.Popen(
        [sys.executable, "-m", "checks", "grade", *map(str, students), "--out", str(out)],
        cwd=kit.root,
        env=kit.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _wait_for(lambda: _student_code_running(first), first)
        second = kit.checks("grade", str(students[0]), "--out", str(out))
        stdout, stderr = first.communicate(timeout=WAIT)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert second.returncode == 2, second.stdout + second.stderr
    assert "another checks grade is writing to" in _one_line(second.stderr)
    assert first.returncode == 0, stdout + stderr
    assert sorted(_rows(out)) == ["alice", "bob", "carol"]
    for name in ("alice", "bob", "carol"):
        assert {p.name for p in (out / name).iterdir()} >= {"results.json", "report.txt"}
    assert _rows(out)["alice"][1] == FULL
    kit.assert_clean()


def _wait_for(condition: object, process: subprocess.Popen[str]) -> None:
    """Wait until ``condition()`` holds (the marker that grading started), not for a time."""
    deadline = time.monotonic() + WAIT
    while not callable(condition) or not condition():
        assert process.poll() is None, "checks grade ended before the marker appeared"
        assert time.monotonic() < deadline, "the marker never appeared"
        time.sleep(0.05)


def _student_code_running(process: subprocess.Popen[str]) -> bool:
    """Whether a launcher runs in a run's folder: started on ``start.py``, or forked by the
    fork server (``serve.py``), which itself runs from a folder of its own (``forks-``)."""
    with_children = psutil.Process(process.pid).children(recursive=True)
    for child in with_children:
        try:
            launcher = any(part.endswith(("start.py", "serve.py")) for part in child.cmdline())
            if launcher and not Path(child.cwd()).name.startswith("forks-"):
                return True
        except psutil.Error:
            continue
    return False


@posix_only
@pytest.mark.parametrize("to", ["the checks grade process alone", "the whole process group"])
def test_ctrl_c_leaves_the_previous_output_whole(kit: Kit, tmp_path: Path, to: str) -> None:
    """Case 8: Ctrl-C in the middle of a grading: exit 130, one line, the previous output as it
    was, and no temporary folder or process left."""
    base = tmp_path / "class"
    students = [student_copy(base / name, kit.root) for name in ("alice", "bob", "carol")]
    out = tmp_path / "out"
    first = kit.checks("grade", *map(str, students), "--out", str(out))
    assert first.returncode == 0, first.stdout + first.stderr
    before = _snapshot(out)
    # Now bob loops forever: the grading is sure to be in the middle of him when stopped.
    (base / "bob" / "exercises" / "01" / "hello.py").write_text(NEVER_ENDS)
    process = subprocess.Popen(
        [sys.executable, "-m", "checks", "grade", *map(str, students), "--out", str(out)],
        cwd=kit.root,
        env=kit.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _wait_for(lambda: _student_code_running(process), process)
        if to == "the whole process group":
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=WAIT)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130, stdout + stderr
    assert "interrupted" in _one_line(stderr)
    assert _snapshot(out) == before
    kit.assert_clean()


def _pyright_running(process: subprocess.Popen[str]) -> bool:
    for child in psutil.Process(process.pid).children():  # the batch's run, not a worker's
        try:
            if "pyright" in " ".join(child.cmdline()):
                return True
        except psutil.Error:
            continue
    return False


@posix_only
def test_ctrl_c_while_pyright_checks_the_batch_leaves_nothing(tmp_path: Path) -> None:
    """Case 8: Ctrl-C while pyright checks the batch's typed files: exit 130, one line, no
    gradebook, and no temporary folder (``checks-run-*``, ``pyright-*``) or process left."""
    kit = Kit(support.small_kit(tmp_path / "kit", ("01", "09")), tmp_path / "tmp")
    students = [
        student_copy(tmp_path / "class" / name, kit.root, solved=solved)
        for name, solved in (("ann", True), ("ben", False), ("cat", True), ("dan", False))
    ]
    out = tmp_path / "out"
    command = [sys.executable, "-m", "checks", "grade", *map(str, students), "--jobs", "1"]
    process = subprocess.Popen(
        [*command, "--out", str(out)],
        cwd=kit.root,
        env=kit.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _wait_for(lambda: _pyright_running(process), process)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=WAIT)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130, stdout + stderr
    assert "interrupted: nothing in" in _one_line(stderr)
    assert sorted(p.name for p in out.iterdir()) == [".checks-grade.lock"]
    kit.assert_clean()


def _fifo_or_socket(path: Path, kind: str) -> None:
    if kind == "a named pipe":
        os.mkfifo(path)
    else:
        with socket.socket(socket.AF_UNIX) as bound:
            bound.bind(str(path))


@posix_only
@pytest.mark.parametrize("kind", ["a named pipe", "a socket"])
def test_a_special_student_file_is_refused_by_name(kit: Kit, tmp_path: Path, kind: str) -> None:
    """Case 9: a student file that is a named pipe or a socket fails its tests with one line
    naming it, with no hang and no traceback, in pytest and in ``checks grade``."""
    student = student_copy(tmp_path / "class" / "pip", kit.root)
    crashes = student / "exercises" / "03" / "crashes.py"
    crashes.unlink()
    _fifo_or_socket(crashes, kind)
    _fifo_or_socket(student / "exercises" / "01" / "beside", kind)
    done = kit.pytest("exercises", "--submission", str(student))
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"crashes.py is {kind}, not an ordinary file" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert "1 passed" in done.stdout  # exercise 01, beside its own special file
    other = student_copy(tmp_path / "class" / "quinn", kit.root)
    out = tmp_path / "out"
    graded = kit.checks("grade", str(student), str(other), "--out", str(out))
    assert graded.returncode == 0, graded.stdout + graded.stderr
    assert _rows(out)["quinn"][1] == FULL
    assert "exercises/03/crashes.py (not a regular file)" in _rows(out)["pip"][-1] + (
        out / "pip" / "report.txt"
    ).read_text(encoding="utf-8")
    kit.assert_clean()


@posix_only
@pytest.mark.parametrize("kind", ["a named pipe", "a socket"])
def test_stage_refuses_a_special_file_and_runs_its_neighbours(
    kit: Kit, tmp_path: Path, kind: str
) -> None:
    """Case 9: ``checks stage`` on a pipe or a socket: one line; a file beside one: its stage."""
    folder = tmp_path / "files"
    folder.mkdir()
    _fifo_or_socket(folder / "special.py", kind)
    (folder / "hello.py").write_text("print('hello')\n")
    done = kit.checks("stage", str(folder / "special.py"), str(folder / "hello.py"))
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"special.py is {kind}, not an ordinary file" in _one_line(done.stderr)
    assert done.stdout.startswith(f"{folder / 'hello.py'}: ok")
    kit.assert_clean()


def _deep_file(folder: Path, length: int) -> None:
    """A file whose path is longer than ``length`` bytes, made a folder at a time."""
    here = os.open(folder, os.O_RDONLY)
    try:
        for _ in range(length // 200 + 1):
            os.mkdir("d" * 200, dir_fd=here)
            inner = os.open("d" * 200, os.O_RDONLY, dir_fd=here)
            os.close(here)
            here = inner
        fd = os.open("deep.txt", os.O_WRONLY | os.O_CREAT, dir_fd=here)
        os.close(fd)
    finally:
        os.close(here)


@posix_only
def test_a_path_past_the_limit_leaves_one_file_out(kit: Kit, tmp_path: Path) -> None:
    """Case 10: a path longer than 4096 bytes in exercises/03 is left out with a note; the rest
    of the submission is graded, in ``checks grade`` and in ``pytest --submission``."""
    student = student_copy(tmp_path / "class" / "deep", kit.root)
    _deep_file(student / "exercises" / "03", 4200)
    other = student_copy(tmp_path / "class" / "plain", kit.root, solved=False)
    out = tmp_path / "out"
    try:
        done = kit.checks("grade", str(student), str(other), "--out", str(out))
        assert done.returncode == 0, done.stdout + done.stderr
        rows = _rows(out)
        assert rows["deep"][1] == FULL
        assert rows["plain"][1] != FULL
        report = (out / "deep" / "report.txt").read_text(encoding="utf-8")
        assert "cannot be read: File name too long; left out" in report
        direct = kit.pytest("exercises", "--submission", str(student))
        assert direct.returncode == 0, direct.stdout + direct.stderr
    finally:
        shutil.rmtree(student)  # by descriptors: a path past the limit is no trouble
    kit.assert_clean()


def test_stage_serves_many_files_of_one_folder_with_one_copy(tmp_path: Path) -> None:
    """Case 11: ``checks stage`` copies a folder once for all its files, and afresh only after
    a run changed the copy (so every file still sees its folder as it is)."""
    folder = tmp_path / "many"
    folder.mkdir()
    names = [f"f{n:02}.py" for n in range(40)]
    for name in names:
        (folder / name).write_text("import os\nprint(os.path.exists('left.txt'))\n")
    (folder / "f10.py").write_text("open('left.txt', 'w').write('x')\nprint(False)\n")
    before = copies()
    runs = list(run_files([folder / name for name in names]))
    assert copies() - before == 2  # the first copy, and a fresh one after f10 wrote
    assert all(not isinstance(run, Exception) for run in runs)
    assert [run.stdout for run in runs if not isinstance(run, Exception)] == ["False\n"] * 40
    assert not (folder / "left.txt").exists()


def test_reset_of_a_deleted_exercise_says_how_to_get_it_back(own_kit: Kit) -> None:
    """Case 12: ``checks reset 03`` once exercises/03 is gone says so, and how to get it back."""
    shutil.rmtree(own_kit.root / "exercises" / "03")
    done = own_kit.checks("reset", "03", "--yes")
    assert done.returncode == 2, done.stdout + done.stderr
    line = _one_line(done.stderr)
    assert "exercises/03/ is gone" in line
    assert "fresh copy of the kit" in line
    own_kit.assert_clean()
