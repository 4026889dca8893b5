"""A pytest plugin that writes each exercise's test outcomes to a JSON file, for ``checks``.

``checks`` (the progress table, ``watch``, ``solution``) learns the verdict of the exercises by
running their own tests in a child pytest with ``--checks-record FILE`` (an option of the kit's
plugin, which registers a ``Recorder``: the plugin is loaded once, by ``conftest.py``). The
outcome of each test is the one the kit's plugin keeps (``KitState.results``, the same verdicts
its progress summary and the grades use); a test file that cannot even be collected is recorded
too, as an error of its exercise. Nothing here decides a verdict.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path, PurePosixPath

import pytest

from checks.model import Outcome, TestResult
from checks.run.verdict import RECORD_FORMAT, as_record

__all__ = ["RECORD_HELP", "Recorder", "exercise_number"]

RECORD_HELP = "write each exercise's test outcomes to this JSON file (used by `checks`)"


def exercise_number(nodeid: str) -> str | None:
    """The exercise folder a pytest node id is in (``exercises/03/test_x.py::t`` -> ``03``)."""
    parts = PurePosixPath(nodeid.split("::", maxsplit=1)[0]).parts
    if len(parts) >= 2 and parts[0] == "exercises":
        return parts[1]
    return None


def _as_planned(test: TestResult, planned: TestResult | None) -> TestResult:
    """A test's outcome with the weight and kind its markers gave it when it was collected."""
    if planned is None:
        return test
    return replace(
        test, weight=planned.weight, guard=planned.guard, going_further=planned.going_further
    )


class Recorder:
    """Keeps collection errors and writes every outcome when the session ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.broken: list[TestResult] = []

    @pytest.hookimpl
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """Keep a test file (or folder) that could not be collected, as an error."""
        number = exercise_number(report.nodeid)
        if not report.failed or number is None:
            return
        self.broken.append(
            TestResult(
                nodeid=report.nodeid,
                exercise=number,
                name=PurePosixPath(report.nodeid).name,
                outcome=Outcome.ERROR,
                message=report.longreprtext,
            )
        )

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """Write the record: the exit status and one entry per test."""
        # Imported here: the kit's conftest loads checks.plugin after this module (importing
        # checks.plugin.state imports it), and pytest warns about (so, with warnings as errors,
        # refuses) a plugin imported before that.
        from checks.plugin.state import STATE

        state = session.config.stash.get(STATE, None)
        results = state.results if state is not None else {}
        planned = state.planned if state is not None else {}
        tests = [*self.broken, *(test for number in sorted(results) for test in results[number])]
        tests = [_as_planned(test, planned.get(test.nodeid)) for test in tests]
        record = {
            "format": RECORD_FORMAT,
            "exitstatus": int(exitstatus),
            "tests": [as_record(test) for test in tests],
        }
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        partial.replace(self.path)
