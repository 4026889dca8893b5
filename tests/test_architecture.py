"""The house as ``docs/architecture.md`` says it: every import in ``checks/`` read with ``ast``.

Every import counts: at the top of a module, inside a function, under ``TYPE_CHECKING``. The
page gives the order of the folders (its line ``Bottom to top: ...``) and a section for each
folder (``### `checks/NAME/` ``); these tests hold the code to both, so the page cannot drift
from the code without a test failing.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from tests.support import KIT

CHECKS = KIT / "checks"
PAGE = KIT / "docs" / "architecture.md"
MAX_LINES = 500
"""The most lines a module of the kit may have: past this it is two concepts."""
MAX_TOP = 8
"""The most modules side by side at the top of ``checks/``."""
VOCABULARY = "vocabulary"
"""The page's name for the modules at the top of ``checks/``, the bottom of the house."""
FACES = frozenset({"checks", "checks.__main__"})
"""The package's face (re-exports for the exercises' tests) and ``python -m checks``: they
stand outside the order, on top of the whole house, and nothing in a folder imports them."""
ORDER_LINE = re.compile(r"^Bottom to top: (?P<order>.+)$", re.MULTILINE)
FOLDER_HEADING = re.compile(r"^### `checks/(?P<name>\w+)/`", re.MULTILINE)


@dataclass(frozen=True)
class Import:
    """One import in a module of the kit: the module it names, and where it is written."""

    source: str
    target: str
    line: int

    def where(self) -> str:
        """Where the import is written, as a reader would look for it."""
        return f"{self.source.replace('.', '/')} line {self.line}: imports {self.target}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(KIT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    return {
        _module_name(p): p for p in sorted(CHECKS.rglob("*.py")) if "__pycache__" not in p.parts
    }


def _resolve(name: str) -> str | None:
    """The module of the kit that ``name`` is or lives in, if it belongs to the kit."""
    modules = _modules()
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _package(module: str) -> str:
    return module if _modules()[module].name == "__init__.py" else module.rpartition(".")[0]


def _named(module: str, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    base = node.module or ""
    if node.level:
        package = _package(module).split(".")
        anchor = ".".join(package[: len(package) - node.level + 1])
        base = f"{anchor}.{base}" if base else anchor
    for alias in node.names:
        yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in _modules() else base


@cache
def _imports() -> tuple[Import, ...]:
    found: set[Import] = set()
    for module, path in _modules().items():
        tree = ast.parse(path.read_bytes(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for name in _named(module, node):
                    target = _resolve(name)
                    if target is not None and target != module:
                        found.add(Import(module, target, node.lineno))
    return tuple(sorted(found, key=lambda i: (i.source, i.line, i.target)))


def _folder(module: str) -> str:
    parts = module.split(".")
    is_package = _modules()[module].name == "__init__.py"
    if len(parts) == 1 or (len(parts) == 2 and not is_package):
        return VOCABULARY
    return parts[1]


def _page() -> str:
    return PAGE.read_text(encoding="utf-8")


def _order() -> list[str]:
    found = ORDER_LINE.search(_page())
    assert found, f"{PAGE.name} lacks its line 'Bottom to top: {VOCABULARY} < child < ...'"
    return [name.strip(" `") for name in found["order"].rstrip(".").split("<")]


def _folders() -> set[str]:
    return {p.name for p in CHECKS.iterdir() if (p / "__init__.py").is_file()}


def test_the_reader_finds_every_import() -> None:
    """The reader sees imports at the top, in functions and under TYPE_CHECKING alike."""
    targets = {(i.source, i.target) for i in _imports()}
    assert ("checks", "checks.judges.expect") in targets  # under TYPE_CHECKING
    assert ("checks.__main__", "checks.cli") in targets
    assert len(_modules()) > 40


def test_no_import_circles() -> None:
    """No module of the kit imports itself back, through any chain of imports."""
    graph: dict[str, set[str]] = {}
    for found in _imports():
        graph.setdefault(found.source, set()).add(found.target)
    done: set[str] = set()
    circles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        for target in sorted(graph.get(module, ())):
            if target in path:
                circles.append([*path[path.index(target) :], target])
            elif target not in done:
                visit(target, [*path, target])
        done.add(module)

    for module in sorted(graph):
        if module not in done:
            visit(module, [module])
    assert not circles, "import circles:\n" + "\n".join(" -> ".join(c) for c in circles)


def test_arrows_go_one_way_between_folders() -> None:
    """A folder imports only from the folders below it, in the page's order."""
    order = _order()
    rank = {name: index for index, name in enumerate(order)}
    upward = [
        found.where()
        for found in _imports()
        if found.source not in FACES
        and (found.target in FACES or rank[_folder(found.target)] > rank[_folder(found.source)])
    ]
    assert not upward, f"imports against the order {' < '.join(order)}:\n" + "\n".join(upward)


def test_the_child_imports_nothing_of_the_kit_outside_it() -> None:
    """checks/child/ runs in the student's process: it imports only from checks/child/."""
    outside = [
        found.where()
        for found in _imports()
        if found.source.startswith("checks.child") and not found.target.startswith("checks.child")
    ]
    assert not outside, "\n".join(outside)


@pytest.mark.parametrize("module", sorted(_modules()))
def test_no_module_over_the_limit(module: str) -> None:
    """No module of the kit is over 500 lines: past that it is two concepts."""
    lines = len(_modules()[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module}: {lines} lines, over {MAX_LINES}: split it by concept"


def test_few_modules_at_the_top() -> None:
    """At most eight modules side by side at the top of checks/."""
    top = sorted(p.name for p in CHECKS.glob("*.py"))
    assert len(top) <= MAX_TOP, f"{len(top)} modules at the top of checks/: {top}"


def test_the_page_names_every_folder_and_only_those() -> None:
    """Each folder of checks/ has its section on the page, in the page's order, and no more."""
    headings = FOLDER_HEADING.findall(_page())
    assert set(headings) == _folders(), f"on the page: {headings}; in checks/: {_folders()}"
    assert _order() == [VOCABULARY, *headings], "the sections follow the order of the folders"
