"""Where the values handed to a function came from, read from the student's syntax tree.

Exercise 09 asks for data written with its types: each value handed to the invoice's hinted
functions must be a literal written in the file (``4``, ``1.20``, ``"pen"``), or built from
such literals only: a tuple, list or dict of them, an item of one, a name given nothing else,
a loop over them, an ``append`` of them, or arithmetic the compiler folds into a constant
(``-0.90``). Any other origin (a call of any other name, ``int``, ``float``, ``Decimal``,
``eval``, ``json.loads``, a function of the file, an import, an attribute) is not "written":
the value was made while the program ran, whatever name made it. The source file in the copy
is evidence the parent reads from outside the student's process, so nothing the program does
while it runs changes this verdict. Names are followed the way Python resolves them (local,
enclosing, global), a parameter through every call of its function in the file, a ``match``
capture to its subject, and a container through every place that changes it
(``ORDER.append(...)``, ``ORDER[0] = ...``, a function it is handed to or has as a default).
A builtin that only walks what it is handed (``zip``, ``enumerate``) passes its arguments'
origin through; what a static reading cannot follow (``globals()``, ``exec``, ``setattr`` on
the module) is refused (``unfollowed.py``).
"""

from __future__ import annotations

import ast
import typing
from dataclasses import dataclass

from checks.judges.scopes import (
    COUNT,
    PARAMETER,
    Comprehension,
    Reader,
    Scope,
    Scoped,
    held,
    parameters,
)
from checks.judges.unfollowed import WALKERS, around, plain_walkers

__all__ = ["Unwritten", "unwritten_values", "written_call_lines"]

SHOWN = 50
"""Longest piece of source a message quotes."""
VIEWS = frozenset({"items", "keys", "values", "copy"})
"""Methods that give written data's own items back (a dict's or a list's; str has none)."""
_FOLDED = (ast.UnaryOp, ast.BinOp)


@dataclass(frozen=True)
class Unwritten:
    """A value not written in the file: where it is made, as source, and how."""

    line: int
    code: str
    why: str


def _shown(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= SHOWN else text[: SHOWN - 3] + "..."


class _Judge:
    """Whether each expression is written data, with the reasons where it is not."""

    def __init__(self, tree: ast.Module, judged: list[str]) -> None:
        self.judged = frozenset(judged)
        self.walkers = plain_walkers(tree)
        self.reader = Reader(tree, self.walkers)
        self.functions = {
            node: self.reader.scopes[node]
            for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        }
        self.names: dict[tuple[int, str], list[Unwritten]] = {}

    def function_of(
        self, name: ast.Name, scope: Scope
    ) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The function of this file a load of ``name`` reads, if it reads only one."""
        owner = scope.owner(name.id)
        if owner is None:
            return None
        found = [
            node
            for node, inner in self.functions.items()
            if inner.parent is owner and node.name == name.id
        ]
        return found[0] if len(found) == 1 and len(owner.bound[name.id]) == 1 else None

    def expr(self, node: ast.expr | None, scope: Scope) -> list[Unwritten]:
        """Why ``node``'s value is not written data (empty: it is)."""
        if node is None or isinstance(node, ast.Constant):
            return []
        if isinstance(node, _FOLDED):
            parts = [node.operand] if isinstance(node, ast.UnaryOp) else [node.left, node.right]
            return [u for p in parts for u in self.expr(p, scope)]
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return [u for item in node.elts for u in self.expr(item, scope)]
        if isinstance(node, ast.Dict):
            return [u for item in [*node.keys, *node.values] for u in self.expr(item, scope)]
        if isinstance(node, (ast.Starred, ast.Subscript)):
            return self.expr(node.value, scope)
        if isinstance(node, ast.NamedExpr):
            return self.expr(node.value, scope)
        if isinstance(node, ast.IfExp):
            return self.expr(node.body, scope) + self.expr(node.orelse, scope)
        if isinstance(node, ast.JoinedStr) and all(
            isinstance(v, ast.Constant) for v in node.values
        ):
            return []
        if isinstance(node, Comprehension):
            inner = self.reader.scopes[node]
            parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            return [u for p in parts for u in self.expr(p, inner)]
        if isinstance(node, ast.Name):
            return self.name(node, scope)
        if isinstance(node, ast.Call) and _a_view(node):
            return self.expr(typing.cast("ast.Attribute", node.func).value, scope)
        if isinstance(node, ast.Call) and self.walks(node, scope):
            count = typing.cast("ast.Name", node.func).id == "enumerate"
            made = [Unwritten(node.lineno, _shown(node), f"gives {COUNT}")] if count else []
            return made + [u for arg in node.args for u in self.expr(arg, scope)]
        if isinstance(node, ast.Call):
            why = f"is made by a call of {_shown(node.func)}() while the program runs"
            return [Unwritten(node.lineno, _shown(node), why)]
        return [Unwritten(node.lineno, _shown(node), "is computed while the program runs")]

    def walks(self, call: ast.Call, scope: Scope) -> bool:
        """Whether ``call`` is a builtin in ``WALKERS`` whose items are its arguments' items."""
        func = call.func
        if not isinstance(func, ast.Name) or func.id not in self.walkers or scope.owner(func.id):
            return False
        keywords = {k.arg for k in call.keywords}
        return keywords <= WALKERS[func.id] and not (func.id == "iter" and len(call.args) > 1)

    def name(self, node: ast.Name, scope: Scope) -> list[Unwritten]:
        owner = scope.owner(node.id)
        if owner is None:
            return [Unwritten(node.lineno, node.id, "is not a value written in this file")]
        key = (id(owner), node.id)
        if key in self.names:
            return self.names[key]
        self.names[key] = []  # a name that only feeds itself adds nothing unwritten
        found: list[Unwritten] = []
        for source, where, line in owner.bound[node.id]:
            if source == PARAMETER:
                found += self.parameter(owner, node.id)
            elif isinstance(source, str):
                found.append(Unwritten(line, node.id, f"is {source}, not data written here"))
            else:
                found += self.expr(source, where)
        for value, where in self.changes(owner, node.id, set()):
            found += [
                Unwritten(u.line, u.code, f"{u.why}, and is put into {node.id}")
                for u in self.expr(value, where)
            ]
        self.names[key] = _unique(found)
        return self.names[key]

    def parameter(self, scope: Scope, name: str) -> list[Unwritten]:
        """Why a parameter's values are not written data: judged at every call of its function."""
        function = scope.node
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or (
            function.decorator_list
        ):
            why = "is a parameter of a function the checks cannot follow (a lambda, or decorated)"
            line = function.lineno if isinstance(function, Scoped) else 0
            return [Unwritten(line, name, why)]
        found: list[Unwritten] = []
        for load, where in self.reader.loads:
            if self.function_of(load, where) is not function:
                continue
            call = self.call_of(load)
            if call is None:
                why = f"hands {function.name} on (the checks cannot see what it is given)"
                return [Unwritten(load.lineno, _shown(load), why)]
            for value, home in self.given(call, where, function, name):
                found += self.expr(value, home)
        return found

    def given(
        self, call: ast.Call, scope: Scope, function: Scoped, name: str
    ) -> list[tuple[ast.expr, Scope]]:
        """What ``call`` gives ``function``'s parameter ``name`` (a default where it gives none)."""
        args = function.args
        positional = [a.arg for a in [*args.posonlyargs, *args.args]]
        spread = name in {a.arg for a in (args.vararg, args.kwarg) if a is not None}
        found: list[tuple[ast.expr, Scope]] = []
        given = False
        for index, value in enumerate(call.args):
            named = index < len(positional) and positional[index] == name
            if isinstance(value, ast.Starred) or named or (spread and index >= len(positional)):
                found.append((value, scope))
                given = given or named
        for keyword in call.keywords:
            if keyword.arg is None or keyword.arg == name or spread:
                found.append((keyword.value, scope))
                given = given or keyword.arg == name
        outer = self.reader.scopes[function].parent
        if not given and outer is not None:
            defaults = dict(zip(positional[::-1], args.defaults[::-1], strict=False))
            defaults.update(
                {a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d}
            )
            if name in defaults:
                found.append((defaults[name], outer))
        return found

    def call_of(self, load: ast.Name) -> ast.Call | None:
        for call, _scope in self.reader.calls:
            if call.func is load:
                return call
        return None

    def changes(
        self, owner: Scope, name: str, seen: set[tuple[int, str]]
    ) -> list[tuple[ast.expr, Scope]]:
        """What is put into ``name``'s object in place: by itself, an alias, or a function."""
        if (id(owner), name) in seen:
            return []
        seen.add((id(owner), name))
        found = [
            change
            for scope in self.reader.scopes.values()
            if scope.owner(name) is owner
            for change in scope.changed.get(name, [])
        ]
        for scope in self.reader.scopes.values():
            for alias, sources in scope.bound.items():
                for source, where, _line in sources:
                    if not isinstance(source, str) and self.holds(source, where, owner, name):
                        found += self.changes(scope, alias, seen)
        for function, inner in self.functions.items():
            args = function.args
            pairs = [
                *zip([*args.posonlyargs, *args.args][::-1], args.defaults[::-1], strict=False),
                *zip(args.kwonlyargs, args.kw_defaults, strict=True),
            ]
            for param, default in pairs:
                if (
                    default is not None
                    and inner.parent is not None
                    and self.holds(default, inner.parent, owner, name)
                ):
                    found += self.changes(inner, param.arg, seen)
        for call, where in self.reader.calls:
            handed = [
                a
                for a in [*call.args, *(k.value for k in call.keywords)]
                if self.holds(a, where, owner, name)
            ]
            if not handed:
                continue
            target = self.function_of(call.func, where) if isinstance(call.func, ast.Name) else None
            if target is not None:
                inner = self.reader.scopes[target]
                for param in parameters(target):
                    values = self.given(call, where, target, param)
                    if any(self.holds(v, home, owner, name) for v, home in values):
                        found += self.changes(inner, param, seen)
            else:
                found += [
                    (a, where)
                    for a in [*call.args, *(k.value for k in call.keywords)]
                    if a not in handed
                ]
        return found

    def holds(self, node: ast.expr, scope: Scope, owner: Scope, name: str) -> bool:
        """Whether ``node``'s value may be, or hold, the object ``name`` of ``owner`` is."""
        return name in held(node, self.judged) and scope.owner(name) is owner


def _a_view(call: ast.Call) -> bool:
    """Whether ``call`` is ``X.items()`` (or ``keys``, ``values``, ``copy``): X's own items."""
    func = call.func
    return (
        isinstance(func, ast.Attribute) and func.attr in VIEWS and not (call.args or call.keywords)
    )


def _unique(found: list[Unwritten]) -> list[Unwritten]:
    return sorted(set(found), key=lambda u: (u.line, u.code))


def unwritten_values(tree: ast.Module, functions: list[str]) -> list[Unwritten]:
    """The values handed to ``functions`` (each call in the file) that are not written data."""
    found = [Unwritten(line, code, why) for line, code, why in around(tree)]
    try:
        judge = _Judge(tree, functions)
        for call, scope in judge.reader.calls:
            if isinstance(call.func, ast.Name) and call.func.id in functions:
                for value in [*call.args, *(k.value for k in call.keywords)]:
                    found += judge.expr(value, scope)
    except RecursionError:
        why = "passes its values through more names than the checks follow; write them plainly"
        return [Unwritten(1, "the file", why)]
    for load, _scope in judge.reader.loads:
        if load.id in functions and judge.call_of(load) is None:
            why = f"hands {load.id} on (the checks cannot see what it is given)"
            found.append(Unwritten(load.lineno, _shown(load), why))
    return _unique(found)


def written_call_lines(tree: ast.Module, function: str) -> set[int]:
    """Every line of each call written ``function(...)`` in the file, by its own name."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and (node.func.id == function)
        ):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines
