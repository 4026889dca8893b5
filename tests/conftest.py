"""The kit's own tests under pytest-xdist (``uv run nox`` passes ``-n``; ``pytest tests`` does not).

Every test makes what it changes under its own ``tmp_path``, so the tests run in any order and
side by side. A module whose tests share something costly or something outside ``tmp_path``
(a class graded once, the machine's process table) says so at its top with
``pytestmark = pytest.mark.xdist_group(NAME)``: with ``--dist loadgroup`` its tests run in one
process, one after another. Without pytest-xdist the marker is declared here and does nothing.

pytest-xdist 3.8's own ``loadgroup`` groups nothing on pytest 9.2 (it renames node ids through a
field pytest no longer reads: pytest-xdist issue 1386), so the scheduler below does it: the
controller collects no test, so it reads each module's ``pytestmark`` from its source.
"""

from __future__ import annotations

import ast
import functools
import signal
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
"""The folder pytest's node ids are relative to (the kit's rootdir)."""
GROUP_MARK = "xdist_group"
END_TO_END = (
    "end_to_end: a whole class or a whole kit taken end to end (graded, or self-checked) at the "
    "scale a teacher meets; `uv run nox` runs these on the oldest and the newest Python only, "
    "while the smaller tests of the same code run on every Python (noxfile.py)"
)


def pytest_configure(config: pytest.Config) -> None:
    """Declare ``end_to_end``, and ``xdist_group`` where pytest-xdist is not loaded
    (``-p no:xdist``), and give Ctrl-C back to what the tests start.

    A shell without job control starts a command put in the background (``nox &`` in a
    script) with SIGINT ignored, and every process it starts inherits that: the tests of
    Ctrl-C (``checks grade`` interrupted, a child pytest that interrupts itself) then saw their
    signal ignored and failed. A teacher's terminal has it on; the tests run as there.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    config.addinivalue_line("markers", END_TO_END)
    if not config.pluginmanager.hasplugin("xdist"):
        config.addinivalue_line(
            "markers", "xdist_group(name): tests that pytest-xdist runs in one process"
        )


@functools.cache
def _grouped(module: str) -> bool:
    """Whether the test module ``module`` (a node id's path) marks all its tests with a group."""
    try:
        tree = ast.parse((ROOT / module).read_bytes())
    except (OSError, SyntaxError, ValueError):
        return False
    return any(
        isinstance(node, ast.Assign)
        and any(
            isinstance(target, ast.Name) and target.id == "pytestmark" for target in node.targets
        )
        and GROUP_MARK in ast.unparse(node.value)
        for node in tree.body
    )


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With ``--dist loadgroup``, send each test alone, and a grouped module's tests together."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModuleGroups(LoadScopeScheduling):
        """Each test is a unit of its own, except in a module marked with a group: one unit."""

        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if _grouped(module) else nodeid

    return ModuleGroups(config, log)
