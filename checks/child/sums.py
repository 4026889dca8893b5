"""The built-in ``sum()`` through a door the kit watches: what each call is handed and returns.

A profiler sees that ``sum`` was called (``sys.setprofile``'s ``c_call`` before 3.12, a
``sys.monitoring`` ``CALL`` from 3.12), but not what it was handed before 3.12, nor on any
version what it returned; and a call made from C (``map(sum, ...)``, ``itertools.starmap``)
raises no event at all. So a driver that must judge *the adding a function hands to sum()*
opens a door (``open_door``) before the student's module is loaded: ``builtins.sum`` becomes a
small function of the kit's, which makes a list of what it is handed and gives it to the real
``sum``. Every ``sum`` the student's code can name is that door, however it reaches it
(``builtins``, an alias made at import, ``map(sum, ...)``), and the door's frame is Python, so
the watchers see it whoever calls it.

The door keeps nothing: it runs in a namespace of its own (no built-ins, only the real ``list``
and ``sum``), so the student's code, which can reach it, reaches nothing of the kit's through
it. What the door did is read by the watcher (``checks.child.bytecode``) from outside, with
references this module took before the student's first line: the door's code object and the
real ``sum``, by identity. A call counts only when the door's frame called that very ``sum``
with a ``list`` of plain numbers (``handed``), so a door whose namespace the student's code has
changed, or its code run under another function, counts for nothing it did not do.
"""

from __future__ import annotations

import builtins
from types import CodeType, FunctionType
from typing import cast

__all__ = ["DOOR_FILE", "Handed", "door_code", "handed", "open_door", "real_sum"]

DOOR_FILE = "<built-in sum, watched by the checks>"
"""The file name the door's code carries: what a traceback through it shows."""
_DOOR_SOURCE = '''
def sum(iterable, /, start=0):
    """Return the sum of a 'start' value (default: 0) plus an iterable of numbers."""
    items = _list(iterable)
    return _sum(items, start)
'''
"""The door: the real ``sum``'s signature and errors (``list(5)`` says that an 'int' object is
not iterable, as ``sum(5)`` does), with what it adds kept in a local variable, ``items``."""

_SUM, _LIST, _TYPE, _SORTED, _RANGE, _LEN = sum, list, type, sorted, range, len
_SET, _MAP, _BOOL = set, map, bool
_FILTER = filter
"""The built-ins this module calls, as it found them: the student's code may replace them in
``builtins`` later, never here."""
_NUMBERS = frozenset({int, float})
_door: list[CodeType] = []
"""The door's code object, once opened."""

Handed = tuple[int, int, bool]
"""What one call of ``sum`` was handed: how many items; ``k`` when its items other than 0 are
1, 2, ..., k in any order (else -1); whether its start was 0."""


def open_door() -> None:
    """Put the kit's door to the real ``sum`` in ``builtins``: call before the student's code."""
    if _door:
        return
    namespace: dict[str, object] = {
        "__builtins__": {},
        "__name__": "builtins",
        "_sum": _SUM,
        "_list": _LIST,
    }
    exec(compile(_DOOR_SOURCE, DOOR_FILE, "exec"), namespace)  # the kit's own source
    door = namespace["sum"]
    if not isinstance(door, FunctionType):
        msg = "the door to sum() did not compile to a function"
        raise TypeError(msg)
    door.__qualname__ = "sum"
    _door.append(door.__code__)
    builtins.sum = door  # pyright: ignore[reportAttributeAccessIssue]


def door_code() -> CodeType | None:
    """The door's code object, if it is open."""
    return _door[0] if _door else None


def real_sum() -> object:
    """The built-in ``sum`` as this module found it, before any code of the student's ran."""
    return _SUM


def handed(items: object, start: object) -> Handed | None:
    """What the door handed the real ``sum``, when it is a list of plain numbers and a plain
    start (exact ``int`` or ``float``: the real ``sum`` adds them in C, running no code of the
    student's); else ``None``."""
    if _TYPE(items) is not _LIST or _TYPE(start) not in _NUMBERS:
        return None
    numbers = cast("list[float]", items)
    if not _SET(_MAP(_TYPE, numbers)) <= _NUMBERS:
        return None
    nonzero = _SORTED(_FILTER(_BOOL, numbers))
    top = _LEN(nonzero) if nonzero == _LIST(_RANGE(1, _LEN(nonzero) + 1)) else -1
    return (_LEN(numbers), top, start == 0)
