"""The checks run this file to watch your not_enforced.py and invoice.py run. You do not need to
open or change it.

It runs each file as Python runs it (``python FILE``), watching every call of a function that
the file defines: the line it was called from, whether its arguments match the function's type
hints, and whether it ran its own body to a return with no exception raised inside it (a
caught one counts too), in every thread. For invoice.py it also
checks the values ``ORDER`` holds once the program ends against ``ORDER``'s hint. It prints what
it saw as one line of JSON; the checks compare it with what pyright says about the same lines.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import runpy
import sys
import threading
import types
import typing
from collections.abc import Callable
from pathlib import Path

from checks.child.probe import Probe

HERE = Path(__file__).resolve().parent
FILES = ("not_enforced.py", "invoice.py")
CALLS_KEPT = 50
"""Most calls reported for one file."""
NUMBERS: dict[type, tuple[type, ...]] = {float: (int, float), complex: (int, float, complex)}
"""Where a hint accepts more than its own class (PEP 484's numeric tower): ``float`` takes ints."""
WATCHED = {"ORDER": "list[tuple[str, float, int]]"}
"""invoice.py's names whose final value is checked against the hint the starter gives them,
whatever hint the student's file writes (or hides under ``if TYPE_CHECKING:``)."""


def matches(value: object, hint: object) -> bool | None:
    """Whether ``value`` fits the type ``hint`` (None: a hint these checks cannot judge)."""
    if hint is typing.Any or hint is object:
        return True
    if hint is None or hint is type(None):
        return value is None
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Union or (hasattr(types, "UnionType") and origin is types.UnionType):
        verdicts = [matches(value, arg) for arg in args]
        return True if any(verdicts) else (None if None in verdicts else False)
    if origin is typing.Literal:
        return value in args
    if origin is not None and isinstance(origin, type):
        if not isinstance(value, origin):
            return False
        return _items_match(value, origin, args)
    if isinstance(hint, type):
        if isinstance(value, bool) and hint in NUMBERS:
            return False
        return isinstance(value, NUMBERS.get(hint, (hint,)))
    return None


def _items_match(value: object, origin: type, args: tuple[object, ...]) -> bool | None:
    """Whether the items of a list, tuple, set or dict fit the hint's arguments."""
    if not args:
        return True
    if origin is tuple and isinstance(value, tuple):
        items = typing.cast("tuple[object, ...]", value)
        if len(args) == 2 and args[1] is Ellipsis:
            pairs = [(item, args[0]) for item in items]
        elif len(args) != len(items):
            return False
        else:
            pairs = list(zip(items, args))
    elif origin in (list, set, frozenset) and isinstance(value, (list, set, frozenset)):
        pairs = [(item, args[0]) for item in typing.cast("list[object]", list(value))]
    elif origin is dict and isinstance(value, dict) and len(args) == 2:
        mapping = typing.cast("dict[object, object]", value)
        pairs = [p for key, item in mapping.items() for p in ((key, args[0]), (item, args[1]))]
    else:
        return None
    verdicts = [matches(item, hint) for item, hint in pairs]
    return False if False in verdicts else (None if None in verdicts else True)


def hints_of(func: Callable[..., object]) -> dict[str, object]:
    """The function's type hints as objects (strings evaluated where they can be)."""
    try:
        return dict(inspect.get_annotations(func, eval_str=True))
    except Exception:  # noqa: BLE001 - a hint that cannot be evaluated is not judged
        try:
            return dict(inspect.get_annotations(func))
        except Exception:  # noqa: BLE001
            return {}


def shown(value: object) -> str:
    """A short repr of a value for the checks' messages."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def function_of(frame: types.FrameType) -> Callable[..., object] | None:
    """The function a frame runs, looked for among the names its caller and module can see."""
    places = [frame.f_globals]
    if frame.f_back is not None:
        places.append(dict(frame.f_back.f_locals))
    for place in places:
        for value in list(place.values()):
            if isinstance(value, types.FunctionType) and value.__code__ is frame.f_code:
                return value
    return None


def watch(path: Path) -> dict[str, object]:
    """Run the file as ``python FILE`` would and report its typed calls and its ORDER."""
    filename = str(path)
    calls: list[dict[str, object]] = []
    open_calls: dict[int, dict[str, object]] = {}

    def trace(frame: types.FrameType, event: str, _arg: object) -> typing.Any:  # noqa: ANN401
        if frame.f_code.co_filename != filename or frame.f_code.co_name.startswith("<"):
            return None
        key = id(frame)
        if event == "call":
            func = function_of(frame)
            hints = hints_of(func) if func is not None else {}
            params = [name for name in hints if name != "return"]
            wrong: list[dict[str, object]] = []
            for name in params:
                if name in frame.f_locals:
                    value = frame.f_locals[name]
                    if matches(value, hints[name]) is False:
                        wrong.append(
                            {"param": name, "value": shown(value), "type": type(value).__name__}
                        )
            caller = frame.f_back
            call: dict[str, object] = {
                "function": frame.f_code.co_name,
                "line": caller.f_lineno
                if caller is not None and caller.f_code.co_filename == filename
                else None,
                "typed": bool(params),
                "wrong": wrong,
                "finished": False,
                "error": None,
            }
            if len(calls) < CALLS_KEPT:
                calls.append(call)
            open_calls[key] = call
            frame.f_trace_lines = True
            return trace
        running = open_calls.get(key)
        if running is None:
            return trace
        if event == "exception":
            error = typing.cast("tuple[object, ...]", _arg)[1] if isinstance(_arg, tuple) else None
            running["error"] = type(error).__name__ if error is not None else "error"
        elif event == "return":
            running["finished"] = running["error"] is None
            del open_calls[key]
        return trace

    namespace: dict[str, object] = {}
    crashed: str | None = None
    printed = io.StringIO()
    threading.settrace(trace)  # every thread the program starts is watched too
    sys.settrace(trace)
    try:
        with contextlib.redirect_stdout(printed):
            namespace = runpy.run_path(filename, run_name="__main__")
    except BaseException as error:  # noqa: BLE001 - a crash is the student's answer
        crashed = type(error).__name__
    finally:
        sys.settrace(None)
        threading.settrace(None)  # pyright: ignore[reportArgumentType]
    values = checked_values(namespace) if path.name == "invoice.py" else {}
    return {"calls": calls, "crashed": crashed, "values": values}


def checked_values(namespace: dict[str, object]) -> dict[str, object]:
    """For each watched name: does its final value fit the starter's hint, and which items not."""
    found: dict[str, object] = {}
    for name, written in WATCHED.items():
        if name not in namespace:
            found[name] = {"fits": False, "wrong": ["(ORDER is not there once the program ends)"]}
            continue
        hint = eval(written, {"__builtins__": __builtins__})  # noqa: S307 - the kit's own text
        value = namespace[name]
        found[name] = {"fits": matches(value, hint), "wrong": wrong_items(value, hint)}
    return found


def wrong_items(value: object, hint: object) -> list[str]:
    """The items of a list of tuples that do not fit the hint's tuple, as the messages show them."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) is not list or not args or not isinstance(value, list):
        return []
    items = typing.cast("list[object]", value)
    return [shown(item) for item in items if matches(item, args[0]) is False][:5]


facts = {name: watch(HERE / name) for name in FILES if (HERE / name).is_file()}
Probe(HERE / FILES[0]).report(**facts)
