"""Exercise 07: is_stale recompiles a copy of the source in a scratch folder and compares."""

from __future__ import annotations

import importlib.util
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Header:
    """The 16-byte header at the start of every .pyc file."""

    magic: bytes
    flags: int
    mtime: int
    size: int


def cache_path(source: Path) -> Path:
    """Where CPython caches the bytecode of `source`."""
    return source.parent / "__pycache__" / f"{source.stem}.{sys.implementation.cache_tag}.pyc"


def read_header(pyc: Path) -> Header:
    """The magic number, flags, mtime and source size stored at the start of `pyc`."""
    data = pyc.read_bytes()[:16]
    return Header(
        data[0:4],
        int.from_bytes(data[4:8], "little"),
        int.from_bytes(data[8:12], "little"),
        int.from_bytes(data[12:16], "little"),
    )


def is_stale(source: Path, pyc: Path) -> bool:
    """Compile a copy elsewhere, keeping the source's times, and compare the two headers."""
    import py_compile

    flags = read_header(pyc).flags
    mode = py_compile.PycInvalidationMode.TIMESTAMP
    if flags & 1:
        mode = py_compile.PycInvalidationMode.CHECKED_HASH
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / source.name
        shutil.copy2(source, copy)
        fresh = py_compile.compile(str(copy), cfile=str(Path(scratch) / "x.pyc"), invalidation_mode=mode)
        return Path(fresh).read_bytes()[8:16] != pyc.read_bytes()[8:16]


_ = importlib.util
