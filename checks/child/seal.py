"""The sealed channel: the one way a trial's answers and a driver's facts reach the parent.

The launcher opens it (``install``) before any code of the student's runs: a pipe of its own
(the ``facts`` descriptor of the orders), written only by an audit hook (``sys.addaudithook``)
that holds, in its closure, everything it writes with: ``os.write``, the descriptor, ``repr``,
the run's nonce (a secret the parent drew for this run alone), and the count of records so
far. The kit says a fact by raising the audit event ``checks.record`` with a kind and a plain
value; the hook writes it as one line, ``repr((nonce, number, kind, value))``, when the code
that raised it is the kit's own sender of that kind (by identity of its code object, never by
a name or a file name), and refuses it otherwise. The launcher's last record is ``end``.

The same hook refuses, while the student's code runs, what only a forger needs (``REFUSED``):
the kit's frames (``sys._getframe``, ``sys._current_frames``, a traceback's, generator's or
coroutine's frame), ``gc``'s walks over objects, every ``ctypes`` event, tracing or profiling
set by the student's code, another audit hook, a ``sys.monitoring`` callback, and reading the
process's memory through ``/proc``. The kit's own calls go through: the first caller that is
not the standard library must be code the kit loaded (identity again). A refusal raises in the
student's code, and is itself written on the channel, so that catching it changes nothing.

What that rules out: a record the parent did not ask for. The student's code can write any
bytes to any descriptor, but without the nonce its lines are not records; a line that is no
record, a record out of turn or one too many is tampering for the parent
(``checks.run.facts``); closing the descriptor, laying another file over it (``os.dup2``) or
ending the process (``os._exit``) leaves records missing, and a run whose records stop short
of ``end`` gave no facts. What it does not rule out: a student's code that reads the nonce out
of memory by a door no audit event guards (a frame got before the hook, a C extension of its
own, a debugger attached from outside); a frame of its own walked up by ``f_back`` into the
kit's frames (``f_back`` and ``f_locals`` raise no audit event: the kit keeps nothing on the
stack above the student's code that could forge a record, neither the nonce nor the orders
that carried it nor the ``trust`` of the channel, since every record is checked at the hook by
who sends it); an audited call made by a chain of C functions the student's code handed to the
kit's own code (a ``partial`` as ``sys.stdout.flush``), which leaves no frame of its own and so
passes for the kit's, except a walk over objects (``gc``), which the kit never makes; and facts
the kit measured wrongly because the student's code changed what the kit looked at (a builtin
replaced, a ``sys.monitoring`` tool switched off by ``set_events``, which raises no event):
those are the drivers' own care.

It imports the standard library only, and little of it: it runs on every trial and driver run.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping
    from types import CodeType, FrameType
    from typing import Any


def cast(_kind: str, value: object) -> Any:
    """``typing.cast``: the child does not pay for importing ``typing``."""
    return value


RECORD = "checks.record"
"""The audit event the kit raises to say one fact: ``sys.audit(RECORD, kind, value)``."""
END = "end"
"""The kind of the launcher's last record: the run's facts are complete."""
REFUSED_KIND = "refused"
"""The kind of the record the hook writes when it refuses something to the student's code."""
DEPTH = 12
"""How deep a record's value may nest (lists, tuples, dicts); deeper is cut."""
NAME_READERS = ("collections", "enum", "typing") if sys.version_info < (3, 12) else ()
"""Standard modules whose functions take a frame only to read its module's name (a
``namedtuple``, an ``Enum`` or a ``TypeVar`` made at run time, before 3.12 gave them
``sys._getframemodulename``, which hands out no frame and is let through): before 3.12, their
``sys._getframe`` goes through when they were loaded before the student's code. From 3.12 on
they take a frame only when ``sys._getframemodulename`` is gone, which only a program that
deleted it brings about: refused, whenever they were loaded."""
FRAME_ATTRIBUTES = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame"})
"""Attributes that hand out a frame, from which ``f_back`` leads to the kit's own."""
REFUSED = {
    "sys._getframe": "it asked for a frame of the running code (sys._getframe)",
    "sys._current_frames": "it asked for the frames of every thread (sys._current_frames)",
    "gc.get_objects": "it walked the interpreter's objects (gc.get_objects)",
    "gc.get_referrers": "it walked the interpreter's objects (gc.get_referrers)",
    "gc.get_referents": "it walked the interpreter's objects (gc.get_referents)",
    "sys.settrace": "it set or removed a trace function (sys.settrace)",
    "sys.setprofile": "it set or removed a profile function (sys.setprofile)",
    "sys.addaudithook": "it added an audit hook (sys.addaudithook)",
    "sys.monitoring.register_callback": "it changed a sys.monitoring callback",
}
"""Audit events refused to the student's code, and what the refusal says it did."""
THREAD_HOOKS = {"sys.settrace": "_trace_hook", "sys.setprofile": "_profile_hook"}
"""What ``threading`` hands each new thread, by the audit event that sets it there."""
MEMORY_FILES = ("/mem", "/maps", "/pagemap")
"""Files under ``/proc`` that read a process's memory or its layout."""


class Refused(RuntimeError):
    """What the student's code meets when the checks refuse it something."""


def plain(value: object, depth: int = DEPTH) -> object:
    """``value`` with only the kinds of data ``ast.literal_eval`` reads back, by exact type.

    A subclass (an ``int`` whose ``__repr__`` is the student's) is never asked to write
    itself: it becomes ``"<name>"``, so no code of the student's runs while a record is made.
    """
    kind = type(value)
    if value is None or kind is bool or kind is int or kind is float or kind is str:
        return value
    if depth <= 0:
        return "<too deep>"
    if kind is list or kind is tuple:
        items = cast("Iterable[object]", value)
        return [plain(item, depth - 1) for item in items]
    if kind is dict:
        pairs = cast("dict[object, object]", value)
        return {
            key if type(key) is str else str(plain(key, 0)): plain(item, depth - 1)
            for key, item in pairs.items()
        }
    return f"<{type.__dict__['__name__'].__get__(kind)}>"


def _code_tree(roots: Collection[CodeType]) -> set[int]:
    """The ids of ``roots`` and of every code object nested in their constants."""
    found: set[int] = set()
    todo = list(roots)
    while todo:
        code = todo.pop()
        if id(code) in found:
            continue
        found.add(id(code))
        todo.extend(c for c in code.co_consts if type(c) is type(code))  # pyright: ignore[reportUnknownArgumentType]
    return found


def kit_code(modules: Collection[object], *, own: bool = True) -> list[CodeType]:
    """The code objects of the kit's modules: every function and method they define (with
    ``own``, only those defined by the module itself, not imported into it)."""
    found: list[CodeType] = []
    for module in modules:
        for value in vars(module).values():
            functions = [value, *vars(value).values()] if isinstance(value, type) else [value]
            for function in functions:
                code = getattr(getattr(function, "__func__", function), "__code__", None)
                if isinstance(code, type(kit_code.__code__)) and (
                    not own or getattr(function, "__module__", None) == vars(module)["__name__"]
                ):
                    found.append(code)
    return found


def install(
    fd: int,
    nonce: str,
    senders: Mapping[str, Collection[CodeType]],
    kit: Collection[CodeType],
    *,
    folder: str,
    open_kinds: Collection[str] = (),
) -> Callable[[Collection[CodeType]], None]:
    """Open the channel on ``fd`` and guard it; returns how to add more of the kit's code.

    ``senders`` names, for each kind of record, the code objects that may raise it; ``kit``
    is the kit's code (and everything nested in it): its calls are never refused, nor those of
    a module of the kit's ``folder`` that the kit's own code imports later (a driver's). A kind
    in ``open_kinds`` (a piece of printed text) may be said by any of the kit's code.
    """
    write, getframe, get_ident = os.write, sys._getframe, _thread_ident()  # pyright: ignore[reportPrivateUsage]
    to_text, encode, startswith = repr, str.encode, str.startswith
    allowed = {kind: frozenset(id(code) for code in codes) for kind, codes in senders.items()}
    loaded = [sys.modules[name] for name in NAME_READERS if name in sys.modules]
    readers_code = kit_code(loaded, own=False)
    readers = _code_tree(readers_code)
    trusted = _code_tree([*kit, *(c for codes in senders.values() for c in codes)])
    stdlib = (os.path.dirname(os.__file__) + os.sep, "<frozen ")
    kept = [*kit, *readers_code, *(c for codes in senders.values() for c in codes)]
    busy: set[int] = set()
    count = [0]

    def send(kind: str, value: object) -> None:
        line = to_text((nonce, count[0], kind, plain(value))) + "\n"
        count[0] += 1
        data = encode(line, "utf-8", "backslashreplace")
        try:
            while data:
                data = data[write(fd, data) :]
        except OSError:
            pass

    def by_kit(frame: FrameType | None, event: str = "") -> bool:
        """Whether the first caller outside the standard library is the kit's code.

        A thread's start, where only the standard library is on the stack, may set the trace
        or profile function ``threading.settrace`` names when that is the kit's.
        """
        while frame is not None:
            code = frame.f_code
            if id(code) in trusted:
                return True
            if not startswith(code.co_filename, stdlib):
                return False
            frame = frame.f_back
        hook_name = THREAD_HOOKS.get(event)
        if hook_name is None:
            return False
        hook = getattr(sys.modules.get("threading"), hook_name, None)
        return id(getattr(hook, "__code__", None)) in trusted

    def refuse(what: str) -> None:
        send(REFUSED_KIND, what)
        raise Refused(f"the checks refused this: {what}")

    def hook(event: str, args: tuple[object, ...]) -> None:
        if event == RECORD:
            me = get_ident()
            if me in busy:
                return
            busy.add(me)
            try:
                caller = getframe(1)
                kind = args[0] if args else None
                code = id(caller.f_code)
                if type(kind) is str and (
                    code in allowed.get(kind, ()) or (kind in open_kinds and code in trusted)
                ):
                    send(kind, args[1] if len(args) > 1 else None)
                    return
            finally:
                busy.discard(me)
            refuse("it raised the checks' own audit event to forge a record")
        if event == "exec":
            code = args[0] if args else None
            if isinstance(code, code_type) and startswith(code.co_filename, folder):
                me = get_ident()
                if me in busy:
                    return
                busy.add(me)
                try:
                    if by_kit(getframe(1)):
                        trust([code])
                finally:
                    busy.discard(me)
            return
        why = REFUSED.get(event)
        if why is None:
            if startswith(event, "ctypes."):
                why = f"it used ctypes ({event})"
            elif event == "object.__getattr__" and len(args) > 1 and args[1] in FRAME_ATTRIBUTES:
                why = f"it took a frame ({args[1]})"
            elif (
                event == "open"
                and args
                and type(args[0]) is str
                and startswith(args[0], "/proc/")
                and args[0].endswith(MEMORY_FILES)
            ):
                why = f"it opened {args[0]}, the process's memory"
            else:
                return
        me = get_ident()
        if me in busy:
            return
        busy.add(me)
        try:
            caller = getframe(1)
            if event == "sys._getframe" and id(caller.f_code) in readers:
                return
            if not startswith(event, "gc.") and by_kit(caller, event):
                return  # the kit walks no objects: a walk is never its, whoever calls it
        finally:
            busy.discard(me)
        refuse(why)

    def trust(codes: Collection[CodeType]) -> None:
        kept.extend(codes)
        trusted.update(_code_tree(codes))

    code_type: type[CodeType] = type(install.__code__)
    sys.addaudithook(hook)
    # The kit's tracing is no business of the student's code: what these hand out would lead
    # to the kit's trace functions and, through them, to its state.
    sys.gettrace = _nothing_traced
    sys.getprofile = _nothing_traced
    return trust


def _nothing_traced() -> None:
    """``sys.gettrace`` and ``sys.getprofile`` while the kit watches: nothing to hand out."""


def _thread_ident() -> Callable[[], int]:
    import _thread

    return _thread.get_ident
