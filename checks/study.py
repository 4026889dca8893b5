"""Self-study verbs of the ``checks`` command: progress, watch, hint, reset, solution.

(Being written: see issue 4.)
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["cmd_progress", "register"]


def register(verbs: Any) -> None:  # noqa: ANN401
    """Add this module's verbs to the ``checks`` command."""
    del verbs


def cmd_progress(args: argparse.Namespace) -> int:
    """Print the progress table."""
    del args
    print("checks: the progress table is not written yet.")
    return 0
