"""Exercise 06, parsing first and compiling the syntax tree; opnames with a for loop."""

from __future__ import annotations

import ast
import dis
import types


def to_code(source: str) -> types.CodeType:
    tree = ast.parse(source)
    return compile(tree, "<string>", "exec")


def opnames(obj: types.FunctionType | types.CodeType) -> list[str]:
    code = obj if isinstance(obj, types.CodeType) else obj.__code__
    names = []
    for instruction in dis.get_instructions(code):
        names.append(instruction.opname)
    return names


if __name__ == "__main__":
    print(opnames(to_code("x = 1 + 2")))
