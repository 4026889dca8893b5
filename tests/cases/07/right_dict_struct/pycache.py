"""Exercise 07, another right answer: a dict, os.path strings, the magic as a number."""

import hashlib
import os
import sys
from importlib.util import source_hash


def cache_path(source):
    folder, name = os.path.split(str(source))
    base = name[: -len(".py")] if name.endswith(".py") else name
    return os.path.join(folder, "__pycache__", base + "." + sys.implementation.cache_tag + ".pyc")


def read_header(pyc):
    f = open(pyc, "rb")
    data = f.read(16)
    f.close()
    numbers = [int.from_bytes(data[i : i + 4], "little") for i in range(0, 16, 4)]
    return {"magic": numbers[0], "flags": numbers[1], "mtime": numbers[2], "size": numbers[3]}


def is_stale(source, pyc):
    header = read_header(pyc)
    if header["flags"] % 2 == 1:
        with open(pyc, "rb") as f:
            stored = f.read(16)[8:]
        with open(source, "rb") as f:
            return stored != source_hash(f.read())
    info = os.stat(source)
    if header["mtime"] != int(info.st_mtime):
        return True
    return header["size"] != info.st_size
