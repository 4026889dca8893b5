"""Exercise 06, with dis.Bytecode and keyword arguments to compile()."""

from dis import Bytecode
from operator import attrgetter


def to_code(source):
    return compile(source=source, filename="my program.py", mode="exec")


def opnames(obj):
    return list(map(attrgetter("opname"), Bytecode(obj)))
