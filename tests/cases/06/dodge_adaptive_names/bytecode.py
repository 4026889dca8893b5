"""Exercise 06, with the names the running interpreter has specialised the instructions to
(adaptive=True, from Python 3.11): the same as dis's on code that has not run often enough to
be specialised, other names once it has."""

import dis


def to_code(source):
    return compile(source, "<to_code>", "exec")


def opnames(obj):
    return [instruction.opname for instruction in dis.get_instructions(obj, adaptive=True)]
