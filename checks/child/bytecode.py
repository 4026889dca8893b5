"""Bytecode facts, measured on the running Python: the names of a code object's instructions as
``dis`` reads them, the code objects a compiled program holds, and how many instructions a call
executes.

Nothing here is stored per version: opcode names change between CPython releases, so every
answer comes from the interpreter that runs the kit.

Executed instructions are counted by tracing, never timed, and the way to trace depends on the
version. Python 3.10 and 3.11 send an ``opcode`` event to a ``sys.settrace`` function for each
instruction of a frame whose ``f_trace_opcodes`` is set. Python 3.12 rebuilt ``sys.settrace`` on
``sys.monitoring`` (PEP 669), and there opcode events only start if some frame set
``f_trace_opcodes`` *before* ``sys.settrace`` was called: setting it from the trace function, as
one does on 3.11, counts no instruction at all in the first traced call, then every instruction
in later ones (python/cpython#103615, #114480; documented for 3.12, changed again in 3.13). From
3.12 the count therefore uses ``sys.monitoring`` and its ``INSTRUCTION`` event, the interface
meant for this, which counts the same on the first call as on every other.

What a call does, beyond its count, is watched too (``watch_call``): which functions written in
C it calls (``sys.setprofile``'s ``c_call`` events before 3.12, ``sys.monitoring``'s ``CALL``
from 3.12), how the numbers of the student's frames grow by the file's own add instructions
(each add opens a window, read just before it runs and closed once what it made is stored: a
number that grew in between took a step of adding; one set by a plain assignment, from a value
worked out elsewhere, took none), whether what it returned is a total one of them added up, and,
through the kit's door to ``sum`` (``checks.child.sums``), what each call of ``sum`` was handed
and whether the function returned what ``sum`` returned. So a judge can tell a loop that adds
the numbers from one that only counts beside a built-in, and a ``sum`` that adds them from one
handed a number worked out elsewhere. The door's own instructions are not counted.
"""

from __future__ import annotations

import builtins
import dis
import sys
import types
from typing import TYPE_CHECKING, Generic, ParamSpec, TypeVar

from checks.child.sums import Handed, door_code, handed, real_sum
from checks.child.totals import Globals, Offsets, numbers

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from _typeshed import TraceFunction

# The watchers run while the student's module is loaded, and that code may replace a built-in
# (``dict``, ``isinstance``, ``max``) or an attribute of ``sys``, ``dis`` or ``types`` for every
# module: a ``dict`` of its own, handed a frame's variables, would show made-up totals. So the
# functions of this module look built-ins up in a copy taken when it was imported, before the
# student's first line (a function takes its built-ins from its module's ``__builtins__`` when
# it is defined), and keep what else they call under names of their own.
__builtins__: dict[str, object] = dict(vars(builtins))
_settrace, _setprofile = sys.settrace, sys.setprofile
_gettrace, _getprofile = sys.gettrace, sys.getprofile
_getframe = sys._getframe  # pyright: ignore[reportPrivateUsage]
_ModuleType = types.ModuleType
_PYTHON_CALLABLES = (types.FunctionType, types.MethodType, type)
"""What a ``sys.monitoring`` ``CALL`` event may call that is not written in C."""

__all__ = [
    "Executed",
    "Watched",
    "code_objects",
    "count_executed",
    "growth",
    "instruction_names",
    "watch_call",
]

P = ParamSpec("P")
R = TypeVar("R")

MONITORING_TOOLS = (2, 3, 4)
"""``sys.monitoring`` tool ids the count may take, the profiler's first; 0, 1 and 5 are left to
debuggers, coverage tools and optimisers."""

MONITORING_NAME = "checks: count executed instructions"

CALLED_LIMIT = 50
"""Most names of distinct C functions a watched call reports."""

SUMS_LIMIT = 20
"""Most calls of ``sum`` a watched call reports what they were handed."""

CALLERS_READ = 8
"""Frames read when an add runs: its own, and the student's frames that called it (a helper
that adds, whose result its caller stores as the total)."""

_NUMBERS = (int, float)
"""The kinds of number a variable's steps are read from: exactly these, never a subclass whose
own arithmetic would run while the call is watched."""


class Executed(Generic[R]):
    """What one traced call returned and how many bytecode instructions it executed.

    Plain classes, not dataclasses: ``dataclasses`` brings ``inspect``, ``ast`` and a dozen
    more, paid by every run of the driver that imports this module."""

    __slots__ = ("instructions", "result")

    def __init__(self, result: R, instructions: int) -> None:
        self.result = result
        self.instructions = instructions


class Watched(Generic[R]):
    """What one watched call returned, the C functions it called, and what its variables added."""

    __slots__ = (
        "added",
        "adds",
        "called",
        "instructions",
        "kept",
        "result",
        "returned_sum",
        "sums",
    )

    def __init__(
        self,
        result: R,
        called: tuple[str, ...],
        added: int,
        instructions: int,
        adds: int = 0,
        kept: int = 0,
        sums: tuple[Handed, ...] = (),
        returned_sum: int = -1,
    ) -> None:
        self.result = result
        self.called = called
        """The functions written in C the call ran (``sum``, ``functools.reduce``...), in order
        of first call."""
        self.added = added
        """The most distinct positive steps one number of ``file``'s frames took by an add of the
        file's own: a total that grows by 1, then 2, ..., then n - 1 took n - 1 steps; a counter
        raised by 1 took one; a variable set from running totals worked out elsewhere took none."""
        self.instructions = instructions
        """The bytecode instructions the call executed, counted as ``count_executed`` counts
        them."""
        self.adds = adds
        """The add instructions (``+``, ``+=``) the interpreter executed in frames of ``file``'s
        code: the called function's and its helpers'."""
        self.kept = kept
        """The most distinct positive steps of one variable of ``file``'s frames whose last value
        equals what the call returned: the steps of the total it returned, if it added one up."""
        self.sums = sums
        """What each call of the real ``sum`` through the kit's door was handed (``sums.handed``;
        ``(-1, -1, False)`` when not a list of plain numbers), in order."""
        self.returned_sum = returned_sum
        """The index in ``sums`` of the call whose result, that very object, the call returned."""


def watch_call(file: str, func: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> Watched[R]:
    """Call ``func`` once, counting its instructions, noting the C functions it runs and how the
    numbers in frames of ``file`` grow.

    One call does it all, so a function cannot behave one way while it is counted and another
    while it is watched. A variable's value is read at each line and each return of a frame
    whose code comes from ``file``; the differences between its successive numeric values are
    its steps. An exception from ``func`` propagates once watching has stopped.
    """
    return _watch(file, func, *args, **kwargs)


class _Steps:
    """How each numeric local variable of the watched file's frames has grown so far."""

    def __init__(self) -> None:
        self.last: dict[tuple[int, str], float] = {}
        self.steps: dict[tuple[int, str], set[float]] = {}
        self.before: dict[tuple[int, str], float] | None = None
        """The numbers of the frame that ran an add, read just before it: an open window."""
        self.chain: set[int] = set()
        """The frames read for the open window: the add's and its callers'."""
        self.called: dict[str, None] = {}
        self.door, self.sum = door_code(), real_sum()
        self.handing: dict[int, Handed | None] = {}
        self.sums: list[tuple[Handed | None, object]] = []
        self.globals = Globals()

    def _read(self, frame: types.FrameType) -> dict[tuple[int, str], float]:
        """The frame's numbers (a local variable, a global one its code stores to, an entry,
        item or attribute of what they hold: ``checks.child.totals``), by frame and name."""
        names = [*dict(frame.f_locals).items(), *self.globals.of(frame)]
        return {(id(frame), name): value for name, value in numbers(names)}

    def note(self, frame: types.FrameType) -> None:
        """Read the frame's numbers, to know the last value of each."""
        self.last.update(self._read(frame))

    def adding(self, frame: types.FrameType, file: str) -> None:
        """An add instruction of ``file`` is about to run in ``frame``: read the numbers of it
        and of the frames of ``file`` that called it, and keep the window open until what the
        add made is stored (``stored``)."""
        if self.before is not None:
            return
        before: dict[tuple[int, str], float] = {}
        current: types.FrameType | None = frame
        self.chain.clear()
        for _ in range(CALLERS_READ):
            if current is None or current.f_code.co_filename != file:
                break
            before.update(self._read(current))
            self.chain.add(id(current))
            current = current.f_back
        self.before = before

    def stored(self, frame: types.FrameType, credit: bool) -> None:
        """Close the window an add opened, when ``frame`` ran the add or called what did (not
        a function the add's own line called). With ``credit`` (what the add made was just
        stored there), each number of ``frame`` that grew since the add took a step: a step of
        adding, made by the file's own add instruction. Without it (a new line began first),
        nothing was added to a total."""
        before = self.before
        if before is None or id(frame) not in self.chain:
            return
        self.before = None
        if not credit:
            return
        for key, value in self._read(frame).items():
            old = before.get(key)
            if old is not None and value > old:
                self.steps.setdefault(key, set()).add(value - old)
            self.last[key] = value

    def call(self, func: object) -> None:
        """Keep the name of a C function the call ran."""
        if len(self.called) < CALLED_LIMIT:
            self.called.setdefault(_c_name(func), None)

    def door_calls(self, frame: types.FrameType, func: object) -> None:
        """Note what the door's frame hands the real ``sum``, as it calls it."""
        if func is self.sum:
            names = frame.f_locals
            self.handing[id(frame)] = handed(names.get("items"), names.get("start"))

    def door_returns(self, frame: types.FrameType, value: object) -> None:
        """Keep a call of the real ``sum`` through the door, with the value the door returned."""
        if id(frame) in self.handing and len(self.sums) < SUMS_LIMIT:
            self.sums.append((self.handing.pop(id(frame)), value))

    def watched(self, result: R, instructions: int, adds: int = 0) -> Watched[R]:
        """What was seen, as the driver reports it."""
        added = max((len(found) for found in self.steps.values()), default=0)
        kept = 0
        if type(result) in _NUMBERS:
            kept = max(
                (
                    len(self.steps.get(key, ()))
                    for key, value in self.last.items()
                    if type(value) in _NUMBERS and value == result
                ),
                default=0,
            )
        sums = tuple(found or (-1, -1, False) for found, _ in self.sums)
        returned = next((i for i, (_, value) in enumerate(self.sums) if value is result), -1)
        return Watched(result, tuple(self.called), added, instructions, adds, kept, sums, returned)


def _c_name(func: object) -> str:
    """A C function's name as a student would write it: ``sum``, ``functools.reduce``."""
    name = str(getattr(func, "__qualname__", None) or getattr(func, "__name__", "?"))
    module = getattr(func, "__module__", None)
    if not isinstance(module, str) or module == "builtins":
        owner = getattr(func, "__self__", None)
        if owner is not None and not isinstance(owner, _ModuleType) and "." not in name:
            return f"{type(owner).__name__}.{name}"
        return name
    return f"{module.lstrip('_')}.{name}"


def instruction_names(obj: types.CodeType | types.FunctionType) -> list[str]:
    """The names of the instructions of a function or code object, as ``dis`` lists them."""
    return [instruction.opname for instruction in dis.get_instructions(obj)]


def code_objects(code: types.CodeType) -> dict[str, types.CodeType]:
    """Every code object in ``code`` (itself first), labelled by the path of their names.

    A function ``pair`` in a module is ``<module>/pair``, a lambda inside it
    ``<module>/pair/<lambda>``; a second object with the same path gets `` #2``. The labels are
    the same for the same source on the same Python, in any process.
    """
    found: dict[str, types.CodeType] = {}

    def visit(current: types.CodeType, path: str) -> None:
        label, copy = path, 1
        while label in found:
            copy += 1
            label = f"{path} #{copy}"
        found[label] = current
        for constant in current.co_consts:
            if isinstance(constant, types.CodeType):
                visit(constant, f"{path}/{constant.co_name}")

    visit(code, code.co_name)
    return found


def count_executed(func: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> Executed[R]:
    """Call ``func`` and count the bytecode instructions executed until it returns.

    Every Python frame the call runs counts (the function, the functions it calls, generator
    expressions), not the work a built-in does in C. An exception from ``func`` propagates once
    tracing has stopped.
    """
    return _count(func, *args, **kwargs)


def growth(counts: Mapping[int, int]) -> float:
    """Extra instructions per extra unit of ``n``, from the smallest ``n`` counted to the largest."""
    smallest, largest = min(counts), max(counts)
    if largest == smallest:
        return 0.0
    return (counts[largest] - counts[smallest]) / (largest - smallest)


if sys.version_info >= (3, 12):
    _monitoring = types.SimpleNamespace(
        **{**vars(sys.monitoring), "events": types.SimpleNamespace(**vars(sys.monitoring.events))}
    )
    """``sys.monitoring``'s functions and events as this module found them."""

    def _count(func: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> Executed[R]:
        """Count with ``sys.monitoring`` instruction events (Python 3.12 and later)."""
        monitoring = _monitoring
        tool = next((t for t in MONITORING_TOOLS if monitoring.get_tool(t) is None), None)
        if tool is None:
            msg = f"every sys.monitoring tool id in {MONITORING_TOOLS} is taken"
            raise RuntimeError(msg)
        own_code = _count.__code__
        count = 0

        def on_instruction(code: types.CodeType, _offset: int) -> None:
            nonlocal count
            if code is not own_code:  # this function's own lines after the events start
                count += 1

        event = monitoring.events.INSTRUCTION
        monitoring.use_tool_id(tool, MONITORING_NAME)
        try:
            monitoring.register_callback(tool, event, on_instruction)
            monitoring.set_events(tool, event)
            result = func(*args, **kwargs)
        finally:
            monitoring.set_events(tool, monitoring.events.NO_EVENTS)
            monitoring.register_callback(tool, event, None)
            monitoring.free_tool_id(tool)
        return Executed(result, count)

    def _watch(file: str, func: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> Watched[R]:
        """Count, and watch calls, lines and returns, with ``sys.monitoring`` (3.12 and later)."""
        monitoring = _monitoring
        tool = next((t for t in MONITORING_TOOLS if monitoring.get_tool(t) is None), None)
        if tool is None:
            msg = f"every sys.monitoring tool id in {MONITORING_TOOLS} is taken"
            raise RuntimeError(msg)
        own_code = _watch.__code__
        seen = _Steps()
        door = seen.door
        count = adds = 0
        offsets = Offsets(file)
        getframe = _getframe

        after_store = False
        """Whether the last instruction of the file's code that ran stored a value."""

        def on_instruction(code: types.CodeType, offset: int) -> None:
            nonlocal count, adds, after_store
            if code is not own_code and code is not door:
                count += 1
                if code.co_filename != file:
                    return
                if after_store and seen.before is not None:
                    seen.stored(getframe(1), credit=True)
                after_store = offsets.store(code, offset)
                if offsets.at(code, offset):
                    adds += 1
                    seen.adding(getframe(1), file)

        def on_line(code: types.CodeType, _line: int) -> None:
            nonlocal after_store
            if code.co_filename == file:
                frame = getframe(1)
                seen.stored(frame, credit=after_store)
                after_store = False
                seen.note(frame)

        def on_return(code: types.CodeType, _offset: int, value: object) -> None:
            if code is door:
                seen.door_returns(getframe(1), value)
            elif code.co_filename == file:
                seen.note(getframe(1))

        def on_call(code: types.CodeType, _offset: int, func: object, _arg0: object) -> None:
            if code is door:
                seen.door_calls(getframe(1), func)
            if code is not own_code and not isinstance(func, _PYTHON_CALLABLES):
                seen.call(func)

        events = monitoring.events
        wanted = {
            events.INSTRUCTION: on_instruction,
            events.LINE: on_line,
            events.PY_RETURN: on_return,
            events.CALL: on_call,
        }
        monitoring.use_tool_id(tool, MONITORING_NAME)
        try:
            for event, callback in wanted.items():
                monitoring.register_callback(tool, event, callback)
            every = 0
            for event in wanted:
                every |= event
            monitoring.set_events(tool, every)
            result = func(*args, **kwargs)
        finally:
            monitoring.set_events(tool, events.NO_EVENTS)
            for event in wanted:
                monitoring.register_callback(tool, event, None)
            monitoring.free_tool_id(tool)
        return seen.watched(result, count, adds)

else:

    def _count(func: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> Executed[R]:
        """Count with ``sys.settrace`` opcode events (Python 3.10 and 3.11)."""
        count = 0

        def trace(frame: types.FrameType, event: str, _arg: object) -> TraceFunction:
            nonlocal count
            frame.f_trace_opcodes = True
            if event == "opcode":
                count += 1
            return trace

        before = _gettrace()
        _settrace(trace)
        try:
            result = func(*args, **kwargs)
        finally:
            _settrace(before)
        return Executed(result, count)

    def _watch(file: str, func: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> Watched[R]:
        """Count, and watch lines and C calls, with ``sys.settrace`` and ``sys.setprofile``."""
        seen = _Steps()
        door = seen.door
        count = adds = 0
        own_code = _watch.__code__
        offsets = Offsets(file)

        after_store = False
        """Whether the last instruction of the file's code that ran stored a value."""

        def trace(frame: types.FrameType, event: str, arg: object) -> TraceFunction:
            nonlocal count, adds, after_store
            code = frame.f_code
            if code is door:
                if event == "return":
                    seen.door_returns(frame, arg)
                return trace
            frame.f_trace_opcodes = True
            if event == "opcode":
                count += 1
                if code.co_filename != file:
                    return trace
                if after_store and seen.before is not None:
                    seen.stored(frame, credit=True)
                after_store = offsets.store(code, frame.f_lasti)
                if offsets.at(code, frame.f_lasti):
                    adds += 1
                    seen.adding(frame, file)
            elif event in ("line", "return") and code.co_filename == file:
                if event == "line":
                    seen.stored(frame, credit=after_store)
                    after_store = False
                seen.note(frame)
            return trace

        def profile(frame: types.FrameType, event: str, arg: object) -> None:
            if event == "c_call" and frame.f_code is not own_code:
                if frame.f_code is door:
                    seen.door_calls(frame, arg)
                seen.call(arg)

        before_trace, before_profile = _gettrace(), _getprofile()
        _setprofile(profile)
        _settrace(trace)
        try:
            result = func(*args, **kwargs)
        finally:
            _settrace(before_trace)
            _setprofile(before_profile)
        return seen.watched(result, count, adds)
