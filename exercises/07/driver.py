"""The kit's driver for exercise 07: not a file you edit.

The checks run this file the way `python driver.py` runs it, in a throwaway copy of this
folder, with a request.json beside it: which of your functions to call, on which real files.
It imports your pycache.py (and answers.py), calls your functions, and sends what they
returned to the checks on a channel of their own (``Probe.report``), which nothing your code
prints or patches can reach. What your code prints is set aside.
While your functions run, an audit hook notes whether they compile a sample's source, import
a module that compiles (py_compile, compileall) or write, touch, move or delete a file: the
README asks them only to read. Besides the checks' child package, it uses nothing but the
standard library, so that it runs on any Python from 3.10.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import json
import os
import sys
import traceback
from collections.abc import Mapping
from pathlib import Path

from checks.child import hide_package
from checks.child.probe import Probe

HERE = Path(__file__).resolve().parent
FIELDS = ("magic", "flags", "mtime", "size")
ANSWERS = ("MAIN_SCRIPT_GETS_PYC", "IMPORTED_MODULE_GETS_PYC")
COMPILERS = ("py_compile", "compileall")
WRITE_MODES = set("wax+")
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
CHANGES = {
    "os.utime": "changed the time of",
    "os.remove": "deleted",
    "os.rename": "moved",
    "os.mkdir": "made the folder",
    "os.rmdir": "deleted the folder",
    "shutil.copyfile": "copied",
    "shutil.move": "moved",
    "shutil.rmtree": "deleted the folder",
}


class Watch:
    """What the student's functions did while they ran that a function that only reads does not."""

    def __init__(self):
        self.on = False
        self.seen = []
        self.sources = {}

    def expect(self, paths):
        """The sample sources of this request: compiling one of them is recompiling."""
        for path in paths:
            with contextlib.suppress(OSError):
                self.sources[Path(path).name] = Path(path).read_bytes()

    def hook(self, event, args):
        if not self.on:
            return
        self.on = False  # what the hook itself does is not the student's
        try:
            found = self.judge(event, args)
            if found and found not in self.seen:
                self.seen.append(found)
        finally:
            self.on = True

    def judge(self, event, args):
        if event == "compile":
            source, filename = args[0], args[1]
            name = Path(os.fsdecode(filename)).name if filename else ""
            data = source.encode("utf-8") if isinstance(source, str) else source
            if name in self.sources or (
                isinstance(data, bytes) and data in self.sources.values()
            ):
                return f"compiled {name or 'a sample source'}"
            return None
        if event == "import" and args[0].split(".")[0] in COMPILERS:
            return f"imported {args[0]}, which compiles sources"
        if event == "open" and len(args) >= 3:
            path, mode, flags = args[0], args[1], args[2]
            writes = set(mode) & WRITE_MODES if isinstance(mode, str) else flags & WRITE_FLAGS
            if writes and not isinstance(path, int):
                return f"opened {Path(os.fsdecode(path)).name} to write to it"
            return None
        if event in CHANGES and args and not isinstance(args[0], int):
            return f"{CHANGES[event]} {Path(os.fsdecode(args[0])).name}"
        return None

    def during(self, call):
        """Make ``call`` with the watch on; what it returned, and what it did."""
        self.seen = []
        self.on = True
        try:
            return call()
        finally:
            self.on = False


WATCH = Watch()
sys.addaudithook(WATCH.hook)


def encode(value):
    """One returned value as JSON: its kind and what it holds."""
    if isinstance(value, bool):
        return {"bool": value}
    if isinstance(value, int):
        return {"int": value}
    if isinstance(value, (bytes, bytearray)):
        return {"bytes": bytes(value).hex()}
    if isinstance(value, str):
        return {"str": value}
    if isinstance(value, os.PathLike):
        return {"path": str(os.fspath(value))}
    return {"type": type(value).__name__, "repr": repr(value)[:300]}


def header_fields(header):
    """The four fields of what read_header returned, whatever its shape."""
    shape = type(header).__name__
    if isinstance(header, Mapping):
        missing = [f for f in FIELDS if f not in header]
        found = {f: header[f] for f in FIELDS if f in header}
    elif all(hasattr(header, f) for f in FIELDS):
        missing, found = [], {f: getattr(header, f) for f in FIELDS}
    elif isinstance(header, (tuple, list)) and len(header) == len(FIELDS):
        missing, found = [], dict(zip(FIELDS, header))
    else:
        missing = [f for f in FIELDS if not hasattr(header, f)]
        found = None
    if missing:
        return {
            "type": shape,
            "repr": repr(header)[:300],
            "missing": f"Missing: {', '.join(missing)}.",
        }
    return {"type": shape, "fields": {f: encode(v) for f, v in found.items()}}


def where(error, module_file):
    """The error in one line, with the line of the student's file it came from."""
    line = getattr(error, "lineno", None) if isinstance(error, SyntaxError) else None
    for frame in traceback.extract_tb(error.__traceback__):
        if os.path.normcase(frame.filename) == os.path.normcase(module_file):
            line = frame.lineno
    text = f"{type(error).__name__}: {error}".rstrip(": ")
    return f"{text} (line {line} of {Path(module_file).name})" if line else text


def attempt(call, module_file, encoder=encode):
    """Make one call with its output set aside; its encoded value or its error, and what it did."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        writing = sys.dont_write_bytecode
        sys.dont_write_bytecode = True  # an import inside the call writes no .pyc of its own
        try:
            value = WATCH.during(call)
        except BaseException as error:  # noqa: BLE001 - every failure is the student's answer
            answer = {"error": where(error, module_file)}
        else:
            answer = {"value": encoder(value)}
        finally:
            sys.dont_write_bytecode = writing
    if WATCH.seen:
        answer["did"] = list(WATCH.seen)
    return answer


def load(name):
    """Import one of the student's modules, fresh; the module, or the error as text."""
    sys.modules.pop(name, None)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            return importlib.import_module(name), None
        except BaseException as error:  # noqa: BLE001
            return None, where(error, str(HERE / f"{name}.py"))


def function(module, name):
    """A function of the student's module, or a call that says it is missing."""
    found = getattr(module, name, None)
    if callable(found):
        return found

    def missing(*_args):
        raise AttributeError(f"pycache.py defines no function {name}()")

    return missing


def try_answers():
    module, error = load("answers")
    if module is None:
        return {"error": error}
    report = {}
    for name in ANSWERS:
        if hasattr(module, name):
            report[name] = {"value": encode(getattr(module, name))}
        else:
            report[name] = {"error": f"answers.py defines no {name}"}
    return report


def try_pycache(request, report):
    # Read before the student's module is loaded: its code may change how files are read.
    WATCH.expect([*request["sources"], *(s for s, _ in request["pairs"])])
    module, error = load("pycache")
    if module is None:
        report["pycache"] = {"error": error}
        return
    report["pycache"] = {}
    module_file = str(HERE / "pycache.py")
    cache_path = function(module, "cache_path")
    read_header = function(module, "read_header")
    is_stale = function(module, "is_stale")
    report["cache_path"] = [
        attempt(lambda s=s: cache_path(Path(s)), module_file) for s in request["sources"]
    ]
    report["read_header"] = [
        attempt(lambda p=p: read_header(Path(p)), module_file, header_fields)
        for p in request["headers"]
    ]
    report["is_stale"] = [
        attempt(lambda s=s, p=p: is_stale(Path(s), Path(p)), module_file)
        for s, p in request["pairs"]
    ]
    if request["other_tag"] and request["sources"]:
        report["other_cache_path"] = with_other_tag(request, module_file)


def with_other_tag(request, module_file):
    """Import pycache.py again as if on another Python, whose cache tag is another one."""
    real = sys.implementation.cache_tag
    sys.dont_write_bytecode = True  # no .pyc under a made-up tag, anywhere
    sys.implementation.cache_tag = request["other_tag"]
    try:
        module, error = load("pycache")
        if module is None:
            return [{"error": error} for _ in request["sources"]]
        cache_path = function(module, "cache_path")
        return [attempt(lambda s=s: cache_path(Path(s)), module_file) for s in request["sources"]]
    finally:
        sys.implementation.cache_tag = real
        sys.dont_write_bytecode = False


def main():
    request = json.loads((HERE / "request.json").read_text(encoding="utf-8"))
    probe = Probe(HERE / "pycache.py")
    hide_package()  # the student's modules can import nothing of the kit's
    report = {}
    if request["answers"]:
        report["answers"] = try_answers()
    if request["sources"] or request["headers"] or request["pairs"]:
        try_pycache(request, report)
    # On the sealed channel: nothing the student's code prints, patches or registers can
    # change it, add to it or come after it.
    probe.report(**report)


main()
