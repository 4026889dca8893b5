"""Find, on a student's syntax tree, code that hides a crash instead of fixing it.

A crash can be made to vanish without being fixed: caught by a ``try`` statement, swallowed by
a ``with`` block (``contextlib.suppress``, or any context manager whose ``__exit__`` returns
true), or never reached because the program ends early (``sys.exit()``, ``exit()``,
``quit()``, ``os._exit()``, ``raise SystemExit``). An exercise whose program needs none of
these forbids them all, anywhere in the file: a rule a beginner can read in one sentence and
that no layout of the same dodge slips past.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from checks.judges import expect

__all__ = ["Hiding", "expect_no_hiding", "hiding_places"]

_ENDING_CALLS = {"exit", "quit", "_exit"}
"""Called as ``exit()``, ``quit()``, ``sys.exit()``, ``os._exit()``: the program ends there."""

_ENDING_ERRORS = {"SystemExit"}


@dataclass(frozen=True)
class Hiding:
    """One place in a file that could hide a crash: its line and what it is, in words."""

    line: int
    what: str


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _places(tree: ast.AST) -> Iterator[Hiding]:
    for node in ast.walk(tree):
        # `try` and, from 3.11, `try`/`except*` (ast.TryStar): named so on every version.
        if isinstance(node, ast.stmt) and type(node).__name__ in ("Try", "TryStar"):
            yield Hiding(node.lineno, "a `try` statement: it catches the error")
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            yield Hiding(
                node.lineno, "a `with` block: `contextlib.suppress(...)` swallows errors this way"
            )
        elif isinstance(node, ast.Call) and _name(node) in _ENDING_CALLS:
            yield Hiding(node.lineno, f"`{ast.unparse(node.func)}()`: it ends the program early")
        elif (
            isinstance(node, ast.Raise)
            and node.exc is not None
            and _name(node.exc) in _ENDING_ERRORS
        ):
            yield Hiding(node.lineno, "`raise SystemExit`: it ends the program early")


def hiding_places(tree: ast.AST) -> list[Hiding]:
    """Every place in ``tree`` that could hide a crash, in line order."""
    return sorted(set(_places(tree)), key=lambda h: (h.line, h.what))


def expect_no_hiding(tree: ast.AST, *, file: str, advice: str = "") -> None:
    """Require that ``file`` neither catches errors nor ends early (read from its syntax tree)."""
    found = hiding_places(tree)
    if not found:
        return
    listed = "\n".join(f"    line {h.line}: {h.what}" for h in found)
    expect.fail(
        f"{file} hides its errors instead of fixing them:\n\n{listed}\n\n"
        "A hidden error is still a bug: the wrong value stays wrong, and the line never does "
        "its work. Take these out, let the program crash, and fix the line the crash points at."
        + (f"\n\nNext: {advice}" if advice else "")
    )
