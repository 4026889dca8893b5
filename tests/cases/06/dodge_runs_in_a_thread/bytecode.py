"""to_code runs the source while it compiles it, in a thread the kit's tracer does not see."""

import dis
import threading


def to_code(source):
    code = compile(source, "<to_code>", "exec")
    runner = threading.Thread(target=exec, args=(code, {}))
    runner.start()
    runner.join()
    return code


def opnames(obj):
    return [instruction.opname for instruction in dis.get_instructions(obj)]
