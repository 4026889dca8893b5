"""The real verdict of each exercise on the student's current files, remembered by content.

``judge`` runs the exercises' own tests in a child pytest, with the kit's plugin and options,
exactly as ``uv run pytest exercises/NN`` runs them, so the verdict is the one a student gets
by typing that command. Many exercises to check are shared among a few children at once (one
per CPU), each running several exercises, since starting pytest costs more than most tests. The
kit's plugin, given ``--checks-record``, writes each test's outcome to a JSON file, read here;
pytest's text output is never parsed. A caller that keeps a warm pytest process (``checks
watch``) hands ``judge`` a ``Runner`` instead: the same arguments, run by ``pytest.main`` in that
process, so a save does not pay for Python's and pytest's start.

Verdicts are kept in a cache file under a key that hashes everything that decides them: every
file of the exercise's folder (the student's files, the tests, the manifest and any data), the
kit's ``checks`` package, ``conftest.py`` and ``pyproject.toml``, the installed distributions
and the Python that runs the kit. When any of them changes the key changes, so a kept verdict
cannot be stale; no "done" flag that could drift from the files is ever kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Protocol, cast

import psutil

from checks.cache import file_entry, kit_digest, walk_files
from checks.model import Exercise, ExerciseResult, Failure, Outcome, TestResult
from checks.run.copy import memory_folder
from checks.run.environment import TEMPORARY
from checks.run.limits import kill_tree, usable_cores

__all__ = [
    "CACHE_FORMAT",
    "DEFAULT_WEIGHT",
    "MAX_WORKERS",
    "OUTPUT_SHOWN",
    "RECORD_FORMAT",
    "STUDY_FOLDER",
    "VERDICTS_FILE",
    "WAIT_STEP",
    "Runner",
    "VerdictError",
    "as_record",
    "fingerprint",
    "judge",
    "known",
    "run_tests",
]

RECORD_FORMAT = 1
"""Version of the JSON record; ``judge`` refuses a record of another version."""

STUDY_FOLDER = ".checks"
"""The folder at the kit's root where ``checks`` keeps what it remembers (git-ignored)."""

VERDICTS_FILE = "verdicts.json"
"""Where, inside the study folder, the verdicts of the students' files are kept by content."""

CACHE_FORMAT = 1
"""Version of the cache file and of the keys in it; a change makes every kept verdict unused."""

WAIT_STEP = 0.1
"""Seconds between two looks at the child pytest, so that it stops soon after being asked."""

OUTPUT_SHOWN = 30
"""Last lines of the child pytest's output quoted when the tests could not run at all."""

MAX_WORKERS = 4
"""Most child pytest runs at once (never more than the cores it may use), for a first check of
many."""

DEFAULT_WEIGHT = 1.0
"""Seconds an exercise is assumed to take when it has never been checked, to share the work."""

_PYTEST_ANSWERED = (0, 1, 5)
"""pytest's exit statuses that carry verdicts: all passed, some failed, no tests collected."""


class VerdictError(Exception):
    """The child pytest ended without verdicts: the kit is broken, not the exercise."""


class Runner(Protocol):
    """A pytest process kept warm: runs pytest with ``args`` from the kit's folder, each test's
    outcome recorded in ``record`` (``--checks-record``) and its output in ``log``, and gives
    pytest's exit status (``None`` once stopped, with nothing to read)."""

    def __call__(self, args: Sequence[str], record: Path, log: Path) -> int | None:
        """Run pytest with ``args``; its exit status."""
        ...


def as_record(test: TestResult) -> dict[str, object]:
    """One test's outcome as JSON data (written by the kit's recorder,
    ``checks/plugin/recorder.py``; read back here)."""
    return {
        "nodeid": test.nodeid,
        "exercise": test.exercise,
        "name": test.name,
        "outcome": test.outcome.value,
        "message": test.message,
        "duration": test.duration,
        "weight": test.weight,
        "guard": test.guard,
        "going_further": test.going_further,
        "failure": test.failure.to_json() if test.failure else None,
    }


def _kit_digest(root: Path) -> bytes:
    """What decides every verdict of the kit at ``root`` (``cache.kit_digest``), in this
    cache's format."""
    return hashlib.sha256(f"{CACHE_FORMAT}\0".encode() + kit_digest(root)).digest()


def fingerprint(exercise: Exercise, root: Path, kit: bytes | None = None) -> str:
    """The cache key of an exercise's verdict: a hash of everything that decides it.

    ``kit`` is the part shared by every exercise of the kit, when already computed.
    """
    digest = hashlib.sha256(_kit_digest(root) if kit is None else kit)
    digest.update(exercise.number.encode() + b"\0")
    for name, path in walk_files(exercise.folder):
        digest.update(file_entry(name, path))
    for name in exercise.files:
        # A student file that is missing decides the verdict too.
        digest.update(file_entry(f"student:{name}", exercise.folder / name))
    return digest.hexdigest()


def _json_object(value: object) -> dict[str, object]:
    """``value`` if it is a JSON object, else an empty one."""
    return cast("dict[str, object]", value) if isinstance(value, dict) else {}


def _json_list(value: object) -> list[object]:
    """``value`` if it is a JSON array, else an empty one."""
    return cast("list[object]", value) if isinstance(value, list) else []


def _read_json(path: Path) -> dict[str, object]:
    """The JSON object in a file, or an empty one if the file is missing or not one."""
    try:
        return _json_object(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def _from_record(data: object) -> TestResult | None:
    """A test's outcome read back from JSON, or None when the entry is not one."""
    entry = _json_object(data)
    duration = entry.get("duration", 0.0)
    weight = entry.get("weight", 1.0)
    try:
        return TestResult(
            nodeid=str(entry["nodeid"]),
            exercise=str(entry["exercise"]),
            name=str(entry["name"]),
            outcome=Outcome(entry["outcome"]),
            message=str(entry.get("message", "")),
            duration=float(duration) if isinstance(duration, (int, float)) else 0.0,
            weight=float(weight) if isinstance(weight, (int, float)) and weight > 0 else 1.0,
            guard=entry.get("guard") is True,
            going_further=entry.get("going_further") is True,
            failure=Failure.from_json(entry.get("failure")),
        )
    except (KeyError, ValueError):
        return None


def _from_records(data: object) -> list[TestResult] | None:
    """Tests' outcomes read back from a JSON array, or None if any entry is not one."""
    tests = [_from_record(item) for item in _json_list(data)]
    return [test for test in tests if test is not None] if None not in tests else None


def _end(process: subprocess.Popen[bytes]) -> None:
    """Kill a child pytest and everything it started (student programs included)."""
    with contextlib.suppress(psutil.Error):
        kill_tree(psutil.Process(process.pid), None)
    with contextlib.suppress(OSError):
        process.kill()
    process.wait()


def _wait(processes: Sequence[subprocess.Popen[bytes]], stop: threading.Event | None) -> bool:
    """Wait for every child; False if ``stop`` was set first. No child outlives this call."""
    try:
        for process in processes:
            while True:
                try:
                    process.wait(timeout=WAIT_STEP)
                    break
                except subprocess.TimeoutExpired:
                    if stop is not None and stop.is_set():
                        return False
        return True
    finally:
        for process in processes:
            if process.poll() is None:
                _end(process)


def _groups(numbers: Sequence[str], weights: dict[str, float]) -> list[list[str]]:
    """Share the exercises among the workers, longest first, so that they finish together."""
    workers = max(1, min(len(numbers), usable_cores(), MAX_WORKERS))
    groups: list[list[str]] = [[] for _ in range(workers)]
    loads = [0.0] * workers
    for number in sorted(numbers, key=lambda n: -weights.get(n, DEFAULT_WEIGHT)):
        lightest = loads.index(min(loads))
        groups[lightest].append(number)
        loads[lightest] += weights.get(number, DEFAULT_WEIGHT)
    return [sorted(group) for group in groups if group]


def _arguments(numbers: Sequence[str], options: Sequence[str]) -> list[str]:
    """pytest's arguments for the tests of ``numbers`` (``--checks-record`` comes apart)."""
    return [
        *(f"exercises/{number}" for number in numbers),
        "-q",
        "--no-header",
        "--color=no",
        "--tb=short",
        "--continue-on-collection-errors",
        "-p",
        "no:cacheprovider",
        *options,
    ]


def _tail(log: Path) -> str:
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-OUTPUT_SHOWN:])


def _outcomes(record: Path, log: Path, status: int | None) -> list[TestResult]:
    """The outcomes one child pytest recorded; VerdictError if it ended without them."""
    data = _read_json(record)
    tests = _from_records(data.get("tests"))
    if data.get("format") != RECORD_FORMAT or tests is None or status not in _PYTEST_ANSWERED:
        msg = (
            f"The exercises' tests could not run (pytest ended with status {status}). "
            f"Its last words:\n{_tail(log)}"
        )
        raise VerdictError(msg)
    return tests


def run_tests(
    numbers: Iterable[str],
    *,
    root: Path,
    options: Sequence[str] = (),
    stop: threading.Event | None = None,
    weights: dict[str, float] | None = None,
    runner: Runner | None = None,
) -> dict[str, list[TestResult]] | None:
    """Run the tests of the exercises ``numbers``; their outcomes, by exercise.

    With a ``runner``, all of them run in one session of that warm process instead.

    The exercises are shared among a few child pytest runs working at once (one per CPU, at
    most ``MAX_WORKERS``), balanced by ``weights`` (the seconds each took last time). Returns
    None when ``stop`` is set before the tests finish (the children are ended then). Raises
    ``VerdictError`` when a pytest ends without verdicts (a usage or internal error).
    """
    numbers = list(numbers)
    found: dict[str, list[TestResult]] = {number: [] for number in numbers}
    if runner is not None:
        # In memory where it has room, as the warm process's own folder is: its record and log
        # are moved here, not copied, and the folder goes with no disk's bookkeeping.
        with tempfile.TemporaryDirectory(prefix="checks-", dir=memory_folder()) as work:
            record, log = Path(work, "record.json"), Path(work, "output.txt")
            status = runner(_arguments(numbers, options), record, log)
            if status is None:
                return None
            for test in _outcomes(record, log, status):
                found.setdefault(test.exercise, []).append(test)
        return found
    # The children make their runs' folders in ``work`` (their TMPDIR), which goes with this
    # call: a check stopped in the middle of a run leaves no folder of it behind.
    with (
        tempfile.TemporaryDirectory(prefix="checks-", dir=memory_folder()) as work,
        contextlib.ExitStack() as logs,
    ):
        temporary = Path(work, "tmp")
        temporary.mkdir()
        environment = {**os.environ, **dict.fromkeys(TEMPORARY, str(temporary))}
        runs: list[tuple[subprocess.Popen[bytes], Path, Path]] = []
        for index, group in enumerate(_groups(numbers, weights or {})):
            record = Path(work, f"record-{index}.json")
            log = Path(work, f"output-{index}.txt")
            output = logs.enter_context(log.open("wb"))
            process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "pytest", *_arguments(group, options)),
                    *("--checks-record", str(record)),
                ],
                cwd=root,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=output,
            )
            runs.append((process, record, log))
        if not _wait([process for process, _, _ in runs], stop):
            return None
        logs.close()
        for process, record, log in runs:
            for test in _outcomes(record, log, process.returncode):
                found.setdefault(test.exercise, []).append(test)
    return found


def _load(cache: Path) -> dict[str, tuple[str, list[TestResult]]]:
    """The kept verdicts, by exercise: the key they were kept under and the outcomes."""
    data = _read_json(cache)
    if data.get("format") != CACHE_FORMAT:
        return {}
    kept: dict[str, tuple[str, list[TestResult]]] = {}
    for number, value in _json_object(data.get("exercises")).items():
        entry = _json_object(value)
        key = entry.get("key")
        tests = _from_records(entry.get("tests"))
        if isinstance(key, str) and tests is not None:
            kept[number] = (key, tests)
    return kept


def _save(cache: Path, kept: dict[str, tuple[str, list[TestResult]]]) -> None:
    """Write the cache atomically; a cache that cannot be written is simply not kept."""
    data = {
        "format": CACHE_FORMAT,
        "exercises": {
            number: {"key": key, "tests": [as_record(test) for test in tests]}
            for number, (key, tests) in sorted(kept.items())
        },
    }
    with contextlib.suppress(OSError):
        cache.parent.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=cache.parent, prefix=cache.name, suffix=".partial")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False)
        try:
            Path(partial).replace(cache)
        except OSError:
            Path(partial).unlink(missing_ok=True)


def known(exercises: Sequence[Exercise], *, root: Path, cache: Path) -> dict[str, ExerciseResult]:
    """The kept verdicts that still hold (their key is that of the current files), by number.

    Nothing is run: an exercise with no such verdict is left out. Used only to say which
    exercise to do next, never to grade.
    """
    kit = _kit_digest(root)
    kept = _load(cache)
    return {
        exercise.number: ExerciseResult(exercise, kept[exercise.number][1])
        for exercise in exercises
        if exercise.number in kept and kept[exercise.number][0] == fingerprint(exercise, root, kit)
    }


def judge(
    exercises: Sequence[Exercise],
    *,
    root: Path,
    cache: Path,
    stop: threading.Event | None = None,
    announce: Callable[[list[Exercise]], None] | None = None,
    runner: Runner | None = None,
    later: list[Callable[[], None]] | None = None,
) -> dict[str, ExerciseResult] | None:
    """The verdict of each exercise on its current files, by number.

    Verdicts whose key is in ``cache`` are reused; the others come from ``run_tests``
    (``announce`` is told which exercises, first). A verdict is kept only if no
    file changed while the tests ran. Returns None if ``stop`` is set while the tests run.
    ``later``: keeping the new verdicts is left there to do, once they are shown (a file
    changed by then keeps none).
    """
    kit = _kit_digest(root)
    keys = {exercise.number: fingerprint(exercise, root, kit) for exercise in exercises}
    kept = _load(cache)
    results: dict[str, ExerciseResult] = {}
    todo: list[Exercise] = []
    for exercise in exercises:
        entry = kept.get(exercise.number)
        if entry is not None and entry[0] == keys[exercise.number]:
            results[exercise.number] = ExerciseResult(exercise, entry[1])
        else:
            todo.append(exercise)
    if todo:
        if announce is not None:
            announce(todo)
        weights = {number: sum(t.duration for t in tests) for number, (_, tests) in kept.items()}
        numbers = [exercise.number for exercise in todo]
        found = run_tests(numbers, root=root, stop=stop, weights=weights, runner=runner)
        if found is None:
            return None
        for exercise in todo:
            results[exercise.number] = ExerciseResult(exercise, found.get(exercise.number, []))

        def keep() -> None:
            kept = _load(cache)
            kit = _kit_digest(root)
            for exercise in todo:
                if fingerprint(exercise, root, kit) == keys[exercise.number]:
                    kept[exercise.number] = (keys[exercise.number], results[exercise.number].tests)
            _save(cache, kept)

        if later is None:
            keep()
        else:
            later.append(keep)
    return {exercise.number: results[exercise.number] for exercise in exercises}
