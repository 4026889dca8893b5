"""Exercise 07, with the imports inside the functions and the header read by struct."""

from pathlib import Path


def cache_path(source):
    """Where CPython caches the bytecode of `source`."""
    import sys

    return source.parent / "__pycache__" / (source.stem + "." + sys.implementation.cache_tag + ".pyc")


def read_header(pyc):
    """The four fields of the header, as a namedtuple made on the spot."""
    import collections
    import struct

    Header = collections.namedtuple("Header", "magic flags mtime size")
    with open(pyc, "rb") as f:
        magic, flags, mtime, size = struct.unpack("<4sIII", f.read(16))
    return Header(magic, flags, mtime, size)


def is_stale(source, pyc):
    """True when the header no longer matches the source."""
    import importlib.util

    header = read_header(pyc)
    if header.flags & 1:
        return Path(pyc).read_bytes()[8:16] != importlib.util.source_hash(Path(source).read_bytes())
    info = Path(source).stat()
    return (header.mtime, header.size) != (int(info.st_mtime), info.st_size)
