"""Exercise 06, asking dis for the original names in so many words (adaptive=False, where the
running Python knows the word), so warm code gives the same names as cold."""

import dis
import inspect


def to_code(source):
    return compile(source, "<to_code>", "exec")


def opnames(obj):
    known = inspect.signature(dis.get_instructions).parameters
    options = {"adaptive": False} if "adaptive" in known else {}
    return [instruction.opname for instruction in dis.get_instructions(obj, **options)]
