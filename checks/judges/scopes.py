"""The student's file read as Python resolves names: its scopes, what binds each name, what
changes an object in place, and every call and load, in one walk over the syntax tree.

``literals.py`` judges from this reading whether each value handed to the invoice's functions
was written in the file; this module only records, it judges nothing.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

__all__ = ["COUNT", "PARAMETER", "Comprehension", "Reader", "Scope", "Scoped", "held", "parameters"]

PARAMETER = "a parameter"
"""What binds a function's parameter: the values its calls give it."""
COUNT = "a count made by enumerate() while the program runs"
"""What binds the first name of ``for i, x in enumerate(...)``."""
Scoped = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
Comprehension = ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp


@dataclass
class Scope:
    """One namespace of the file: what binds each name, and what changes it in place."""

    node: ast.AST
    parent: Scope | None
    bound: dict[str, list[tuple[ast.expr | str, Scope, int]]]
    changed: dict[str, list[tuple[ast.expr, Scope]]]
    declared_global: set[str]

    def owner(self, name: str) -> Scope | None:
        """The scope whose ``name`` a load of ``name`` here reads, as Python resolves it."""
        scope: Scope | None = self
        first = True
        while scope is not None:
            if name in scope.declared_global:
                scope = scope.parent
                continue
            if name in scope.bound and (first or not isinstance(scope.node, ast.ClassDef)):
                return scope
            first = False
            scope = scope.parent
        return None


def names(target: ast.expr) -> list[str]:
    """The names a binding target binds (``a``, ``a, (b, *c)``)."""
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]


def held(node: ast.expr, judged: frozenset[str] = frozenset()) -> list[str]:
    """The names whose objects ``node`` may be or hold (``ORDER[0].x``, ``same(ORDER)``); a call
    of a ``judged`` function gives back a number, none of them."""
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, (ast.Subscript, ast.Attribute, ast.Starred, ast.NamedExpr)):
        return held(node.value, judged)
    if isinstance(node, ast.IfExp):
        return held(node.body, judged) + held(node.orelse, judged)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [name for item in node.elts for name in held(item, judged)]
    if isinstance(node, ast.Call) and not (
        isinstance(node.func, ast.Name) and node.func.id in judged
    ):
        values = [*node.args, *(k.value for k in node.keywords)]
        return [name for value in values for name in held(value, judged)]
    return []


class Reader(ast.NodeVisitor):
    """One walk over the file: its scopes, bindings, changes in place and calls by name."""

    def __init__(self, tree: ast.Module, walkers: frozenset[str]) -> None:
        self.walkers = walkers
        self.subject: ast.expr | None = None
        self.module = Scope(tree, None, {}, {}, set())
        self.scope = self.module
        self.scopes: dict[ast.AST, Scope] = {tree: self.module}
        self.calls: list[tuple[ast.Call, Scope]] = []
        self.loads: list[tuple[ast.Name, Scope]] = []
        self.visit(tree)

    def bind(self, name: str, source: ast.expr | str, line: int) -> None:
        home = self.module if name in self.scope.declared_global else self.scope
        home.bound.setdefault(name, []).append((source, self.scope, line))

    def change(self, target: ast.expr, value: ast.expr) -> None:
        for name in held(target):
            self.scope.changed.setdefault(name, []).append((value, self.scope))

    def enter(self, node: ast.AST, body: list[ast.AST]) -> None:
        outer = self.scope
        self.scope = Scope(node, outer, {}, {}, set())
        self.scopes[node] = self.scope
        if isinstance(node, Scoped):
            for param in parameters(node):
                self.bind(param, PARAMETER, node.lineno)
        for part in body:
            self.visit(part)
        self.scope = outer

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for part in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
            if part is not None:
                self.visit(part)
        self.bind(node.name, "a function defined here", node.lineno)
        self.enter(node, list(node.body))

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.enter(node, [node.body])

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for part in [*node.bases, *node.keywords, *node.decorator_list]:
            self.visit(part)
        self.bind(node.name, "a class", node.lineno)
        self.enter(node, list(node.body))

    def _comprehension(self, node: Comprehension) -> None:
        self.visit(node.generators[0].iter)
        outer = self.scope
        self.scope = Scope(node, outer, {}, {}, set())
        self.scopes[node] = self.scope
        for index, generator in enumerate(node.generators):
            if index:
                self.visit(generator.iter)
            self._unpack(generator.target, generator.iter)
            for condition in generator.ifs:
                self.visit(condition)
        parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        for part in parts:
            self.visit(part)
        self.scope = outer

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension

    def visit_Global(self, node: ast.Global | ast.Nonlocal) -> None:
        self.scope.declared_global.update(node.names)

    visit_Nonlocal = visit_Global

    def _store(self, target: ast.expr, value: ast.expr) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for item in target.elts:
                self._store(item, value)
        elif isinstance(target, ast.Starred):
            self._store(target.value, value)
        elif isinstance(target, ast.Name):
            self.bind(target.id, value, target.lineno)
        else:
            self.change(target, value)
            self.visit(target)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self._store(target, node.value)

    def _unpack(self, target: ast.expr, iterable: ast.expr) -> None:
        """Bind a loop's names: ``i, x`` of ``enumerate(X)`` to a count and to X's items."""
        call = iterable
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id == "enumerate"
            and call.func.id in self.walkers
            and len(call.args) == 1
            and isinstance(target, (ast.Tuple, ast.List))
            and len(target.elts) == 2
            and not any(isinstance(e, ast.Starred) for e in target.elts)
        ):
            self._opaque(target.elts[0], COUNT)
            self._store(target.elts[1], call.args[0])
        else:
            self._store(target, iterable)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
            self._store(node.target, node.value)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        self._store(node.target, node.value)
        self.change(node.target, node.value)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self._store(node.target, node.value)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self._unpack(node.target, node.iter)
        for part in [*node.body, *node.orelse]:
            self.visit(part)

    visit_AsyncFor = visit_For

    def _opaque(self, target: ast.AST | None, why: str) -> None:
        if isinstance(target, ast.expr):
            for name in names(target):
                self.bind(name, why, target.lineno)

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item.context_expr)
            self._opaque(item.optional_vars, "the value of a `with` block")
        for part in node.body:
            self.visit(part)

    visit_AsyncWith = visit_With

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            name = (alias.asname or alias.name).split(".")[0]
            self.bind(name, "imported", node.lineno)

    visit_ImportFrom = visit_Import

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.bind(node.name, "a caught exception", node.lineno)
        self.generic_visit(node)

    def visit_Match(self, node: ast.Match) -> None:
        self.visit(node.subject)
        outer, self.subject = self.subject, node.subject
        for case in node.cases:
            self.visit(case)
        self.subject = outer

    def visit_MatchAs(self, node: ast.MatchAs | ast.MatchStar | ast.MatchMapping) -> None:
        """Bind a capture (``case [x, *rest, **more]``) to the subject: it holds its parts."""
        name = node.rest if isinstance(node, ast.MatchMapping) else node.name
        if name:
            subject = self.subject or "a `match` capture"
            self.bind(name, subject, node.lineno)
        self.generic_visit(node)

    visit_MatchStar = visit_MatchMapping = visit_MatchAs

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self.visit(target)

    def visit_Call(self, node: ast.Call) -> None:
        self.calls.append((node, self.scope))
        if isinstance(node.func, ast.Attribute):
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                self.change(node.func, arg)
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.loads.append((node, self.scope))


def parameters(function: Scoped) -> list[str]:
    """List the names a function binds as its parameters, in order."""
    args = function.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    return [a.arg for a in every if a is not None]
