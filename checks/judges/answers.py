"""Answers a student writes down by hand, read from the file's syntax tree and never run.

Some exercises ask for a prediction instead of a program: the stage at which each mystery
program stops (04), the lines a program prints before it crashes (08). Such a file holds plain
values only: text in quotes, numbers, ``True``, ``False``, ``None``, and lists, tuples and
dicts of those. The kit reads them from the syntax tree; it never runs or imports the file. So
an answer cannot be computed by running the very programs it is about: a file that imports
anything, calls anything or uses another name is refused, with the line and the reason.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import TypeAlias

from checks.judges import expect

__all__ = ["Key", "PlainValue", "written_answers"]

Key: TypeAlias = "str | int | float | bool | None"
"""A value that can be a dict key in an answer."""

PlainValue: TypeAlias = "Key | list[PlainValue] | tuple[PlainValue, ...] | dict[Key, PlainValue]"
"""A value written out by hand: a constant, or a list, tuple or dict of them."""

QUOTED = 60
"""Characters of a refused statement quoted in a message."""

_HOW = (
    "Write each answer itself: text in quotes, numbers, True, False or None, inside [...] or "
    "{...}. The checks run the programs themselves and compare; this file only says what you "
    "predict."
)

_TYPE_NODES = (ast.Name, ast.Attribute, ast.Subscript, ast.Tuple, ast.Constant, ast.BinOp)
"""What a type hint on an answer may be made of (``dict[str, str]``, ``str | None``)."""


class _Refused(Exception):
    """A piece of the file that is not a plain value, and why, in words for a beginner."""

    def __init__(self, node: ast.AST, why: str) -> None:
        super().__init__(why)
        self.line: int = getattr(node, "lineno", 0)
        self.why = why


def _short(node: ast.AST) -> str:
    text = next(iter(ast.unparse(node).splitlines()), "")
    return text if len(text) <= QUOTED else text[: QUOTED - 3] + "..."


def _expression(node: ast.expr) -> str:
    """Name what an expression is, for a person who expected a plain value."""
    if isinstance(node, ast.Call):
        return f"a call, {_short(node)}"
    if isinstance(node, ast.Name):
        return f"the name {node.id}, not a value written out"
    if isinstance(node, ast.JoinedStr):
        return "an f-string: write the text itself"
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        return "a comprehension: write every item out"
    if isinstance(node, (ast.BinOp, ast.BoolOp, ast.Compare, ast.UnaryOp, ast.IfExp)):
        return f"a calculation, {_short(node)}"
    if isinstance(node, ast.Starred):
        return "an unpacking (*...): write every item out"
    return f"code Python would have to run, {_short(node)}"


def _key(node: ast.expr) -> Key:
    value = _value(node)
    if isinstance(value, (list, tuple, dict)):
        raise _Refused(node, "a list, tuple or dict used as a key")
    return value


def _value(node: ast.expr) -> PlainValue:
    """The plain value ``node`` writes out; raise ``_Refused`` for anything else."""
    if isinstance(node, ast.Constant) and (
        node.value is None or isinstance(node.value, (str, int, float, bool))
    ):
        constant: Key = node.value
        return constant
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, (ast.USub, ast.UAdd))
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, (int, float))
        and not isinstance(node.operand.value, bool)
    ):
        number: int | float = node.operand.value
        return -number if isinstance(node.op, ast.USub) else number
    if isinstance(node, ast.List):
        return [_value(item) for item in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(_value(item) for item in node.elts)
    if isinstance(node, ast.Dict):
        entries: dict[Key, PlainValue] = {}
        for key_node, value_node in zip(node.keys, node.values, strict=True):
            if key_node is None:
                raise _Refused(value_node, "an unpacking (**...): write every entry out")
            key = _key(key_node)
            if key in entries:
                raise _Refused(key_node, f"the key {key!r} is written twice; keep one")
            entries[key] = _value(value_node)
        return entries
    raise _Refused(node, _expression(node))


def _statement(node: ast.stmt) -> str:
    """Name what a statement is, for a person who expected only answers."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return f"an import, {_short(node)}"
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return f"a definition, {_short(node).removesuffix(':')}"
    if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
        return "a loop"
    if isinstance(node, (ast.If, ast.Try, ast.With, ast.AsyncWith, ast.Match)):
        return f"a {type(node).__name__.lower()} statement"
    if isinstance(node, ast.Expr):
        return _expression(node.value)
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        return f"{_short(node)}: give each name its whole value in one plain assignment"
    return f"code Python would have to run, {_short(node)}"


def _target(node: ast.stmt) -> tuple[str, ast.expr] | None:
    """The name and value of a plain ``NAME = value`` (or ``NAME: hint = value``)."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        if isinstance(target, ast.Name):
            return target.id, node.value
    if (
        isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and node.value is not None
        and all(
            isinstance(part, (*_TYPE_NODES, ast.expr_context, ast.operator))
            for part in ast.walk(node.annotation)
        )
    ):
        return node.target.id, node.value
    return None


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def written_answers(tree: ast.Module, names: Sequence[str], *, file: str) -> dict[str, PlainValue]:
    """The plain values ``file`` assigns to each of ``names``; fail the test on anything else.

    Every statement of the file must be a plain assignment ``NAME = value`` (a type hint is
    allowed) or a string on its own line. Each of ``names`` must be assigned exactly once.
    """
    found: dict[str, PlainValue] = {}
    first_line: dict[str, int] = {}
    problems: list[tuple[int, str]] = []
    for node in tree.body:
        if _is_docstring(node):
            continue
        named = _target(node)
        if named is None:
            problems.append((node.lineno, _statement(node)))
            continue
        name, value_node = named
        if name in first_line:
            again = f"{name} is given a second value (first on line {first_line[name]}); keep one"
            problems.append((node.lineno, again))
            continue
        first_line[name] = node.lineno
        try:
            found[name] = _value(value_node)
        except _Refused as refused:
            problems.append((refused.line or node.lineno, f"{name} uses {refused.why}"))
    if problems:
        listed = "\n".join(f"    line {line}: {why}" for line, why in sorted(problems))
        expect.fail(
            f"{file} must write its answers down by hand, as plain values: the checks read "
            f"them without running the file.\n\n{listed}\n\n{_HOW}"
        )
    missing = [name for name in names if name not in found]
    if missing:
        listed = " and ".join(missing)
        expect.fail(
            f"{file} does not give {listed} a value. Keep the assignment from the starter "
            f"({missing[0]} = ...) and fill in your answers.\n\n{_HOW}"
        )
    return {name: found[name] for name in names}
