"""A grading worker's first submission runs its tests while the batch's pyright runs: only
pyright (and the tests that need its findings) waits for the word to go on, then answers from
the cache the batch filled, with the verdicts of a session that waited for nothing."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from checks.grade.workers import Worker
from checks.manifest import load_all
from checks.run.typecheck import CACHE_FOLDER, run_pyright
from tests.support import COMMAND_TIMEOUT, small_kit, write


def _kit(tmp_path: Path) -> tuple[Path, Path]:
    """A small kit with an untyped exercise (01) and a typed one (09), and a marker file that
    exercise 01's first test makes when it runs."""
    kit = small_kit(tmp_path / "kit", ["01", "09"])
    marker = tmp_path / "ran"
    write(
        kit / "exercises/01/test_first.py",
        f"from pathlib import Path\n\n\ndef test_first():\n    Path({str(marker)!r}).touch()\n",
    )
    return kit, marker


def _args(cache: Path, record: Path) -> list[str]:
    return [
        "exercises",
        "-v",
        "-p",
        "no:cacheprovider",
        f"--checks-cache={cache}",
        "--checks-record",
        str(record),
    ]


def _outcomes(record: Path) -> list[tuple[str, str]]:
    tests = json.loads(record.read_text(encoding="utf-8"))["tests"]
    return [(test["nodeid"], test["outcome"]) for test in tests]


def test_tests_run_before_the_word_and_pyright_answers_from_the_cache(tmp_path: Path) -> None:
    kit, marker = _kit(tmp_path)
    typed = [kit / "exercises" / ex.number / name for ex in load_all(kit) for name in ex.typecheck]
    assert typed
    worker = Worker(tmp_path / "logs", tmp_path / "pytest", threading.Event(), root=kit)
    (tmp_path / "logs").mkdir()
    cache, record, log = tmp_path / "cache", tmp_path / "record.json", tmp_path / "run.log"
    try:
        worker.prepare(_args(cache, record), log, only_types=True)
        deadline = time.monotonic() + COMMAND_TIMEOUT
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "no test ran before the word to go on"
        run_pyright(typed, root=kit, cache=cache / CACHE_FOLDER)  # the batch's pyright run
        assert worker.release(COMMAND_TIMEOUT) == ("", True)
        text = log.read_text(encoding="utf-8")
        assert "pyright launched: 0)" in text, text[-2000:]
        waited = _outcomes(record)
        # The same verdicts as a session that waited for nothing, with pyright of its own.
        fresh = tmp_path / "fresh.json"
        args = _args(tmp_path / "fresh-cache", fresh)
        assert worker.run(args, tmp_path / "fresh.log", COMMAND_TIMEOUT) == ("", True)
        assert "pyright launched: 1)" in (tmp_path / "fresh.log").read_text(encoding="utf-8")
        assert waited == _outcomes(fresh)
        assert any(nodeid.startswith("exercises/09/") for nodeid, _ in waited)
    finally:
        worker.close()


def test_no_word_to_go_on_stops_the_session_untrusted(tmp_path: Path) -> None:
    kit, _ = _kit(tmp_path)
    worker = Worker(tmp_path / "logs", tmp_path / "pytest", threading.Event(), root=kit)
    (tmp_path / "logs").mkdir()
    cache, record, log = tmp_path / "cache", tmp_path / "record.json", tmp_path / "run.log"
    try:
        worker.prepare(_args(cache, record), log, only_types=True)
        _, trusted = worker.release(COMMAND_TIMEOUT, go=False)
        assert not trusted
        assert "pyright launched: 0)" in log.read_text(encoding="utf-8")
        # The worker goes on to the next submission, whole.
        args = _args(tmp_path / "next-cache", tmp_path / "next.json")
        assert worker.run(args, tmp_path / "next.log", COMMAND_TIMEOUT) == ("", True)
    finally:
        worker.close()
