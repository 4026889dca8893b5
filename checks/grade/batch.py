"""A class's batch: prepare each submission, check its types once, and grade it in a worker.

Each submission is prepared first (its student files taken, the rest compared with the kit);
one whose files are another's, byte for byte, waits for that one and takes its verdicts when
nothing in its run was stopped. One pyright run (a few, ``PYRIGHT_CHUNK`` files each) checks
the typed files of every submission first, while each worker starts on its first submission
and runs the tests that need no findings; pyright in that session (and the tests that need its
findings) waits until the batch's run is done, and finds them in the batch's cache: a class
pays for one start of pyright, not one per worker beside it. All share one cache of findings
and verdicts, for this batch only. Each graded submission gets its ``results.json`` and
``report.txt`` in its folder.

Imports ``checks.grade.given``, ``checks.grade.take`` and ``checks.grade.workers``, the reports,
the run (``sandbox``, ``typecheck``) and the vocabulary; never the staging, the zip or the CLI.
"""

from __future__ import annotations

import contextlib
import copy
import json
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from checks import reports
from checks.cache import digest_tree
from checks.grade.given import Submission
from checks.grade.take import (
    Taken,
    find_kit,
    modified_outside,
    take_student_files,
    why_not_gradable,
)
from checks.grade.workers import Worker
from checks.manifest import KIT_ROOT
from checks.model import Exercise, Grade
from checks.run import sandbox
from checks.run.typecheck import CACHE_FOLDER, TypecheckError, run_pyright
from checks.starter import StarterError, untouched

__all__ = ["PYRIGHT_CHUNK", "grade_batch"]

PYRIGHT_CHUNK = 200
"""Files per pyright run when the batch's files are checked before the tests."""


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
    ready = _Prepared(submission, folder, reason=why_not_gradable(submission.folder))
    ready.kit = find_kit(submission.folder)
    if ready.reason or ready.kit is None:
        return ready
    ready.files = work / "submission"
    ready.files.mkdir(parents=True)
    ready.taken = take_student_files(ready.kit, exercises, ready.files)
    ready.changed = modified_outside(ready.kit, exercises)
    return ready


def _check_types_of_batch(
    batch: Sequence[_Prepared], exercises: Sequence[Exercise], cache: Path, stop: threading.Event
) -> None:
    """Run pyright over every submission's typed files, a few runs in all, to fill ``cache``
    (until ``stop`` is set: the run under way is killed, and no other starts)."""
    typed = [
        p.files / "exercises" / ex.number / name
        for p in batch
        if p.files is not None
        for ex in exercises
        for name in ex.typecheck
    ]
    typed = [path for path in typed if path.is_file()]
    for start in range(0, len(typed), PYRIGHT_CHUNK):
        if stop.is_set():
            return
        # A failure here is not the batch's: each submission's own run says it in its report.
        with contextlib.suppress(TypecheckError):
            run_pyright(typed[start : start + PYRIGHT_CHUNK], cache=cache, cancel=stop)


def _grade(
    ready: _Prepared,
    exercises: Sequence[Exercise],
    worker: Worker,
    cache: Path,
    timeout: float,
    confinement: str,
    typed: threading.Event,
) -> Grade:
    """Check one prepared submission in ``worker`` (or take its twin's verdicts) and write its
    reports. Until ``typed`` is set (the batch's pyright run is done) only the tests that need
    no findings of pyright run."""
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
            log = ready.folder / "pytest.log"
            if typed.is_set():
                stopped, trusted = worker.run(args, log, timeout)
            else:
                worker.prepare(args, log, only_types=True)
                typed.wait()  # set when the batch's pyright is done, or on Ctrl-C
                stopped, trusted = worker.release(timeout, go=not worker.stop.is_set())
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


def grade_batch(
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
    # Each worker's temporary folder is in the batch's scratch folder too (memory, where it has
    # room): its runs make their folders there, and the kit's judges their files (a project
    # for git). What a killed worker leaves there goes with the scratch folder.
    workers = [
        Worker(logs, work / f"pytest-{n}", stop, temporary=work / f"temporary-{n}")
        for n in range(min(jobs, len(batch)))
    ]
    # One pyright run checks the typed files of every submission; meanwhile each worker starts
    # pytest on its first submission and runs the tests that need no findings (the staged files
    # never change); pyright in that session, and the tests that need it, wait until it is done.
    originals = [ready for ready in batch if ready.files is not None and ready.twin is None]
    typed = threading.Event()

    def check_types() -> None:
        try:
            _check_types_of_batch(originals, exercises, cache / CACHE_FOLDER, stop)
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

    def serve(worker: Worker) -> None:
        try:
            while True:
                try:
                    ready = pending.get_nowait()
                except queue.Empty:
                    return
                if ready.twin is not None:
                    ready.twin.done.wait()
                if stop.is_set():
                    ready.done.set()
                    return
                try:
                    grade = _grade(ready, exercises, worker, cache, timeout, confinement, typed)
                except KeyboardInterrupt:  # stop was set while it ran: it is no grade
                    return
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

    # pyright's first: the workers' first submissions wait for it.
    threads = [threading.Thread(target=check_types, daemon=True)]
    threads += [threading.Thread(target=serve, args=(w,), daemon=True) for w in workers]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            _join(thread)
    except BaseException:
        # Ctrl-C: every thread sees ``stop`` within a moment and ends what it started. Until
        # they have, one could still start a worker or pyright that nothing would end.
        stop.set()
        typed.set()  # a worker waits for pyright's thread, which may never have started
        for thread in threads:
            _join(thread)  # one not yet running is not alive: it sees stop at its first step
        raise
    return grades


_LOOK = 0.1
"""Seconds between two looks of the main thread at a Ctrl-C while it waits for a thread."""


def _join(thread: threading.Thread) -> None:
    """Wait for ``thread`` to end, looking every ``_LOOK`` seconds. The system may hand a
    Ctrl-C to any thread of the process, and Python runs its handler in the main thread only
    once that one wakes: a plain ``join`` takes it when the thread ends, which for a class is
    when the grading is over."""
    while thread.is_alive():
        thread.join(_LOOK)
