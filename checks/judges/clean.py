"""What a clean child of the running interpreter answers about bytecode: where
``importlib.util.cache_from_source`` caches a source, and the ``.pyc`` that ``py_compile`` writes.

A clean child is one whose environment has lost what a shell may set to change the answer
(``PYTHONDONTWRITEBYTECODE``, ``PYTHONPYCACHEPREFIX``, ``SOURCE_DATE_EPOCH``, ``PYTHONOPTIMIZE``:
it gets the short list of ``checks.run.environment.child_environment``). Each answer is worked
out in this process where that gives the child's answer, which costs a millisecond where a
child costs a Python's start (about 30 ms of CPU, once or twice per submission graded); else
the child is asked. ``checks.judges.pyc`` (the samples) and ``checks.judges.pycache`` (exercise
07's judge) import it; it imports ``checks.run.environment`` and the standard library.
"""

from __future__ import annotations

import importlib.util
import json
import py_compile
import subprocess
import sys
import types
from collections.abc import Callable, Sequence
from pathlib import Path

from checks.run.environment import child_environment

__all__ = ["CHILD_TIMEOUT", "cache_from_source", "compiled"]

CHILD_TIMEOUT = 60.0
"""Seconds the kit's own child processes (py_compile, the experiment, git) may take."""

_COMPILE = """\
import importlib.util, json, py_compile, sys
out = []
for source, mode in json.loads(sys.argv[1]):
    pyc = py_compile.compile(
        source, doraise=True, invalidation_mode=py_compile.PycInvalidationMode[mode])
    out.append([pyc, importlib.util.cache_from_source(source)])
print(json.dumps(out))
"""

_CACHE_FROM_SOURCE = """\
import importlib.util, json, sys
if sys.argv[2]:
    sys.implementation.cache_tag = sys.argv[2]
print(json.dumps([importlib.util.cache_from_source(s) for s in json.loads(sys.argv[1])]))
"""


def _python(code: str, *args: str, cwd: Path | None = None) -> str:
    """Run ``code`` in a clean child of the running interpreter and return what it printed."""
    done = subprocess.run(
        [sys.executable, "-E", "-c", code, *args],
        cwd=cwd,
        env=child_environment(sys.executable),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=CHILD_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        msg = f"the kit's child Python failed (exit {done.returncode}):\n{done.stderr}"
        raise RuntimeError(msg)
    return done.stdout


def compiled(sources: Sequence[tuple[Path, str]]) -> list[list[str]]:
    """Compile each source with ``py_compile`` as a clean child of the running interpreter would:
    each ``.pyc``'s path and where ``importlib.util.cache_from_source`` caches the source.

    In this process where it gives the clean child's answer (``_compiles_as_a_child``): about a
    millisecond, not a Python's start (about 30 ms of CPU, once per submission graded). The
    optimization level (none) and the invalidation mode (by its name in
    ``py_compile.PycInvalidationMode``) are given, so neither ``-O`` nor ``SOURCE_DATE_EPOCH``
    can change them.
    """
    if not _compiles_as_a_child():
        out = _python(_COMPILE, json.dumps([[str(s), mode] for s, mode in sources]))
        return json.loads(out)
    done: list[list[str]] = []
    for source, mode in sources:
        kind = py_compile.PycInvalidationMode[mode]
        pyc = py_compile.compile(str(source), doraise=True, optimize=0, invalidation_mode=kind)
        if pyc is None:  # only without doraise
            msg = f"py_compile wrote no .pyc for {source}"
            raise RuntimeError(msg)
        done.append([pyc, importlib.util.cache_from_source(str(source), optimization="")])
    return done


def _compiles_as_a_child() -> bool:
    """Whether this process compiles and places a ``.pyc`` as a clean child of its interpreter
    would, given the optimization level and the mode: no cache prefix (``-X pycache_prefix``,
    ``PYTHONPYCACHEPREFIX``), and each instruction's columns kept in the code (``-X
    no_debug_ranges`` and ``PYTHONNODEBUGRANGES`` drop them, 3.11 on)."""
    if sys.pycache_prefix is not None:
        return False
    positions = getattr(compile("x", "<probe>", "eval"), "co_positions", None)
    return positions is None or list(positions())[-1][2] is not None


def cache_from_source(sources: Sequence[Path], *, tag: str | None = None) -> list[Path]:
    """Where ``importlib.util.cache_from_source`` caches each source in a clean child of the
    running interpreter: no cache prefix and no optimization, as in a fresh shell; with ``tag``,
    with ``sys.implementation.cache_tag`` set to it first, as another Python would have it.

    Answered in this process by the interpreter's own function, run with a ``sys`` of those
    values instead of this process's (no other thread sees a changed tag), where that function
    reads nothing else of ``sys``; else a clean child is asked (a Python's start: about 30 ms).
    """
    cache_tag = sys.implementation.cache_tag if tag is None else tag
    here = _clean_cache_from_source(cache_tag)
    try:
        return [Path(here(str(s))) for s in sources]
    except (AttributeError, NotImplementedError):  # it read more of sys, or caches nothing:
        pass  # the child says so
    out = _python(_CACHE_FROM_SOURCE, json.dumps([str(s) for s in sources]), tag or "")
    return [Path(p) for p in json.loads(out)]


def _clean_cache_from_source(cache_tag: str | None) -> Callable[[str], str]:
    """``importlib.util.cache_from_source`` as a clean child with ``cache_tag`` runs it."""
    function = importlib.util.cache_from_source
    clean = types.SimpleNamespace(
        implementation=types.SimpleNamespace(cache_tag=cache_tag),
        flags=types.SimpleNamespace(optimize=0),
        pycache_prefix=None,
    )
    namespace = {**function.__globals__, "sys": clean}
    copy = types.FunctionType(
        function.__code__, namespace, function.__name__, function.__defaults__
    )
    copy.__kwdefaults__ = function.__kwdefaults__
    return copy
