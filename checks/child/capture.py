"""Output caught where CPython writes it: at the file descriptor, not by swapping ``sys.stdout``.

A program may write to stdout through ``print``, through a stream bound before the capture
started (``from sys import stdout``, ``def show(out=sys.stdout)``) or with ``os.write(1, ...)``:
all of them end at file descriptor 1, so laying a temporary file over it catches them all.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Generator

KEPT = 1024 * 1024
"""Bytes of what one capture caught that are kept; the rest is dropped."""


class Caught:
    """What a capture caught on file descriptor 1, once it is over."""

    text = ""


def _flush() -> None:
    for stream in (sys.stdout, sys.__stdout__):
        with contextlib.suppress(Exception):
            stream.flush()  # pyright: ignore[reportOptionalMemberAccess]


@contextlib.contextmanager
def at_fd(fd: int = 1) -> Generator[Caught, None, None]:
    """Catch what is written to ``fd`` inside the block; its text is ``Caught.text`` after."""
    caught = Caught()
    _flush()
    saved = os.dup(fd)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), fd)
        try:
            yield caught
        finally:
            _flush()
            os.dup2(saved, fd)
            os.close(saved)
            sink.seek(0)
            caught.text = sink.read(KEPT).decode("utf-8", "replace")
