"""Output caught where CPython writes it: at the file descriptor, not by swapping ``sys.stdout``.

A program may write to stdout through ``print``, through a stream bound before the capture
started (``from sys import stdout``, ``def show(out=sys.stdout)``) or with ``os.write(1, ...)``:
all of them end at file descriptor 1, so laying a temporary file over it catches them all.

Every import here is paid by every trial and every run of a kit's driver. On Linux the file is
made with ``os.open`` in the run's temporary folder (``O_TMPFILE``: it has no name, and goes
when it is closed), as ``tempfile.TemporaryFile`` makes it there, without the dozen modules
``tempfile`` brings; elsewhere ``tempfile`` makes it. Nothing is imported after the student's
code has run: a module of theirs could stand in for it.
"""

from __future__ import annotations

import contextlib
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Generator
    from typing import BinaryIO

_open = open
"""The built-in, as it was before any student code ran."""

if hasattr(os, "O_TMPFILE"):
    _temporary_file = None
else:  # pragma: no cover - macOS and Windows: tempfile knows their ways
    from tempfile import TemporaryFile as _temporary_file

KEPT = 1024 * 1024
"""Bytes of what one capture caught that are kept; the rest is dropped."""


class Caught:
    """What a capture caught on file descriptor 1, once it is over."""

    text = ""


def _flush() -> None:
    for stream in (sys.stdout, sys.__stdout__):
        with contextlib.suppress(Exception):
            stream.flush()  # pyright: ignore[reportOptionalMemberAccess]


_FOLDER = os.environ.get("TMPDIR") or "/tmp"  # tempfile's last resort too
"""Where the files are made: the run's temporary folder, read before any student code ran
(which may change the environment)."""


def _sink() -> BinaryIO:
    """A nameless file to lay over a descriptor: what ``tempfile.TemporaryFile`` makes."""
    if _temporary_file is not None:
        return _temporary_file()
    flags = os.O_RDWR | os.O_EXCL | os.O_CLOEXEC
    try:
        fd = os.open(_FOLDER, flags | os.O_TMPFILE, 0o600)
    except OSError:  # a file system with no nameless files: a named one, unlinked at once
        name = os.path.join(_FOLDER, f"checks-{os.urandom(8).hex()}")
        fd = os.open(name, flags | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            os.unlink(name)
        except BaseException:
            os.close(fd)
            raise
    try:
        return _open(fd, "w+b")
    except BaseException:
        os.close(fd)
        raise


@contextlib.contextmanager
def at_fd(fd: int = 1) -> Generator[Caught, None, None]:
    """Catch what is written to ``fd`` inside the block; its text is ``Caught.text`` after."""
    caught = Caught()
    _flush()
    with _sink() as sink:
        saved = os.dup(fd)
        os.dup2(sink.fileno(), fd)
        try:
            yield caught
        finally:
            _flush()
            os.dup2(saved, fd)
            os.close(saved)
            sink.seek(0)
            caught.text = sink.read(KEPT).decode("utf-8", "replace")
