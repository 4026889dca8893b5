"""Grading verbs of the ``checks`` command: grade a whole class.

(Being written: see issue 5.)
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["register"]


def register(verbs: Any) -> None:  # noqa: ANN401
    """Add this module's verbs to the ``checks`` command."""
    del verbs
