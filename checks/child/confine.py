"""Confinement of the student's process: a stub until the sandbox work lands.

``apply`` is called exactly once, by the launcher, after the stage verdict is sealed and
before the student's code starts, with the spec the parent sent in the orders. This stub
confines nothing: an empty spec (the only one sent today) asks for nothing.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


def apply(spec: Mapping[str, object]) -> None:
    """Confine this process as ``spec`` says; an empty spec asks for nothing (a no-op)."""
    del spec
