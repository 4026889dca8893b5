"""Exercise 07, another right answer: the tag read once at import, a plain tuple, a while loop."""

import importlib.util
import sys
from pathlib import Path

TAG = sys.implementation.cache_tag


def cache_path(source):
    source = Path(source)
    return source.parent / "__pycache__" / (source.stem + "." + TAG + ".pyc")


def read_header(pyc):
    data = Path(pyc).read_bytes()[:16]
    fields = []
    i = 4
    while i < 16:
        fields.append(int.from_bytes(data[i : i + 4], byteorder="little"))
        i += 4
    return (data[:4], fields[0], fields[1], fields[2])


def is_stale(source, pyc):
    magic, flags, mtime, size = read_header(pyc)
    if flags & 0b01:
        return Path(pyc).read_bytes()[8:16] != importlib.util.source_hash(Path(source).read_bytes())
    return mtime != int(Path(source).stat().st_mtime) or size != Path(source).stat().st_size
