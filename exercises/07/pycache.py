"""Exercise 07: where CPython caches bytecode, and what a .pyc file says about its source.

Write the three functions below. cache_path is part of the core (README steps 1-3);
read_header and is_stale are the "going further" part (steps 4-5). README.md explains each
one; `uv run pytest exercises/07` checks them on real .pyc files.
"""

from __future__ import annotations

from pathlib import Path


def cache_path(source: Path) -> Path:
    """Where CPython caches the bytecode of `source`."""
    # This is where Python 2 put it: right beside the source. Python 3 does not.
    return source.with_suffix(".pyc")


def read_header(pyc: Path):
    """The magic number, flags, mtime and source size stored at the start of `pyc`."""
    raise NotImplementedError("read the first 16 bytes of the file")


def is_stale(source: Path, pyc: Path) -> bool:
    """Whether `pyc` no longer matches `source`: its mtime and size, or its hash (README step 5)."""
    raise NotImplementedError("compare the header with the source")
