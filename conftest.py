"""Load the kit's pytest plugin; everything an exercise test needs lives in ``checks/``."""

from __future__ import annotations

pytest_plugins = ["checks.plugin"]
