"""Exercise 06: Python compiles your code to bytecode, then interprets it.

Write the two functions below, then check them with:  uv run pytest exercises/06
Try them by hand with:                                 uv run python exercises/06/bytecode.py
"""

import dis
import types


def to_code(source: str) -> types.CodeType:
    """Compile the Python source text `source` into a code object, without running it.

    Compile it the way Python compiles a whole file, so that exec() can run the result:
    after exec(to_code("x = 1 + 2"), namespace), namespace["x"] is 3.
    """
    return compile(source, "<to_code>", "exec")


def opnames(obj: types.FunctionType | types.CodeType) -> list[str]:
    """The names of the bytecode instructions of a function or code object, in order.

    They are the names in the second column of `dis.dis(obj)`, such as LOAD_CONST. They change
    from one Python version to the next, so ask the running Python; never write them down.
    """
    return (instruction.opname for instruction in dis.get_instructions(obj))


if __name__ == "__main__":
    code = to_code("x = 1 + 2")
    print("constants:", code.co_consts)
    print("opnames:  ", opnames(code))
    dis.dis(code)
