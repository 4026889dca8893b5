"""Facts read from a student's syntax tree: which functions it defines, calls and annotates.

Tests use these instead of searching the text, so that any layout, any quoting and any line
numbering of a right answer is accepted, and printing the expected text instead of keeping
the program's own code is not.
"""

from __future__ import annotations

import ast

__all__ = ["called_names", "defined_functions", "typed_call_lines", "unannotated"]

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def defined_functions(tree: ast.AST) -> dict[str, FunctionNode]:
    """The functions defined anywhere in ``tree``, by name."""
    return {
        node.name: node
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }


def _callee(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def called_names(tree: ast.AST) -> set[str]:
    """The names of every function called in ``tree`` (``f(...)`` and ``obj.f(...)``)."""
    return {
        name for node in ast.walk(tree) if isinstance(node, ast.Call) if (name := _callee(node))
    }


def unannotated(function: FunctionNode) -> list[str]:
    """The parameters (and ``return``) of ``function`` that carry no type hint."""
    args = function.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    every += [a for a in (args.vararg, args.kwarg) if a is not None]
    missing = [a.arg for a in every if a.annotation is None and a.arg not in ("self", "cls")]
    if function.returns is None:
        missing.append("return")
    return missing


def typed_call_lines(tree: ast.Module) -> set[int]:
    """The lines of every call to a function of this file whose parameters all have hints."""
    typed = {name for name, node in defined_functions(tree).items() if not unannotated(node)}
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _callee(node) in typed:
            end = node.end_lineno or node.lineno
            lines.update(range(node.lineno, end + 1))
    return lines
