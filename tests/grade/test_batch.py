"""A class's batch ends on Ctrl-C, wherever it lands: the workers' first submissions wait for
the batch's pyright run, and a Ctrl-C taken before that run's thread started (or while it ran)
must still end every wait. The workers and the submissions are stand-ins: no pytest runs."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from checks.grade import batch
from checks.grade.given import Submission
from checks.model import Exercise

ENDED = 60.0
"""Seconds the batch gets to end after the Ctrl-C; it ends at once, or hangs for good."""


class _Worker:
    """A worker that prepares and answers at once, and says what it was told."""

    told: list[str]
    temporaries: list[Path | None]

    def __init__(
        self, _logs: Path, _basetemp: Path, stop: threading.Event, *, temporary: Path | None = None
    ) -> None:
        self.stop = stop
        _Worker.temporaries.append(temporary)

    def prepare(self, _args: Sequence[str], _log: Path, *, only_types: bool = False) -> None:
        _Worker.told.append("prepared, only types" if only_types else "prepared")

    def release(self, _timeout: float, *, go: bool = True) -> tuple[str, bool]:
        _Worker.told.append(f"released, go={go}")
        return "", True

    def run(self, _args: Sequence[str], _log: Path, _timeout: float) -> tuple[str, bool]:
        _Worker.told.append("ran")
        return "", True

    def close(self) -> None:
        pass


def _prepared(submission: Submission, out: Path, _exercises: Any, work: Path) -> Any:
    folder = out / submission.name
    folder.mkdir(parents=True, exist_ok=True)
    files = work / "submission"
    files.mkdir(parents=True)
    (files / "mine.txt").write_text(submission.name, encoding="utf-8")  # no two alike
    return batch._Prepared(submission, folder, files=files)  # pyright: ignore[reportPrivateUsage]


@pytest.mark.parametrize("interrupted", ["check_types", "serve"])
def test_a_ctrl_c_as_the_threads_start_ends_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, interrupted: str
) -> None:
    """The Ctrl-C is taken by the main thread as it starts the last thread of its kind (the
    pyright run's, or a worker's while pyright runs): ``grade_batch`` raises it, and no worker
    was let go into its tests."""
    _Worker.told = []
    _Worker.temporaries = []
    ran_pyright = threading.Event()

    def check_types(*_args: Any) -> None:
        ran_pyright.set()
        stop.wait()  # a pyright run as long as the batch lets it be

    started: list[str] = []
    real_start = threading.Thread.start

    def start(thread: threading.Thread) -> None:
        target = getattr(thread, "_target", None)
        name = getattr(target, "__name__", "")
        started.append(name)
        if name == interrupted and started.count(name) == (1 if name == "check_types" else 2):
            if name == "serve":
                assert ran_pyright.wait(ENDED)
            raise KeyboardInterrupt
        real_start(thread)

    monkeypatch.setattr(batch, "Worker", _Worker)
    monkeypatch.setattr(batch, "_prepare", _prepared)
    monkeypatch.setattr(batch, "_check_types_of_batch", check_types)
    monkeypatch.setattr(threading.Thread, "start", start)
    (tmp_path / "work").mkdir()
    submissions = [Submission(f"s{i}", tmp_path / f"in{i}") for i in range(3)]
    exercises: list[Exercise] = []
    stop = threading.Event()
    ended: list[str] = []

    def grade() -> None:
        try:
            batch.grade_batch(
                submissions, tmp_path / "out", exercises, tmp_path / "work", 2, 60.0, stop
            )
            ended.append("returned")
        except KeyboardInterrupt:
            ended.append("interrupted")

    runner = threading.Thread(target=grade, daemon=True)
    real_start(runner)
    runner.join(ENDED)
    assert ended == ["interrupted"], f"the batch did not end: {started}, {_Worker.told}"
    assert stop.is_set()
    assert "ran" not in _Worker.told and "released, go=True" not in _Worker.told
    # The staged files never change: only pyright waits for the batch's run, not the tests.
    assert "prepared" not in _Worker.told
    # Each worker's temporary folder is its own, in the batch's scratch folder (none left behind).
    temporaries = _Worker.temporaries
    assert len(temporaries) == 2 and len(set(temporaries)) == 2
    assert all(t is not None and t.parent == tmp_path / "work" for t in temporaries)
