"""``checks watch``'s warm pytest: the same verdicts as a child pytest, files read only once a
prepared run is let go, and a fresh worker whenever the kit's tests change."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from checks.cli.warm import WarmPytest
from checks.grade.workers import Worker
from checks.manifest import load_all
from checks.run.copy import memory_folder
from checks.run.verdict import judge
from tests.support import COMMAND_TIMEOUT, small_kit

SOLVED = 'print("Hello, Python!")\n'


@pytest.fixture
def kit(tmp_path: Path) -> Path:
    """A small copy of the kit holding exercise 01 only, as its starter."""
    return small_kit(tmp_path / "kit", ["01"])


@pytest.fixture
def warm(kit: Path) -> Iterator[WarmPytest]:
    """A warm pytest over the small kit, ended after the test."""
    runner = WarmPytest(kit, load_all(kit), threading.Event())
    yield runner
    runner.close()


def _passed(kit: Path, warm: WarmPytest | None, cache: Path) -> tuple[bool, list[str]]:
    """Whether exercise 01 passes, and its tests' messages, judged warm or by a child pytest."""
    results = judge(load_all(kit), root=kit, cache=cache, runner=warm)
    assert results is not None
    result = results["01"]
    return result.passed, [test.message for test in result.tests]


def test_the_same_verdicts_as_a_child_pytest(kit: Path, warm: WarmPytest, tmp_path: Path) -> None:
    """Save after save, the warm verdict and message are those of a fresh child pytest."""
    hello = kit / "exercises" / "01" / "hello.py"
    for index, text in enumerate(['print("Hello")\n', SOLVED, "print(\n", SOLVED + "# mine\n"]):
        hello.write_text(text, encoding="utf-8")
        warm_said = _passed(kit, warm, tmp_path / f"warm-{index}.json")
        cold_said = _passed(kit, None, tmp_path / f"cold-{index}.json")
        assert warm_said == cold_said
        assert warm_said[0] is (text.startswith(SOLVED))


def test_a_prepared_run_reads_the_file_once_let_go(kit: Path, tmp_path: Path) -> None:
    """A run prepared while the starter was there, let go after a save, judges the save."""
    worker = Worker(tmp_path, tmp_path / "pytest", threading.Event(), root=kit, student=True)
    record = tmp_path / "record.json"
    try:
        worker.prepare(["exercises/01", "-q", "--checks-record", str(record)], tmp_path / "log")
        (kit / "exercises" / "01" / "hello.py").write_text(SOLVED, encoding="utf-8")
        assert worker.release(60) == ("", True)
        tests = json.loads(record.read_text(encoding="utf-8"))["tests"]
        assert [test["outcome"] for test in tests] == ["passed"]
        worker.prepare(["exercises/01", "-q", "--checks-record", str(record)], tmp_path / "log")
        worker.release(60, go=False)
        assert worker.status == pytest.ExitCode.NO_TESTS_COLLECTED
    finally:
        worker.close()


def test_a_prepared_run_that_ends_before_it_waits_costs_the_next_run_nothing(
    kit: Path, tmp_path: Path
) -> None:
    """A prepared run that pytest ends before its collection is over (an option it refuses)
    is answered at once; the word to go on that follows is no job, and the next run is whole."""
    worker = Worker(tmp_path, tmp_path / "pytest", threading.Event(), root=kit)
    try:
        worker.prepare(["exercises/01", "-q", "--no-such-option"], tmp_path / "refused.log")
        assert worker.release(60)[0] == "pytest ended with exit status 4 (see pytest.log)"
        args = ["exercises/01", "-q", "-p", "no:cacheprovider"]
        assert worker.run(args, tmp_path / "next.log", 60) == ("", True)
        assert worker.status == pytest.ExitCode.TESTS_FAILED  # the starter's verdict
    finally:
        worker.close()


def test_a_change_to_the_tests_is_seen(kit: Path, warm: WarmPytest, tmp_path: Path) -> None:
    """The worker keeps the test modules imported: once a test changes, a fresh one judges."""
    hello = kit / "exercises" / "01" / "hello.py"
    hello.write_text('print("Bonjour")\n', encoding="utf-8")
    assert not _passed(kit, warm, tmp_path / "before.json")[0]
    test = kit / "exercises" / "01" / "test_hello.py"
    text = test.read_text(encoding="utf-8").replace('["Hello, Python!"]', '["Bonjour"]')
    test.write_text(text, encoding="utf-8")
    assert _passed(kit, warm, tmp_path / "after.json")[0]


@pytest.mark.skipif(sys.platform != "linux", reason="spare launchers are kept on Linux only")
def test_what_a_killed_worker_leaves_goes_with_the_watch(kit: Path, tmp_path: Path) -> None:
    """After a check, the worker's next session starts a spare launcher in a run folder of its
    own; the worker killed outright (a check stopped), that folder is removed with watch's."""
    runner = WarmPytest(kit, load_all(kit), threading.Event())
    try:
        _passed(kit, runner, tmp_path / "cache.json")
        folder, worker = runner._folder, runner._worker  # pyright: ignore[reportPrivateUsage]
        assert folder is not None and worker is not None and worker.process is not None
        deadline = time.monotonic() + COMMAND_TIMEOUT  # a backstop, never a margin
        while not list((folder / "tmp").glob("run-*")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert list((folder / "tmp").glob("run-*")), "no spare launcher was started"
        os.kill(worker.process.pid, signal.SIGKILL)
    finally:
        runner.close()
    assert not folder.exists()


def test_its_runs_are_made_in_memory(kit: Path, warm: WarmPytest, tmp_path: Path) -> None:
    """The worker's temporary folder, where its runs are copied, is made where a cold check's
    are: in /dev/shm where that is a memory file system with room."""
    memory = memory_folder()
    if memory is None:
        pytest.skip("runs' folders go to the default temporary folder here")
    hello = kit / "exercises" / "01" / "hello.py"
    hello.write_text("import os\nprint(os.getcwd())\n", encoding="utf-8")
    passed, messages = _passed(kit, warm, tmp_path / "cache.json")
    assert not passed
    assert any(memory in message for message in messages), messages
