"""The kit's own tests under pytest-xdist (``uv run nox`` passes ``-n``; ``pytest tests`` does not).

Every test makes what it changes under its own ``tmp_path``, so the tests run in any order and
side by side. A module whose tests share something costly or something outside ``tmp_path``
(a class graded once, the machine's process table) says so with
``pytestmark = pytest.mark.xdist_group(NAME)``: with ``--dist loadgroup`` its tests run in one
process, one after another. Without pytest-xdist the marker is declared here and does nothing.
"""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Declare ``xdist_group`` where pytest-xdist is not loaded (``-p no:xdist``)."""
    if not config.pluginmanager.hasplugin("xdist"):
        config.addinivalue_line(
            "markers", "xdist_group(name): tests that pytest-xdist runs in one process"
        )
