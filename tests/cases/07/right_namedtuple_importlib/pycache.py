"""Exercise 07, another right answer: a NamedTuple, importlib for the path, struct for the bytes."""

import importlib.util
import os
import struct
from pathlib import Path
from typing import NamedTuple


class PycHeader(NamedTuple):
    magic: bytes
    flags: int
    mtime: int
    size: int


def cache_path(source: Path) -> Path:
    return Path(importlib.util.cache_from_source(os.fspath(source)))


def read_header(pyc: Path) -> PycHeader:
    return PycHeader(*struct.unpack("<4sIII", pyc.read_bytes()[:16]))


def is_stale(source: Path, pyc: Path) -> bool:
    raw = pyc.read_bytes()[:16]
    header = read_header(pyc)
    if header.flags & 1:
        return raw[8:16] != importlib.util.source_hash(source.read_bytes())
    st = os.stat(source)
    return (header.mtime, header.size) != (int(st.st_mtime) & 0xFFFFFFFF, st.st_size & 0xFFFFFFFF)
