"""Grading verbs of the ``checks`` command: grade a whole class, and build Gradescope's zip.

``checks grade SUBMISSION... --out DIR`` grades each student's copy of the kit with this kit's
own tests, never the student's. From each submission only the files the manifests list
(``Exercise.files``) are copied, into a fresh folder that holds nothing else; a child pytest
run from this kit checks them (``pytest exercises --submission <that folder>``) and writes the
submission's ``results.json``. Anything else the student changed (tests, ``conftest.py``,
``checks/``, manifests) is never run: it is compared with the kit and listed in the report.
Submissions are graded in parallel, one child process each, and a submission that cannot be
graded (empty, not a kit, a run that never finished) gets its row with 0 and the reason.
Grading never writes into a submission.

``checks gradescope-zip`` builds the autograder zip Gradescope takes: ``setup.sh`` and
``run_autograder`` from ``gradescope/`` at its root, beside the kit (without ``solutions/``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from checks import reports
from checks.manifest import KIT_ROOT
from checks.model import Exercise, Grade

__all__ = [
    "GRADE_TIMEOUT",
    "Submission",
    "build_gradescope_zip",
    "cmd_grade",
    "cmd_gradescope_zip",
    "find_kit",
    "grade_submission",
    "modified_outside",
    "register",
    "take_student_files",
]

USAGE_ERROR = 2
"""Exit status for input the command cannot use (a missing folder, an unwritable --out)."""

GRADE_TIMEOUT = 600.0
"""Seconds one submission's tests may take in all before the run is stopped."""

STOP_GRACE = 15.0
"""Seconds a stopped run gets to write its report (what ran keeps its points) before a kill."""

FILE_CAP = 1024 * 1024
"""Largest student file taken from a submission, in bytes; a larger one is left out with a note."""

COMPARE_CAP = 20_000
"""Files of a submission compared with the kit at most; past this the comparison stops."""

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
    "DIR/<student>/results.json (Gradescope's format) and DIR/<student>/report.txt."
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
            shown = relative.as_posix()
            if source.is_symlink():
                taken.refused.append(f"{shown} (a symbolic link: never followed)")
            elif source.is_dir():
                for inner in sorted(_walk(source)):
                    rel = inner.relative_to(kit)
                    _copy_one(inner, into / rel, rel.as_posix(), root, taken)
            elif source.exists():
                _copy_one(source, into / relative, shown, root, taken)
            else:
                taken.missing.append(shown)
    return taken


def _walk(folder: Path) -> Iterator[Path]:
    """Every file and symbolic link under ``folder``, never following links, caches left out."""
    for directory, dirs, files in os.walk(folder, followlinks=False):
        here = Path(directory)
        links = [d for d in dirs if (here / d).is_symlink()]
        dirs[:] = sorted(d for d in dirs if not _ignored(d) and d not in links)
        for name in sorted([*files, *links]):
            if not _ignored(name):
                yield here / name


def _student_path(relative: str, exercises: Sequence[Exercise]) -> bool:
    for exercise in exercises:
        for name in exercise.files:
            own = f"exercises/{exercise.number}/{name.rstrip('/')}"
            if relative == own or relative.startswith(own + "/"):
                return True
    return False


def _files(root: Path, exercises: Sequence[Exercise]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for part in COMPARED:
        start = root / part
        paths = [start] if start.is_file() or start.is_symlink() else _walk(start)
        for path in paths:
            relative = path.relative_to(root).as_posix()
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
    theirs = _files(kit, exercises)
    found: list[str] = []
    for relative in sorted(set(pristine) | set(theirs)):
        if relative not in theirs:
            found.append(f"{relative} (deleted)")
        elif relative not in pristine:
            found.append(f"{relative} (added)")
        else:
            with contextlib.suppress(OSError):
                if _same(pristine[relative], theirs[relative]):
                    continue
            found.append(f"{relative} (changed)")
    return found


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Ask a run to stop as Ctrl-C does (it then reports what ran), and kill it if it lingers."""
    with contextlib.suppress(ProcessLookupError, psutil.NoSuchProcess):
        if os.name == "posix":
            process.send_signal(signal.SIGINT)
        else:  # pragma: no cover - Windows
            process.terminate()
        try:
            process.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            tree = psutil.Process(process.pid).children(recursive=True)
            process.kill()
            for child in tree:
                with contextlib.suppress(psutil.NoSuchProcess):
                    child.kill()
            process.wait()


def _run_tests(prepared: Path, results: Path, log: Path, timeout: float) -> str:
    """Run the kit's tests on the prepared student files; return why they did not finish, if so."""
    command = [
        sys.executable,
        "-E",
        "-B",
        "-m",
        "pytest",
        "exercises",
        f"--submission={prepared}",
        f"--gradescope={results}",
        "-p",
        "no:cacheprovider",
        "--color=no",
        "-q",
    ]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=KIT_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            _stop(process)
            return f"the tests took longer than {timeout:g} seconds and were stopped"
        except BaseException:
            _stop(process)
            raise
    if process.returncode not in (0, 1):
        return f"pytest ended with exit status {process.returncode} (see pytest.log)"
    return ""


def grade_submission(
    submission: Submission, out: Path, exercises: Sequence[Exercise], timeout: float
) -> Grade:
    """Grade one submission and write its ``results.json`` and ``report.txt`` under ``out``."""
    folder = out / submission.name
    folder.mkdir(parents=True, exist_ok=True)
    results = folder / "results.json"
    results.unlink(missing_ok=True)
    reason = _why_not_gradable(submission.folder)
    kit = find_kit(submission.folder)
    if reason or kit is None:
        grade = reports.zero_grade(exercises, reason)
    else:
        with tempfile.TemporaryDirectory(prefix="checks-grade-") as work:
            prepared = Path(work) / "submission"
            prepared.mkdir()
            started = time.monotonic()
            taken = take_student_files(kit, exercises, prepared)
            changed = modified_outside(kit, exercises)
            stopped = _run_tests(prepared, results, folder / "pytest.log", timeout)
            grade = _read(results, exercises, stopped)
            grade.seconds = time.monotonic() - started
        if kit != submission.folder:
            grade.notes.append(f"The kit was found in {kit.name}/ inside the submission.")
        if taken.missing:
            grade.notes.append(
                "Missing exercise files (their tests fail): " + ", ".join(taken.missing)
            )
        if taken.refused:
            grade.notes.append("Files left out (never read): " + ", ".join(taken.refused))
        if changed:
            grade.notes.append(
                f"Modified outside the exercise files, and ignored: {len(changed)} file(s) "
                "(the kit's own copies were used)\n" + "\n".join(f"  {c}" for c in changed)
            )
    reports.write_json(results, reports.gradescope(grade))
    text = reports.text_report(grade, submission.name)
    (folder / "report.txt").write_text(text, encoding="utf-8")
    return grade


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
    names: set[str] = set()
    found: list[Submission] = []
    for text in given:
        folder = Path(text).resolve()
        if folder in seen:
            continue
        seen.add(folder)
        base = folder.name or "submission"
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
    return ""


def cmd_grade(args: argparse.Namespace) -> int:
    """Grade every submission given, in parallel, and write the gradebook."""
    out = Path(args.out).resolve()
    submissions = _submissions(args.submissions)
    problem = _check_input(submissions, args.submissions, out)
    if not problem and args.jobs is not None and args.jobs < 1:
        problem = "--jobs must be 1 or more"
    if problem:
        print(f"checks grade: {problem}", file=sys.stderr)
        return USAGE_ERROR
    exercises, problems = reports.kit_exercises(KIT_ROOT)
    for text in problems:
        print(f"checks grade: warning: {text}", file=sys.stderr)
    jobs = args.jobs or os.cpu_count() or 1
    grades: dict[str, Grade] = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {
            pool.submit(grade_submission, s, out, exercises, args.timeout): s for s in submissions
        }
        try:
            for future in as_completed(futures):
                submission = futures[future]
                try:
                    grade = future.result()
                except Exception as error:  # noqa: BLE001 - one submission never stops the batch
                    grade = reports.zero_grade(exercises, f"Grading failed: {error!r}.")
                grades[submission.name] = grade
                note = f"  ({grade.notes[0].splitlines()[0]})" if grade.notes else ""
                print(f"{submission.name}: {grade.score:g} / {grade.max_score:g}{note}", flush=True)
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    reports.write_csv(out / "grades.csv", grades, exercises)
    print(f"Wrote {out / 'grades.csv'} and a report per student in {out}.")
    return 0


def build_gradescope_zip(target: Path, root: Path = KIT_ROOT) -> list[str]:
    """Write the Gradescope autograder zip to ``target``; return the names it holds."""
    entries: list[tuple[str, Path, bool]] = [
        (name, root / "gradescope" / name, True) for name in ZIP_SCRIPTS
    ]
    for part in ZIP_PARTS:
        path = root / part
        if path.is_file():
            entries.append((part, path, False))
        elif path.is_dir():
            entries += [
                (p.relative_to(root).as_posix(), p, False) for p in _walk(path) if p.is_file()
            ]
    names = [name for name, _, _ in entries]
    if any(name.split("/")[0] in ("solutions", "tests") for name in names):  # pragma: no cover
        msg = "the Gradescope zip must never hold solutions/ or tests/"
        raise RuntimeError(msg)
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
    grade.set_defaults(handler=cmd_grade)
    bundle = verbs.add_parser("gradescope-zip", help=ZIP_HELP, description=ZIP_HELP)
    bundle.add_argument(
        "--out", default=str(DEFAULT_ZIP), metavar="PATH", help=f"default: {DEFAULT_ZIP}"
    )
    bundle.set_defaults(handler=cmd_gradescope_zip)
