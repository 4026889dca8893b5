"""Exercise 07, another right answer: os.stat in nanoseconds, struct, bit tests on the flags."""

import importlib.util
import os
import struct
import sys
from pathlib import Path
from types import SimpleNamespace

HASH_BASED = 0b01


def cache_path(source):
    folder, name = os.path.split(os.fspath(source))
    module = name.rsplit(".", 1)[0]
    return Path(folder, "__pycache__", module + "." + sys.implementation.cache_tag + ".pyc")


def read_header(pyc):
    data = Path(pyc).read_bytes()[:16]
    flags, mtime, size = struct.unpack("<3I", data[4:16])
    return SimpleNamespace(magic=data[:4], flags=flags, mtime=mtime, size=size)


def is_stale(source, pyc):
    header = read_header(pyc)
    if header.flags & HASH_BASED:
        with open(source, "rb") as f:
            now = importlib.util.source_hash(f.read())
        return Path(pyc).read_bytes()[8:16] != now
    info = os.stat(source)
    same_time = header.mtime == info.st_mtime_ns // 1_000_000_000
    same_size = header.size == os.path.getsize(source)
    return not (same_time and same_size)
