"""What a static reading of the student's file cannot follow, and which builtins it can.

``literals.py`` follows each value handed to the invoice's functions back through the file.
Some code changes a module's data where no line of the file names it (``globals()``, ``exec``,
``eval``, ``setattr`` or ``vars()`` on the module, a ``__dict__``, a frame's ``f_globals``):
such code is refused outright, since the checks cannot say what it put where. A few builtins
only walk or regroup what they are handed (``zip``, ``enumerate``, ``list``...): their items
are their arguments' items, so the origin passes through them, but only where the name is
surely the builtin: bound nowhere in the file, in a file that does not reach the builtins.
"""

from __future__ import annotations

import ast

__all__ = ["WALKERS", "around", "plain_walkers"]

REACHING = frozenset(
    {"globals", "locals", "vars", "exec", "eval", "compile", "setattr", "delattr", "__import__"}
)
"""Builtins that read or change a namespace by text, out of a static reading's sight."""
REACHING_ATTRIBUTES = frozenset(
    {"__dict__", "__globals__", "__builtins__", "f_globals", "f_locals", "_getframe", "modules"}
)
"""Attributes that reach a namespace (a module's, a frame's) the file does not name."""
REACHING_MODULES = frozenset({"builtins", "__main__", "importlib", "inspect", "gc", "ctypes"})
"""Modules whose import reaches the program's own namespaces or the builtins."""
WALKERS: dict[str, frozenset[str]] = {
    "enumerate": frozenset({"start"}),
    "zip": frozenset({"strict"}),
    "reversed": frozenset(),
    "sorted": frozenset({"key", "reverse"}),
    "list": frozenset(),
    "tuple": frozenset(),
    "iter": frozenset(),
}
"""Builtins whose items are their arguments' items, with the keywords that keep it so."""
BUILTINS_MARK = "builtins"
"""Text that, anywhere in the file, may reach (and rebind) the builtins."""


def _bound(tree: ast.Module) -> set[str]:
    """Every name the file binds anywhere, in any scope, by any statement."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            found.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, ast.alias):
            found.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            found.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            found.add(node.rest)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            found.update(node.names)
    return found


def _reaches_builtins(tree: ast.Module) -> bool:
    """Whether any name, attribute, import or text of the file may reach the builtins."""
    for node in ast.walk(tree):
        text = ""
        if isinstance(node, ast.Name):
            text = node.id
        elif isinstance(node, ast.Attribute):
            text = node.attr
            if text.startswith("__") or text in REACHING_ATTRIBUTES or text == "sys":
                return True
        elif isinstance(node, ast.alias):
            text = node.name
            if text.split(".")[0] in REACHING_MODULES or text == "sys":
                return True
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        if BUILTINS_MARK in text or text in REACHING:
            return True
    return False


def plain_walkers(tree: ast.Module) -> frozenset[str]:
    """The names of ``WALKERS`` that surely mean the builtin in this file (none if it is unsure)."""
    if _reaches_builtins(tree):
        return frozenset()
    return frozenset(WALKERS) - _bound(tree)


def around(tree: ast.Module) -> list[tuple[int, str, str]]:
    """Each place (line, source, why) where the file reaches its data out of a reading's sight."""
    bound = _bound(tree)
    found: list[tuple[int, str, str]] = []
    why = "can change the data in ways the checks cannot follow: write the values in the file"
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in REACHING and node.id not in bound:
            found.append((node.lineno, f"{node.id}(...)", why))
        elif isinstance(node, ast.Attribute) and node.attr in REACHING_ATTRIBUTES:
            found.append((node.lineno, f"...{node.attr}", why))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            for name in names:
                if name and name.split(".")[0] in REACHING_MODULES:
                    found.append((node.lineno, f"import {name}", why))
    return found
