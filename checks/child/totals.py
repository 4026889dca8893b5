"""Where a running total may live, read without running any code of the student's.

A loop that adds its numbers one at a time keeps the total somewhere: a local variable, a
global one (``global total; total += number``), an entry of a dict, an item of a list or
tuple (``total[0] += number``), an attribute of an object, in its ``__dict__`` or in a slot
(``__slots__``). The watchers (``checks.child.bytecode``) read each of them at every line of
the student's frames, and only by means the student's code cannot reach into: exact built-in
types (``int``, ``float``, ``dict``, ``list``, ``tuple``), the instance's ``__dict__`` through
``object.__getattribute__``, a slot through the slot's own descriptor found on the type's MRO
through ``type``'s own descriptors, all taken when this module was imported. No ``__eq__``,
``__getattr__``, property or metaclass of the student's runs. Which instructions of the
student's code add and which store (``Offsets``) tells the watchers when a total grew by an add
of the file's own.
"""

from __future__ import annotations

import builtins
import dis
import types
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

# The student's code may replace a built-in for every module: this module looks them up in a
# copy taken before the student's first line (see ``checks.child.bytecode``).
__builtins__: dict[str, object] = dict(vars(builtins))
_get_instructions = dis.get_instructions
_getattribute = object.__getattribute__
_MRO = cast("types.MemberDescriptorType", type.__dict__["__mro__"])
_TYPE_DICT = cast("types.GetSetDescriptorType", type.__dict__["__dict__"])
_SLOT = types.MemberDescriptorType
_dict_get: Callable[[dict[str, object], str], object] = dict[str, object].get

__all__ = ["PEEKED", "Globals", "Offsets", "numbers"]

PEEKED = 20
"""Most entries of one dict, items of one list or attributes of one object read for numbers."""

_NUMBERS = (int, float)
"""The kinds of number read: exactly these, never a subclass with arithmetic of its own."""
_SEQUENCES = (list, tuple)


class Globals:
    """The global names each code object of the student's stores to (``STORE_GLOBAL``)."""

    def __init__(self) -> None:
        self.by_code: dict[int, tuple[str, ...]] = {}
        self.kept: list[types.CodeType] = []  # ids stay theirs while the call is watched

    def stored(self, code: types.CodeType) -> tuple[str, ...]:
        """The global names ``code`` assigns to, as ``dis`` reads them."""
        found = self.by_code.get(id(code))
        if found is None:
            found = tuple(
                dict.fromkeys(
                    str(i.argval) for i in _get_instructions(code) if i.opname == "STORE_GLOBAL"
                )
            )
            self.by_code[id(code)] = found
            self.kept.append(code)
        return found

    def of(self, frame: types.FrameType) -> list[tuple[str, object]]:
        """The globals ``frame``'s code stores to, with their values now, by a name of their own."""
        space = frame.f_globals
        found: list[tuple[str, object]] = []
        for name in self.stored(frame.f_code):
            value: object = _dict_get(space, name)
            if value is not None:
                found.append((f"<global {id(space)}>.{name}", value))
        return found


def numbers(names: list[tuple[str, object]]) -> list[tuple[str, float]]:
    """The numbers some variables hold: themselves, a dict's entries, a list's or tuple's items,
    an object's attributes (its ``__dict__`` and its slots), one level down."""
    found: list[tuple[str, float]] = []
    for name, value in names:
        kind = type(value)
        if kind in _NUMBERS:
            found.append((name, cast(float, value)))
        elif kind is dict:
            entries = cast(dict[object, object], value)
            found.extend(_plain(name, [(id(k), v) for k, v in list(entries.items())[:PEEKED]]))
        elif kind in _SEQUENCES:
            items = cast(list[object], value)[:PEEKED]
            found.extend(_plain(name, list(enumerate(items))))
        else:
            found.extend(_attributes(name, value, kind))
    return found


def _plain(name: str, items: list[tuple[int, object]]) -> list[tuple[str, float]]:
    """The plain numbers among ``items``, named after where they were found."""
    return [(f"{name}[{key}]", cast(float, item)) for key, item in items if type(item) in _NUMBERS]


def _attributes(name: str, value: object, kind: type) -> list[tuple[str, float]]:
    """The plain numbers among an object's attributes: its ``__dict__`` and its slots."""
    pairs: list[tuple[int, object]] = []
    try:
        inside = _getattribute(value, "__dict__")
    except (AttributeError, TypeError):
        inside = None
    if type(inside) is dict:
        entries = cast(dict[object, object], inside)
        pairs.extend((id(k), v) for k, v in list(entries.items())[:PEEKED])
    for slot in _slots(kind):
        try:
            pairs.append((id(slot), slot.__get__(value)))
        except (AttributeError, TypeError):
            continue
    return _plain(name, pairs)


_slots_by_type: dict[int, tuple[types.MemberDescriptorType, ...]] = {}
_types_kept: list[type] = []  # ids stay theirs while the process lives


def _slots(kind: type) -> tuple[types.MemberDescriptorType, ...]:
    """The slot descriptors (``__slots__``) of a type and its bases, found on its MRO."""
    found = _slots_by_type.get(id(kind))
    if found is None:
        slots: list[types.MemberDescriptorType] = []
        for klass in cast(tuple[type, ...], _MRO.__get__(kind, type)):
            spaces = cast("Mapping[str, object]", _TYPE_DICT.__get__(klass, type))
            slots.extend(slot for slot in list(spaces.values()) if type(slot) is _SLOT)
        found = tuple(slots[:PEEKED])
        _slots_by_type[id(kind)] = found
        _types_kept.append(kind)
    return found


class Offsets:
    """The add instructions (``BINARY_OP +`` and ``+=``; ``BINARY_ADD`` and ``INPLACE_ADD`` on
    3.10) of the watched file's code objects, by offset as ``dis`` reads them."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.by_code: dict[int, tuple[frozenset[int], frozenset[int]]] = {}
        self.kept: list[types.CodeType] = []  # ids stay theirs while the call is watched

    def _read(self, code: types.CodeType) -> tuple[frozenset[int], frozenset[int]]:
        found = self.by_code.get(id(code))
        if found is None:
            adds, stores = frozenset[int](), frozenset[int]()
            if code.co_filename == self.file:
                instructions = list(_get_instructions(code))
                adds = frozenset(
                    i.offset
                    for i in instructions
                    if i.opname in ("BINARY_ADD", "INPLACE_ADD")
                    or (i.opname == "BINARY_OP" and i.argrepr in ("+", "+="))
                )
                stores = frozenset(i.offset for i in instructions if i.opname.startswith("STORE_"))
            found = self.by_code[id(code)] = (adds, stores)
            self.kept.append(code)
        return found

    def at(self, code: types.CodeType, offset: int) -> bool:
        """Whether ``offset`` of ``code`` (a code object of the file's) is an add."""
        return offset in self._read(code)[0]

    def store(self, code: types.CodeType, offset: int) -> bool:
        """Whether ``offset`` of ``code`` (a code object of the file's) stores a value
        (``STORE_FAST``, ``STORE_SUBSCR``, ``STORE_ATTR``, ``STORE_GLOBAL``...)."""
        return offset in self._read(code)[1]
