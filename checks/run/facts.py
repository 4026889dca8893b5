"""The parent's reading of the sealed channel: the child's records, or why they are not to be believed.

The child's side (``checks/child/seal.py``) writes each fact and answer of a trial or a
driver's run as one line, ``repr((nonce, number, kind, value))``, and ends with a record of the
kind ``end``. The nonce was drawn here for this run alone and handed over on the child's stdin,
which the student's code never reads. A line that is not such a record, a record out of turn,
one after the end, or a refusal the hook wrote, means the program changed how the checks
watch it: ``Sealed.tampered`` says how, in words for the student.
"""

from __future__ import annotations

import ast
import secrets
from dataclasses import dataclass
from typing import cast

__all__ = ["FACTS_CAP", "Sealed", "new_nonce", "read_sealed"]

FACTS_CAP = 16 * 1024 * 1024
"""Bytes kept of what the child writes on its sealed channel; a run past it gave no facts."""
_END = "end"
_REFUSED = "refused"


@dataclass(frozen=True)
class Sealed:
    """What the sealed channel held: the records in order, whether they ended, or tampering."""

    records: tuple[tuple[str, object], ...] = ()
    ended: bool = False
    tampered: str = ""


def new_nonce() -> str:
    """A secret for one run: no line the program writes can carry it."""
    return secrets.token_hex(16)


def read_sealed(data: bytes, nonce: str, *, cut: bool = False) -> Sealed:
    """Read the channel's bytes: every line a record of this run's, in turn, then ``end``."""
    records: list[tuple[str, object]] = []
    ended = False
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines()):
        try:
            record = ast.literal_eval(line)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            record = None
        if not (isinstance(record, tuple) and len(record) == 4 and record[0] == nonce):  # pyright: ignore[reportUnknownArgumentType]
            return Sealed(
                tuple(records), tampered="it wrote on the channel the checks' facts travel on"
            )
        _, turn, kind, value = record  # pyright: ignore[reportUnknownVariableType]
        if kind == _REFUSED:
            return Sealed(tuple(records), tampered=str(value))  # pyright: ignore[reportUnknownArgumentType]
        if turn != number or not isinstance(kind, str):
            return Sealed(tuple(records), tampered="a record of the checks' came out of turn")
        if ended:
            return Sealed(tuple(records), tampered="a record of the checks' came after their end")
        if kind == _END:
            ended = True
        else:
            records.append((kind, cast("object", value)))
    return Sealed(tuple(records), ended=ended and not cut)
