"""A kit-owned driver's imports: the standard library from the interpreter's own folders only.

A driver (``exercises/NN/driver.py``) runs with its folder, in the throwaway copy, first on
``sys.path`` (as ``python FILE`` puts it), and imports what it needs before it is confined, at
its first load of code from the copy. A file the student left in that folder under a standard
library name (``random.py``, a compiled ``random.cpython-*.so``, which raises no ``exec`` audit
event) would be imported in its place, unconfined. ``guard`` puts a finder first on
``sys.meta_path`` that looks, for each top-level import, whether the copy's folder holds the name:

- a standard library name (``sys.stdlib_module_names``) comes from the interpreter (built in,
  frozen, or its own folders), never from the copy; where the interpreter has no such module,
  the import fails as it would without the student's file;
- any other name found in the copy (the student's module, imported by name) is confined before
  it loads: ``before_load`` is called first, whatever kind of file it is.

Standard library only; it runs on any Python from 3.10.
"""

from __future__ import annotations

import os
import sys
from importlib.machinery import BuiltinImporter, FrozenImporter, ModuleSpec, PathFinder

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from types import ModuleType

__all__ = ["guard"]


class _Guard:
    """A meta path finder that keeps standard library names out of the copy's folder."""

    def __init__(self, folder: str, before_load: Callable[[], None]) -> None:
        self._folder = os.path.normcase(os.path.realpath(folder))
        self._before_load = before_load

    def _in_copy(self, entry: str) -> bool:
        real = os.path.normcase(os.path.realpath(entry or "."))
        return real == self._folder or real.startswith(self._folder.rstrip(os.sep) + os.sep)

    def find_spec(
        self,
        name: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,  # noqa: ARG002 - the finder protocol's
    ) -> ModuleSpec | None:
        """The interpreter's own spec for a standard library name the copy shadows; else none,
        after confining when the copy holds the name (the usual finders then load it)."""
        if path is not None:
            return None  # a submodule: its package's own folder, already decided, holds it
        entries = [str(e) for e in sys.path]  # a program may have put a Path there
        copy = [e for e in entries if self._in_copy(e)]
        if not copy or PathFinder.find_spec(name, copy) is None:
            return None
        if name not in sys.stdlib_module_names:
            self._before_load()
            return None
        own = [e for e in entries if not self._in_copy(e)]
        spec = (
            BuiltinImporter.find_spec(name)
            or FrozenImporter.find_spec(name)
            or PathFinder.find_spec(name, own)
        )
        if spec is None:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return spec

    def invalidate_caches(self) -> None:
        """Nothing is cached here (``importlib.invalidate_caches`` calls this)."""


def guard(folder: str, before_load: Callable[[], None]) -> None:
    """Import standard library names from the interpreter only, and call ``before_load``
    before any other module found in ``folder`` loads."""
    sys.meta_path.insert(0, _Guard(folder, before_load))
