"""Grading verbs of the ``checks`` command: grade a whole class, and build Gradescope's zip.

``checks grade SUBMISSION... --out DIR`` grades each student's copy of the kit with this kit's
own tests, never the student's. From each submission only the files the manifests list
(``Exercise.files``) are copied, into a fresh folder that holds nothing else; this kit's tests
check them (``pytest exercises --submission <that folder>``) and write the submission's
``results.json``. Anything else the student changed (tests, ``conftest.py``, ``checks/``,
manifests) is never run: it is compared with the kit and listed in the report. A submission
that cannot be graded (empty, not a kit, a run that never finished) gets its row with 0 and
the reason. Grading never writes into a submission, nor into the kit.

What a teacher hands it is input too: a manifest that cannot load stops the run before the
first student; one run at a time holds ``--out`` (a lock); every report is written to a staging
folder in ``--out`` and moved into place at the end (``_publish``), so that an interrupted run
(Ctrl-C, exit 130) leaves the previous output whole, and no temporary folder or process behind.
Names are data: one that is not UTF-8 is written escaped (``\\xNN``), and what cannot be read
(a path past the system's limit, a named pipe) is left out with a note.

The batch is built for speed: a few long-lived pytest processes (``_grade_worker``, one per
core) check one submission after another; pyright runs once over the typed files of all but
the first few (which check their own beside their tests); all of them share one cache of
findings and verdicts, kept by content, for this batch only; and a submission whose files are
another's, byte for byte, takes that one's verdicts when nothing in its run was stopped. A submission past ``--timeout`` is stopped as Ctrl-C stops
pytest (what ran keeps its points) and its worker is replaced.

``checks gradescope-zip`` builds the autograder zip Gradescope takes: ``setup.sh`` and
``run_autograder`` from ``gradescope/`` at its root, beside the kit (without ``solutions/``).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import math
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

import psutil

if sys.platform == "win32":  # pragma: no cover - Windows
    import msvcrt
else:
    import fcntl

from checks import reports
from checks.cache import digest_tree
from checks.manifest import KIT_ROOT
from checks.model import Exercise, Grade
from checks.reports import classpage
from checks.run import sandbox
from checks.run.typecheck import TypecheckError, run_pyright
from checks.starter import StarterError, untouched

__all__ = [
    "GRADE_TIMEOUT",
    "Submission",
    "build_gradescope_zip",
    "bundle_entries",
    "cmd_grade",
    "cmd_gradescope_zip",
    "find_kit",
    "modified_outside",
    "register",
    "take_student_files",
]

USAGE_ERROR = 2
"""Exit status for input the command cannot use (a missing folder, an unwritable --out)."""

INTERRUPTED = 130
"""Exit status after Ctrl-C, as a shell reports it."""

GRADEBOOK = "grades.csv"
"""The gradebook's name in ``--out``."""

LOCK = ".checks-grade.lock"
"""The file in ``--out`` that one ``checks grade`` at a time holds locked."""

STAGING = ".checks-grade-partial"
"""The folder in ``--out`` where a run writes its reports before they all move into place."""

RESERVED_PREFIX = ".checks-"
"""Names in ``--out`` (and in its staging folder) that are the kit's, never a student's."""

GRADE_TIMEOUT = 600.0
"""Seconds one submission's tests may take in all before the run is stopped."""

STOP_GRACE = 15.0
"""Seconds a stopped run gets to write its report (what ran keeps its points) before a kill."""

WORKER_JOBS = 50
"""Submissions one pytest worker checks before a fresh one takes over (memory stays bounded)."""

PYRIGHT_CHUNK = 200
"""Files per pyright run when the batch's files are checked before the tests."""

FILE_CAP = 1024 * 1024
"""Largest student file taken from a submission, in bytes; a larger one is left out with a note."""

COMPARE_CAP = 20_000
"""Files of a submission compared with the kit at most; past this the comparison stops."""

SHOWN_PATH_CAP = 200
"""Characters of a path a report shows; a longer one (past the system's limit) is cut."""

COMPARED = ("conftest.py", "pyproject.toml", "checks", "exercises")
"""The parts of a submission compared with the kit: what could change a verdict if it ran."""

ZIP_PARTS = (
    "pyproject.toml",
    "uv.lock",
    "README.md",
    "LICENSE",
    "conftest.py",
    "checks",
    "exercises",
)
"""The parts of the kit Gradescope's autograder needs (never ``solutions/`` or ``tests/``)."""

ZIP_SCRIPTS = ("setup.sh", "run_autograder")
"""The scripts from ``gradescope/`` that go to the zip's root, executable."""

DEFAULT_ZIP = Path("dist") / "gradescope-autograder.zip"

_IGNORED_NAMES = frozenset(
    {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".DS_Store"}
)
_IGNORED_SUFFIXES = (".pyc", ".pyo")
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)

GRADE_HELP = "grade students' copies of the kit with the kit's own tests"
GRADE_DESCRIPTION = (
    "Grade each SUBMISSION (a student's copy of the kit, a folder) with this kit's own tests: "
    "only the files each exercise's manifest lists are taken from it. Writes DIR/grades.csv, "
    "DIR/<student>/results.json (Gradescope's format), DIR/<student>/report.txt and the "
    "class page DIR/report.html."
)
ZIP_HELP = "build the autograder zip to upload to Gradescope (without solutions/)"


@dataclass(frozen=True)
class Submission:
    """One student's copy of the kit, as given on the command line."""

    name: str
    """The student: the folder's name (made unique within the batch)."""
    folder: Path


@dataclass
class Taken:
    """The student files copied from a submission, and what was left out and why."""

    count: int = 0
    missing: list[str] = field(default_factory=list[str])
    refused: list[str] = field(default_factory=list[str])


def _printable(text: str) -> str:
    """A name as it can be written anywhere: bytes that are not UTF-8 shown as ``\\xNN``."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _ignored(name: str) -> bool:
    return name in _IGNORED_NAMES or name.endswith(_IGNORED_SUFFIXES)


def find_kit(folder: Path) -> Path | None:
    """The copy of the kit in a submission: the folder itself, or its one sub-folder holding it
    (a zip that unpacks into a folder), or ``None``."""
    if (folder / "exercises").is_dir():
        return folder
    inner = [
        p
        for p in folder.iterdir()
        if p.is_dir() and not p.is_symlink() and not p.name.startswith((".", "__MACOSX"))
    ]
    if len(inner) == 1 and (inner[0] / "exercises").is_dir():
        return inner[0]
    return None


def _why_not_gradable(folder: Path) -> str:
    """Why a submission cannot be graded at all, or an empty string."""
    try:
        visible = [p for p in folder.iterdir() if not p.name.startswith(".")]
    except OSError as error:
        return f"The submission cannot be read: {error}."
    if not visible:
        return "The submission is an empty folder: there is nothing to grade."
    if find_kit(folder) is None:
        return "The submission is not a copy of the kit: it has no exercises/ folder."
    return ""


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _copy_one(source: Path, target: Path, shown: str, root: Path, taken: Taken) -> None:
    try:
        _copy_regular(source, target, shown, root, taken)
    except OSError as error:
        taken.refused.append(f"{shown} (cannot be read: {error.strerror or error})")


def _copy_regular(source: Path, target: Path, shown: str, root: Path, taken: Taken) -> None:
    if source.is_symlink() or not _inside(source.resolve(), root):
        taken.refused.append(f"{shown} (a symbolic link: never followed)")
        return
    if not source.is_file():
        taken.refused.append(f"{shown} (not a regular file)")
        return
    size = source.stat().st_size
    if size > FILE_CAP:
        taken.refused.append(f"{shown} ({size} bytes: larger than {FILE_CAP})")
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(source.read_bytes())
    taken.count += 1


def take_student_files(kit: Path, exercises: Sequence[Exercise], into: Path) -> Taken:
    """Copy the files the manifests list from a submission's kit into ``into``, nothing else.

    Files are copied byte for byte, never linked; symbolic links, special files and files over
    ``FILE_CAP`` bytes are left out and reported.
    """
    taken = Taken()
    root = kit.resolve()
    for exercise in exercises:
        for name in exercise.files:
            relative = Path("exercises", exercise.number, name.rstrip("/"))
            source = kit / relative
            shown = _printable(relative.as_posix())
            if source.is_symlink():
                taken.refused.append(f"{shown} (a symbolic link: never followed)")
            elif source.is_dir():
                unreadable: list[str] = []
                for inner in sorted(_walk(source, unreadable)):
                    rel = inner.relative_to(kit)
                    _copy_one(inner, into / rel, _printable(rel.as_posix()), root, taken)
                taken.refused += [_unreadable(kit, path) for path in unreadable]
            elif source.exists():
                _copy_one(source, into / relative, shown, root, taken)
            else:
                taken.missing.append(shown)
    return taken


def _walk(folder: Path, unreadable: list[str] | None = None) -> Iterator[Path]:
    """Every file and symbolic link under ``folder``, never following links, caches left out.

    What cannot be read (a folder past the system's path limit, one without permission) is
    left out, its path and the reason added to ``unreadable``.
    """

    def note(error: OSError) -> None:
        if unreadable is not None:
            unreadable.append(f"{error.filename}\0{error.strerror or error}")

    for directory, dirs, files in os.walk(folder, onerror=note, followlinks=False):
        here = Path(directory)
        links: list[str] = []
        for name in dirs:
            try:
                if (here / name).is_symlink():
                    links.append(name)
            except OSError as error:
                note(error)
                links.append(name)  # not entered: a link or not, it cannot be looked at
        dirs[:] = sorted(d for d in dirs if not _ignored(d) and d not in links)
        for name in sorted([*files, *links]):
            if not _ignored(name):
                yield here / name


def _unreadable(root: Path, noted: str) -> str:
    """One entry of ``_walk``'s ``unreadable``, as a report shows it: relative, printable."""
    path, _, why = noted.partition("\0")
    with contextlib.suppress(ValueError):
        path = Path(path).relative_to(root).as_posix()
    return f"{_shown_path(path)} (cannot be read: {why}; left out)"


def _shown_path(path: str) -> str:
    """A path as a report shows it: printable, and cut in the middle past ``SHOWN_PATH_CAP``."""
    path = _printable(path)
    if len(path) > SHOWN_PATH_CAP:
        path = path[: SHOWN_PATH_CAP // 2] + "..." + path[-SHOWN_PATH_CAP // 2 :]
    return path


def _student_path(relative: str, exercises: Sequence[Exercise]) -> bool:
    for exercise in exercises:
        for name in exercise.files:
            own = f"exercises/{exercise.number}/{name.rstrip('/')}"
            if relative == own or relative.startswith(own + "/"):
                return True
    return False


def _files(
    root: Path, exercises: Sequence[Exercise], unreadable: list[str] | None = None
) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for part in COMPARED:
        start = root / part
        paths = [start] if start.is_file() or start.is_symlink() else _walk(start, unreadable)
        for path in paths:
            relative = _printable(path.relative_to(root).as_posix())
            if not _student_path(relative, exercises):
                found[relative] = path
            if len(found) > COMPARE_CAP:
                return found
    return found


def _same(mine: Path, theirs: Path) -> bool:
    if theirs.is_symlink() or not theirs.is_file() or theirs.stat().st_size > FILE_CAP:
        return False

    def text(path: Path) -> bytes:
        return path.read_bytes().replace(b"\r\n", b"\n")

    return text(mine) == text(theirs)


def modified_outside(kit: Path, exercises: Sequence[Exercise], root: Path = KIT_ROOT) -> list[str]:
    """The files of a submission's kit that differ from this kit's, outside the student files.

    Compared: ``conftest.py``, ``pyproject.toml``, ``checks/`` and ``exercises/`` (line
    endings aside). Each entry is a path with what happened to it: changed, added or deleted.
    """
    pristine = _files(root, exercises)
    unreadable: list[str] = []
    theirs = _files(kit, exercises, unreadable)
    found: list[str] = [_unreadable(kit, path) for path in unreadable]
    for relative in sorted(set(pristine) | set(theirs)):
        if relative not in theirs:
            found.append(f"{_shown_path(relative)} (deleted)")
        elif relative not in pristine:
            found.append(f"{_shown_path(relative)} (added)")
        else:
            with contextlib.suppress(OSError):
                if _same(pristine[relative], theirs[relative]):
                    continue
            found.append(f"{_shown_path(relative)} (changed)")
    return found


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill a process and every process it started."""
    with contextlib.suppress(psutil.NoSuchProcess):
        tree = psutil.Process(process.pid).children(recursive=True)
        process.kill()
        for child in tree:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
    process.wait()


class _Worker:
    """One long-lived pytest process (``checks.grade.worker``), started when first needed."""

    def __init__(self, logs: Path, basetemp: Path, stop: threading.Event) -> None:
        self.logs = logs
        self.basetemp = basetemp
        """pytest's temporary folder for this worker alone (two sessions never race on one)."""
        self.stop = stop
        """Set on Ctrl-C: no new worker starts."""
        self.process: subprocess.Popen[bytes] | None = None
        self.replies: queue.Queue[bytes | None] = queue.Queue()
        self.jobs = 0
        self.started = 0
        self.errors: Path | None = None
        """Where the running worker's own error output goes."""

    def start(self) -> subprocess.Popen[bytes]:
        """Start a fresh worker process."""
        if self.stop.is_set():
            raise KeyboardInterrupt
        self.started += 1
        env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
        self.errors = self.logs / f"worker-{id(self)}-{self.started}.log"
        errors = self.errors.open("wb")
        process = subprocess.Popen(
            [sys.executable, "-E", "-B", "-m", "checks.grade.worker"],
            cwd=KIT_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            env=env,
        )
        errors.close()
        self.replies = queue.Queue()
        threading.Thread(
            target=_pump, args=(process.stdout, self.replies), daemon=True, name="grade-worker"
        ).start()
        self.process, self.jobs = process, 0
        return process

    def run(self, args: Sequence[str], log: Path, timeout: float) -> tuple[str, bool]:
        """Run pytest with ``args`` in the worker: why it did not finish (if so), and whether
        its verdicts hold for any submission with the same files (see ``_grade_worker``)."""
        process = self.process
        if process is None or process.poll() is not None or self.jobs >= WORKER_JOBS:
            self.close()
            process = self.start()
        self.jobs += 1
        args = [*args, f"--basetemp={self.basetemp}"]
        job = json.dumps({"args": args, "log": str(log)}) + "\n"
        try:
            if process.stdin is None:  # pragma: no cover - always a pipe
                raise BrokenPipeError
            process.stdin.write(job.encode())
            process.stdin.flush()
            reply = self.replies.get(timeout=timeout)
        except queue.Empty:
            self._stop(process)
            return f"the tests took longer than {timeout:g} seconds and were stopped", False
        except BaseException:
            self._stop(process)
            raise
        if reply is None:
            status = process.wait()
            self.close()
            said = ""
            if self.errors is not None:
                with contextlib.suppress(OSError):
                    said = self.errors.read_text(encoding="utf-8", errors="replace")[-1500:]
            why = f"the grading process ended unexpectedly (exit status {status})"
            return why + (f":\n{said.strip()}" if said.strip() else ""), False
        answer = json.loads(reply)
        status = answer.get("status")
        if status not in (0, 1):
            return f"pytest ended with exit status {status} (see pytest.log)", False
        return "", answer.get("trusted") is True

    def _stop(self, process: subprocess.Popen[bytes]) -> None:
        """Stop the run as Ctrl-C does (it then writes what ran), then end the worker."""
        with contextlib.suppress(ProcessLookupError):
            if os.name == "posix":
                process.send_signal(signal.SIGINT)
                with contextlib.suppress(queue.Empty):
                    self.replies.get(timeout=STOP_GRACE)
        _kill(process)
        self.close()

    def close(self) -> None:
        """End the worker: close its input and wait for it, or kill it."""
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            if process.stdin is not None:
                process.stdin.close()
        try:
            process.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            _kill(process)
        if process.stdout is not None:
            process.stdout.close()


def _pump(pipe: IO[bytes] | None, replies: queue.Queue[bytes | None]) -> None:
    """Pass each line a worker writes on to ``replies``; ``None`` once it ends."""
    if pipe is not None:
        with contextlib.suppress(OSError, ValueError):
            for line in pipe:
                replies.put(line)
    replies.put(None)


@dataclass
class _Prepared:
    """A submission ready for the tests: its student files, taken, and what was noticed."""

    submission: Submission
    folder: Path
    """Where its reports go: ``out/<student>``."""
    files: Path | None = None
    """The folder holding its student files only; ``None`` if it cannot be graded."""
    reason: str = ""
    kit: Path | None = None
    taken: Taken = field(default_factory=Taken)
    changed: list[str] = field(default_factory=list[str])
    twin: _Prepared | None = None
    """An earlier submission whose student files are the same, byte for byte."""
    done: threading.Event = field(default_factory=threading.Event)
    verdicts: Grade | None = None
    """Its grade before notes, when it holds for a twin (nothing stopped, pyright answered)."""


def _prepare(
    submission: Submission, out: Path, exercises: Sequence[Exercise], work: Path
) -> _Prepared:
    """Take a submission's student files into ``work`` and compare the rest with the kit."""
    folder = out / submission.name
    folder.mkdir(parents=True, exist_ok=True)
    ready = _Prepared(submission, folder, reason=_why_not_gradable(submission.folder))
    ready.kit = find_kit(submission.folder)
    if ready.reason or ready.kit is None:
        return ready
    ready.files = work / "submission"
    ready.files.mkdir(parents=True)
    ready.taken = take_student_files(ready.kit, exercises, ready.files)
    ready.changed = modified_outside(ready.kit, exercises)
    return ready


def _check_types_of_batch(
    batch: Sequence[_Prepared], exercises: Sequence[Exercise], cache: Path
) -> None:
    """Run pyright over every submission's typed files, a few runs in all, to fill ``cache``."""
    typed = [
        p.files / "exercises" / ex.number / name
        for p in batch
        if p.files is not None
        for ex in exercises
        for name in ex.typecheck
    ]
    typed = [path for path in typed if path.is_file()]
    for start in range(0, len(typed), PYRIGHT_CHUNK):
        # A failure here is not the batch's: each submission's own run says it in its report.
        with contextlib.suppress(TypecheckError):
            run_pyright(typed[start : start + PYRIGHT_CHUNK], cache=cache)


def _grade(
    ready: _Prepared,
    exercises: Sequence[Exercise],
    worker: _Worker,
    cache: Path,
    timeout: float,
    confinement: str = sandbox.DEFAULT_MODE,
) -> Grade:
    """Check one prepared submission in ``worker`` (or take its twin's verdicts) and write its
    reports."""
    results = ready.folder / "results.json"
    if ready.files is None:
        grade = reports.zero_grade(exercises, ready.reason)
    else:
        started = time.monotonic()
        twin = ready.twin
        if twin is not None and twin.verdicts is not None and twin.files is not None:
            grade = _moved(twin.verdicts, twin.files, ready.files)
        else:
            args = [
                "exercises",
                f"--submission={ready.files}",
                f"--gradescope={results}",
                f"--checks-cache={cache}",
                f"--sandbox={confinement}",
                "-p",
                "no:cacheprovider",
                # A warning of pytest's own machinery (a race in cleaning temporary folders, an
                # iterator closed late) is no verdict: filterwarnings = error must not zero a grade.
                "-p",
                "no:warnings",
                "--color=no",
                "-q",
            ]
            stopped, trusted = worker.run(args, ready.folder / "pytest.log", timeout)
            grade = _read(results, exercises, stopped)
            if trusted and grade.complete and not stopped:
                ready.verdicts = copy.deepcopy(grade)
        if ready.kit is not None:  # the student's files as they are in their copy
            grade = _moved(grade, ready.files, ready.kit)
        grade.seconds = time.monotonic() - started
        grade.notes += _notes(ready)
        _mark_untouched(grade, ready.files)
    reports.write_json(results, reports.gradescope(grade))
    text = reports.text_report(grade, ready.submission.name)
    (ready.folder / "report.txt").write_text(text, encoding="utf-8")
    return grade


def _mark_untouched(grade: Grade, files: Path) -> None:
    """Say which exercises the submission never started: its files are the starter's."""
    for result in grade.exercises:
        with contextlib.suppress(StarterError, OSError):
            folder = files / "exercises" / result.exercise.number
            result.untouched = untouched(result.exercise, KIT_ROOT, folder)


def _moved(grade: Grade, theirs: Path, mine: Path) -> Grade:
    """The same verdicts, with messages that name the files under ``mine``, not ``theirs``
    (a twin's own files; the student's copy instead of the folder graded)."""

    def moved(text: str) -> str:
        for old, new in ((theirs.resolve(), mine.resolve()), (theirs, mine)):
            text = text.replace(str(old), str(new))
        return text

    twin = copy.deepcopy(grade)
    twin.notes = [moved(note) for note in twin.notes]
    for result in twin.exercises:
        result.message = moved(result.message)
        result.tests = [replace(test, message=moved(test.message)) for test in result.tests]
    return twin


def _notes(ready: _Prepared) -> list[str]:
    """What the report says about the submission beside its tests."""
    notes: list[str] = []
    if ready.kit is not None and ready.kit != ready.submission.folder:
        notes.append(f"The kit was found in {ready.kit.name}/ inside the submission.")
    if ready.taken.missing:
        notes.append("Missing exercise files (their tests fail): " + ", ".join(ready.taken.missing))
    if ready.taken.refused:
        notes.append("Files left out (never read): " + ", ".join(ready.taken.refused))
    if ready.changed:
        notes.append(
            f"Modified outside the exercise files, and ignored: {len(ready.changed)} file(s) "
            "(the kit's own copies were used)\n" + "\n".join(f"  {c}" for c in ready.changed)
        )
    return notes


def _read(results: Path, exercises: Sequence[Exercise], stopped: str) -> Grade:
    """The grade a child run wrote, or a zero grade saying why there is none."""
    try:
        data: Any = json.loads(results.read_text(encoding="utf-8"))
        grade = reports.from_gradescope(data, exercises)
    except (OSError, ValueError, TypeError, AttributeError) as error:
        why = stopped or f"the tests wrote no readable report ({type(error).__name__})"
        return reports.zero_grade(exercises, f"Grading failed: {why}. See pytest.log.")
    if stopped:
        grade.complete = False
        grade.notes.insert(0, f"Grading stopped: {stopped}; what had not run scores 0.")
    return grade


def _submissions(given: Sequence[str]) -> list[Submission]:
    seen: set[Path] = set()
    names: set[str] = {GRADEBOOK}  # a student named like the gradebook gets a suffix
    found: list[Submission] = []
    for text in given:
        folder = Path(text).resolve()
        if folder in seen:
            continue
        seen.add(folder)
        base = _printable(folder.name) or "submission"
        if base.startswith(RESERVED_PREFIX):
            base = "student" + base
        name, n = base, 1
        while name in names:
            n += 1
            name = f"{base}-{n}"
        names.add(name)
        found.append(Submission(name=name, folder=folder))
    return found


def _check_input(submissions: Sequence[Submission], given: Sequence[str], out: Path) -> str:
    """What is wrong with the command's input, in one line, or an empty string."""
    for text in given:
        path = Path(text)
        if not path.exists():
            return f"{text}: no such folder"
        if not path.is_dir():
            return f"{text}: not a folder (a submission is a student's copy of the kit)"
    if _inside(out, KIT_ROOT):
        return (
            f"--out {out} is inside the kit ({KIT_ROOT}): grading never writes into the kit, "
            "so choose a folder outside it"
        )
    for submission in submissions:
        if _inside(out, submission.folder) or _inside(submission.folder, out):
            return (
                f"--out {out} overlaps the submission {submission.folder}: grading never writes "
                "into a submission, so choose a folder apart from them"
            )
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as error:
        return f"--out {out}: cannot write there ({error.strerror or error})"
    for submission in submissions:
        target = out / submission.name
        if (target.exists() or target.is_symlink()) and not _report_folder(target):
            return (
                f"--out {out} already holds {target.name}, which is not a report of checks "
                "grade, and it would be replaced: choose an empty folder for --out"
            )
    return ""


def _report_folder(folder: Path) -> bool:
    """Whether ``folder`` may be replaced by a student's new reports: a real folder of files."""
    try:
        if folder.is_symlink() or not folder.is_dir():
            return False
        return all(entry.is_file() and not entry.is_symlink() for entry in folder.iterdir())
    except OSError:
        return False


def cmd_grade(args: argparse.Namespace) -> int:
    """Grade every submission given, in parallel, and write the gradebook."""
    out = Path(args.out).resolve()
    exercises, problems = reports.kit_exercises(KIT_ROOT)
    if problems:
        # A kit that cannot load would grade every student 0: stop before the first.
        said = problems[0].rstrip(".")
        print(f"checks grade: {said}; fix it, then grade again", file=sys.stderr)
        return USAGE_ERROR
    submissions = _submissions(args.submissions)
    problem = ""
    if args.jobs is not None and args.jobs < 1:
        problem = "--jobs must be 1 or more"
    elif not 0 < args.timeout < math.inf:
        problem = f"--timeout must be a number of seconds above 0, not {args.timeout:g}"
    problem = problem or _check_input(submissions, args.submissions, out)
    if not problem and args.sandbox == "require" and not sandbox.confined(sandbox.probe()):
        why = sandbox.probe().removeprefix("not confined: ")
        problem = f"--sandbox=require, but this system cannot confine student programs: {why}"
    if problem:
        print(f"checks grade: {problem}", file=sys.stderr)
        return USAGE_ERROR
    jobs = args.jobs or os.cpu_count() or 1
    try:
        with _locked(out):
            return _grade_into(out, submissions, exercises, jobs, args.timeout, args.sandbox)
    except _BusyError as busy:
        print(f"checks grade: {busy}", file=sys.stderr)
        return USAGE_ERROR


class _BusyError(Exception):
    """Another ``checks grade`` is writing to the same ``--out``."""


@contextlib.contextmanager
def _locked(out: Path) -> Generator[None, None, None]:
    """Hold ``out``'s lock for one run: a second run on the same folder stops at once."""
    with (out / LOCK).open("a+b") as handle:
        if not _take_lock(handle.fileno()):
            msg = (
                f"another checks grade is writing to {out} right now; wait until it ends, "
                "or give this one another --out"
            )
            raise _BusyError(msg)
        yield  # the lock ends when the file is closed


def _take_lock(descriptor: int) -> bool:
    """Lock an open file without waiting: False if another process holds it."""
    try:
        if sys.platform == "win32":  # pragma: no cover - Windows
            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
        else:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (BlockingIOError, PermissionError):
        return False
    except OSError:
        return True  # a folder that takes no locks (some network shares): go on without one
    return True


def _grade_into(
    out: Path,
    submissions: Sequence[Submission],
    exercises: Sequence[Exercise],
    jobs: int,
    timeout: float,
    confinement: str,
) -> int:
    """Grade into a staging folder, then move every report into ``out`` at once.

    An interrupted run (Ctrl-C) leaves ``out`` as it was, with no temporary folder or process.
    """
    staging = out / STAGING
    before = "the reports there are those of the run before" if (out / GRADEBOOK).exists() else ""
    started = time.time()
    stop = threading.Event()
    scratch = Path(tempfile.mkdtemp(prefix="checks-grade-"))
    try:
        _remove_tree(staging)  # left by a run that was killed
        staging.mkdir()
        with _temporary_files_in(scratch / "tmp"):
            grades = _grade_batch(
                submissions, staging, exercises, scratch, jobs, timeout, stop, confinement
            )
        folders = {s.name: _printable(str(s.folder)) for s in submissions}
        reports.write_csv(staging / GRADEBOOK, grades, exercises, folders)
        classpage.write_page(staging, exercises)
        with _uninterrupted():
            _publish(staging, out, grades)
    except KeyboardInterrupt:
        stop.set()
        _end_children(started)
        kept = f" ({before})" if before else ""
        print(
            f"checks grade: interrupted: nothing in {out} was changed{kept}; run it again to grade",
            file=sys.stderr,
        )
        return INTERRUPTED
    finally:
        stop.set()
        _end_children(started)
        _remove_tree(scratch)
        _remove_tree(staging)
    print(
        f"Wrote {out / GRADEBOOK}, the class page {out / classpage.PAGE} and a report per "
        f"student in {out}."
    )
    return 0


def _publish(staging: Path, out: Path, grades: dict[str, Grade]) -> None:
    """Move each student's new reports, then the class's files (the gradebook and any other
    file written beside it in ``staging``), into ``out``, replacing the previous ones."""
    previous = staging / (RESERVED_PREFIX + "previous")
    previous.mkdir()
    for name in sorted(grades):
        target = out / name
        if target.exists() or target.is_symlink():
            target.rename(previous / name)
        (staging / name).rename(target)
    for path in sorted(staging.iterdir()):
        if path.is_file() and not path.name.startswith(RESERVED_PREFIX):
            path.replace(out / path.name)


@contextlib.contextmanager
def _uninterrupted() -> Generator[None, None, None]:
    """Hold Ctrl-C back while the reports move into place (a moment), then deliver it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    before = signal.signal(signal.SIGINT, lambda number, _frame: held.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)
    if held:
        raise KeyboardInterrupt


@contextlib.contextmanager
def _temporary_files_in(folder: Path) -> Generator[None, None, None]:
    """Make this process and those it starts (workers, pyright) put temporary files in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    names = ("TMPDIR", "TEMP", "TMP")
    saved = {name: os.environ.get(name) for name in names}
    saved_tempdir = tempfile.tempdir
    os.environ.update(dict.fromkeys(names, str(folder)))
    tempfile.tempdir = str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = saved_tempdir
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _end_children(since: float) -> None:
    """Kill every process this one started since ``since`` (workers, pyright, student runs)."""
    with contextlib.suppress(psutil.Error):
        for child in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if child.create_time() >= since - 1:
                    child.kill()


def _remove_tree(folder: Path) -> None:
    """Remove ``folder`` and all it holds, if it is there, whatever its permissions."""
    for _ in range(3):
        if not (folder.exists() or folder.is_symlink()):
            return
        if folder.is_symlink() or not folder.is_dir():
            folder.unlink()
            return

        def allow(func: Any, name: str, _error: object) -> None:
            with contextlib.suppress(OSError):
                Path(name).parent.chmod(0o700)
                func(name)

        if sys.version_info >= (3, 12):
            shutil.rmtree(folder, onexc=allow)
        else:  # pragma: no cover - Python 3.10 and 3.11
            shutil.rmtree(folder, onerror=allow)


def _grade_batch(
    submissions: Sequence[Submission],
    out: Path,
    exercises: Sequence[Exercise],
    work: Path,
    jobs: int,
    timeout: float,
    stop: threading.Event,
    confinement: str = sandbox.DEFAULT_MODE,
) -> dict[str, Grade]:
    """Prepare every submission, check the batch's types once, then grade in ``jobs`` workers
    (until ``stop`` is set)."""
    cache = work / "cache"
    logs = work / "logs"
    logs.mkdir()
    batch: list[_Prepared] = []
    for index, submission in enumerate(submissions):
        try:
            batch.append(_prepare(submission, out, exercises, work / str(index)))
        except OSError as error:
            folder = out / submission.name
            batch.append(_Prepared(submission, folder, reason=f"Grading failed: {error}."))
    # A submission whose files are another's, byte for byte (an untouched starter, a copy),
    # waits for that one and takes its verdicts (or, if they may not hold, the batch's cache).
    first: dict[str, _Prepared] = {}
    for ready in batch:
        if ready.files is not None:
            ready.twin = first.setdefault(digest_tree(ready.files), ready)
            if ready.twin is ready:
                ready.twin = None
    batch.sort(key=lambda ready: ready.twin is not None)
    workers = [_Worker(logs, work / f"pytest-{n}", stop) for n in range(min(jobs, len(batch)))]
    # The first submissions start at once, each with pyright beside its tests; meanwhile one
    # pyright run checks the typed files of the others, which wait for it.
    originals = [ready for ready in batch if ready.files is not None and ready.twin is None]
    early = {id(ready) for ready in originals[: len(workers)]}
    later = [ready for ready in originals if id(ready) not in early]
    typed = threading.Event()

    def check_types() -> None:
        try:
            _check_types_of_batch(later, exercises, cache / "pyright")
        except Exception:
            if not stop.is_set():  # killed on Ctrl-C: nothing to say
                raise
        finally:
            typed.set()

    grades: dict[str, Grade] = {}
    pending: queue.Queue[_Prepared] = queue.Queue()
    for ready in batch:
        pending.put(ready)
    lock = threading.Lock()

    def serve(worker: _Worker) -> None:
        try:
            while True:
                try:
                    ready = pending.get_nowait()
                except queue.Empty:
                    return
                if id(ready) not in early:
                    typed.wait()
                if ready.twin is not None:
                    ready.twin.done.wait()
                if stop.is_set():
                    ready.done.set()
                    return
                try:
                    grade = _grade(ready, exercises, worker, cache, timeout, confinement)
                except Exception as error:  # noqa: BLE001 - one submission never stops the batch
                    grade = reports.zero_grade(exercises, f"Grading failed: {error!r}.")
                finally:
                    ready.done.set()
                if stop.is_set():
                    return  # interrupted: its run was killed, and it is no grade
                with lock:
                    grades[ready.submission.name] = grade
                    note = f"  ({grade.notes[0].splitlines()[0]})" if grade.notes else ""
                    name = ready.submission.name
                    print(f"{name}: {grade.score:g} / {grade.max_score:g}{note}", flush=True)
        finally:
            worker.close()

    threads = [threading.Thread(target=serve, args=(w,), daemon=True) for w in workers]
    threads.append(threading.Thread(target=check_types, daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return grades


def bundle_entries(root: Path, parts: Sequence[str] = ZIP_PARTS) -> list[tuple[str, Path]]:
    """The files of the kit's ``parts`` an autograder takes, by their path in the kit (caches
    left out); never ``solutions/`` or the kit's own tests."""
    entries: list[tuple[str, Path]] = []
    for part in parts:
        path = root / part
        if path.is_file():
            entries.append((part, path))
        elif path.is_dir():
            entries += [(p.relative_to(root).as_posix(), p) for p in _walk(path) if p.is_file()]
    if any(name.split("/")[0] in ("solutions", "tests") for name, _ in entries):
        msg = "an autograder must never hold solutions/ or tests/"
        raise RuntimeError(msg)
    return entries


def build_gradescope_zip(target: Path, root: Path = KIT_ROOT) -> list[str]:
    """Write the Gradescope autograder zip to ``target``; return the names it holds."""
    entries: list[tuple[str, Path, bool]] = [
        (name, root / "gradescope" / name, True) for name in ZIP_SCRIPTS
    ]
    entries += [(name, path, False) for name, path in bundle_entries(root)]
    names = [name for name, _, _ in entries]
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, path, executable in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100755 if executable else 0o100644) << 16
            data = path.read_bytes()
            if executable:
                data = data.replace(b"\r\n", b"\n")
            archive.writestr(info, data)
    return names


def cmd_gradescope_zip(args: argparse.Namespace) -> int:
    """Build Gradescope's autograder zip."""
    target = Path(args.out)
    inside = [part for part in ZIP_PARTS if _inside(target.resolve(), (KIT_ROOT / part).resolve())]
    if inside:
        print(
            f"checks gradescope-zip: --out {target} is inside the kit's {inside[0]}, which the "
            "zip holds: choose a path outside it (the default is dist/)",
            file=sys.stderr,
        )
        return USAGE_ERROR
    missing = [n for n in ZIP_SCRIPTS if not (KIT_ROOT / "gradescope" / n).is_file()]
    if missing:
        print(f"checks gradescope-zip: gradescope/{missing[0]} is missing", file=sys.stderr)
        return USAGE_ERROR
    try:
        names = build_gradescope_zip(target)
    except OSError as error:
        print(f"checks gradescope-zip: cannot write {target}: {error}", file=sys.stderr)
        return USAGE_ERROR
    print(f"Wrote {target} ({len(names)} files). Upload it as the autograder of the assignment.")
    return 0


def grade_command(argv: Sequence[str]) -> int:
    """Run ``checks grade`` with these arguments, parsed as the command line parses them."""
    parser = argparse.ArgumentParser(prog="checks")
    register(parser.add_subparsers(dest="verb"))
    return cmd_grade(parser.parse_args(["grade", *argv]))


def register(verbs: Any) -> None:  # argparse keeps the type of `verbs` private
    """Add this module's verbs to the ``checks`` command."""
    grade = verbs.add_parser("grade", help=GRADE_HELP, description=GRADE_DESCRIPTION)
    grade.add_argument("submissions", nargs="+", metavar="SUBMISSION")
    grade.add_argument("--out", required=True, metavar="DIR", help="where the reports go")
    grade.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="submissions graded at once (default: one per core)",
    )
    grade.add_argument(
        "--timeout",
        type=float,
        default=GRADE_TIMEOUT,
        metavar="SECONDS",
        help=f"time one submission's tests may take in all (default: {GRADE_TIMEOUT:g})",
    )
    grade.add_argument(
        "--sandbox", choices=sandbox.MODES, default=sandbox.DEFAULT_MODE, help=sandbox.SANDBOX_HELP
    )
    grade.set_defaults(handler=cmd_grade)
    bundle = verbs.add_parser("gradescope-zip", help=ZIP_HELP, description=ZIP_HELP)
    bundle.add_argument(
        "--out", default=str(DEFAULT_ZIP), metavar="PATH", help=f"default: {DEFAULT_ZIP}"
    )
    bundle.set_defaults(handler=cmd_gradescope_zip)
