"""Exercise 07: where CPython caches bytecode, and what a .pyc file says about its source."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Header:
    """The 16-byte header at the start of every .pyc file."""

    magic: bytes  # bytes 0-3: which Python wrote the file
    flags: int  # bytes 4-7: 0 for a timestamp pyc; odd (1 or 3) for a hash-based one
    mtime: int  # bytes 8-11: the source's modification time, in whole seconds
    size: int  # bytes 12-15: the source's size in bytes


def cache_path(source: Path) -> Path:
    """Where CPython caches the bytecode of `source`: __pycache__/NAME.TAG.pyc beside it."""
    tag = sys.implementation.cache_tag  # "cpython-313" on CPython 3.13
    return source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"


def read_header(pyc: Path) -> Header:
    """The magic number, flags, mtime and source size stored at the start of `pyc`."""
    with open(pyc, "rb") as f:
        data = f.read(16)
    return Header(
        magic=data[0:4],
        flags=int.from_bytes(data[4:8], "little"),
        mtime=int.from_bytes(data[8:12], "little"),
        size=int.from_bytes(data[12:16], "little"),
    )


def is_stale(source: Path, pyc: Path) -> bool:
    """Stale when the source's mtime or its length is not the one in the header."""
    header = read_header(pyc)
    if header.flags % 2 == 1:
        with open(pyc, "rb") as f:
            stored = f.read(16)[8:16]
        return stored != importlib.util.source_hash(source.read_bytes())
    text = source.read_text(encoding="utf-8")
    return header.mtime != int(source.stat().st_mtime) or header.size != len(text)
