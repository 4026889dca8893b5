"""to_code runs the source while it compiles it, with the kit's tracer switched off first."""

import dis
import sys


def to_code(source):
    code = compile(source, "<to_code>", "exec")
    sys.settrace(None)
    exec(code, {})
    return code


def opnames(obj):
    return [instruction.opname for instruction in dis.get_instructions(obj)]
