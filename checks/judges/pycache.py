"""Exercise 07's judges: the student's answers and functions against CPython's own.

``try_student`` runs the student's ``pycache.py`` and ``answers.py`` in the kit's driver
(``checks.judges.pycache_driver``) and fails if their code stopped it, changed the sample files
or did more than read; the ``expect_*`` functions compare what the functions returned with the
facts measured on the running interpreter (``checks.judges.pyc``: the samples' headers;
``checks.judges.clean``: where importlib caches a source; the live experiment), and fail for a
beginner.

It imports the facts (``checks.judges.pyc``, ``checks.judges.clean``), the driver's report
(``checks.judges.pycache_driver``), the attempt and ``expect``, nothing above ``judges/``.
The ``.gitignore`` is judged in ``checks.judges.gitignore``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from importlib.util import source_hash
from pathlib import Path
from typing import NoReturn

from checks.judges import expect
from checks.judges.attempt import Attempt
from checks.judges.clean import CHILD_TIMEOUT, cache_from_source
from checks.judges.pyc import Sample, Samples
from checks.judges.pycache_driver import Report, Returned, as_dict, drive
from checks.run.environment import child_environment

__all__ = [
    "OTHER_TAG",
    "Experiment",
    "expect_answers",
    "expect_cache_paths",
    "expect_headers",
    "expect_staleness",
    "experiment",
    "try_student",
]

OTHER_TAG = "kit-other-99"
"""A cache tag no real Python has: ``cache_path`` must follow the tag, whatever it is."""

_DEEDS_SHOWN = 5
"""At most this many of the things the student's functions did beyond reading are named."""


# --- the student's functions, in the kit's driver ------------------------------------------


def try_student(
    attempt: Attempt,
    samples: Samples | None = None,
    *,
    cache_paths: bool = False,
    headers: bool = False,
    staleness: bool = False,
    answers: bool = False,
) -> Report:
    """Run the kit's driver on the student's files and the samples; fail if it gives no report.

    ``cache_paths`` asks ``cache_path`` about every sample source twice: with this Python's
    cache tag, then with ``OTHER_TAG``. Also fails if the student's functions changed the
    sample files: they are to read them.
    """
    modules = (["answers"] if answers else []) + (
        ["pycache"] if cache_paths or headers or staleness else []
    )
    for module in modules:
        attempt.tree(f"{module}.py")
    items = samples.items if samples else ()
    request: dict[str, object] = {
        "answers": answers,
        "sources": [str(s.source) for s in items if s.cached_at] if cache_paths else [],
        "other_tag": OTHER_TAG if cache_paths else None,
        "headers": [str(s.pyc) for s in items] if headers else [],
        "pairs": [[str(s.source), str(s.pyc)] for s in items if s.stale is not None]
        if staleness
        else [],
    }
    run, data, changed = drive(attempt, request, samples)
    if data is None:
        expect.fail(
            "The checks call your functions from a small driver program, but it gave no "
            f"report: your code stopped it.\n\n{expect.describe(run)}"
        )
    if changed:
        expect.fail(
            "Your functions changed the sample files the checks made:\n"
            + "\n".join(f"    {n}" for n in changed)
            + "\n\ncache_path, read_header and is_stale only look: they must not write, "
            "touch, compile or delete anything."
        )
    report = Report(run=run, data=data)
    done = report.deeds()
    if done:
        expect.fail(
            "Your functions did more than read while they ran:\n"
            + "\n".join(f"    {name}() {deed}" for name, deed in done[:_DEEDS_SHOWN])
            + "\n\ncache_path, read_header and is_stale only look: they must not compile, "
            "write, touch or delete any file, not even a copy in another folder. is_stale "
            "answers from the header and the source as they are (their mtime, size or hash), "
            "never by compiling the source again to compare."
        )
    for module in modules:
        error = report.load_error(module)
        if error is not None:
            expect.fail(
                f"{module}.py could not be imported, so none of it can be checked:\n\n"
                f"    {error}\n\nRun it yourself to see the whole error: "
                f"`uv run python exercises/07/{module}.py`"
            )
    return report


# --- what they returned, judged against CPython's facts -------------------------------------


def _failed_call(call: str, returned: Returned) -> str | None:
    if returned.error is not None:
        return f"{call} raised an error instead of returning:\n\n    {returned.error}"
    if returned.value is None:
        return f"{call} gave no answer."
    return None


def _cache_path_problem(report: Report, samples: Samples, *, other_tag: bool) -> str | None:
    """What is wrong with the first wrong answer of ``cache_path`` in one round, if any."""
    items = [s for s in samples.items if s.cached_at is not None]
    key = "other_cache_path" if other_tag else "cache_path"
    truth = (
        cache_from_source([s.source for s in items], tag=OTHER_TAG)
        if other_tag
        else [s.cached_at for s in items if s.cached_at is not None]
    )
    for sample, returned, right in zip(items, report.calls(key, len(items)), truth, strict=True):
        call = f"cache_path(Path({samples.shown(sample.source)!r}))"
        value = returned.value or {}
        got = value.get("path", value.get("str"))
        problem = _failed_call(call, returned)
        if problem is None and not isinstance(got, str):
            problem = f"{call} returned {returned.shown()}: return a pathlib.Path (or a str)."
        if problem is None and not _same_path(str(got), right):
            problem = (
                f"{call} returned\n    {samples.shown(str(got))}\nbut CPython caches the bytecode "
                f"of that file at\n    {samples.shown(right)}\n"
                "(importlib.util.cache_from_source says so"
                + (f" when the tag is {OTHER_TAG!r})." if other_tag else " on this Python).")
            )
        if problem is not None:
            return problem
    return None


def expect_cache_paths(report: Report, samples: Samples, *, other_tag: bool = False) -> None:
    """Require that ``cache_path`` names the file importlib names, for every sample source.

    With ``other_tag``, require it of the round where the cache tag was ``OTHER_TAG``.
    """
    advice = (
        "\n\nNext: the cache is a __pycache__ folder in the source's own folder, and the file "
        "is named NAME.TAG.pyc: NAME is the source's name without its .py, and TAG is "
        f"sys.implementation.cache_tag ({sys.implementation.cache_tag!r} on this Python): "
        "ask for the tag, never write it into your code."
    )
    advice += f"\n\n{samples.replay()}"
    problem = _cache_path_problem(report, samples, other_tag=False)
    if problem is not None:
        if other_tag:
            expect.fail(
                "cache_path is not right yet for this Python's own tag (the check "
                "test_cache_path_agrees_with_importlib says where). Once it is, this check asks "
                "again as if on another Python, whose cache tag is another one." + advice
            )
        expect.fail(problem + advice)
    problem = _cache_path_problem(report, samples, other_tag=True) if other_tag else None
    if problem is not None:
        expect.fail(
            f"cache_path is right on this Python, but not on another. The tag in the name "
            f"differs from one Python to the next (cpython-310, cpython-313, pypy310...). The "
            f"checks set sys.implementation.cache_tag to {OTHER_TAG!r}, as another Python "
            f"would have it, imported your pycache.py again and asked again:\n\n{problem}" + advice
        )


_GOING_FURTHER = (
    "This check is part of going further (README steps 4 and 5, 2 of the 10 points): the "
    "core's checks do not depend on it.\n\n"
)


def _fail_going_further(message: str) -> NoReturn:
    """Fail a check of going further, saying that it is one."""
    expect.fail(_GOING_FURTHER + message)


def _same_path(got: str, right: Path) -> bool:
    return os.path.normcase(os.path.normpath(got)) == os.path.normcase(os.path.normpath(right))


_MAGIC_NOTE = (
    "read the number from the file: bytes 0-3. It is importlib.util.MAGIC_NUMBER only for a "
    "pyc this Python wrote; this one was written by another version."
)


def _field_problem(sample: Sample, name: str, got: object) -> str | None:
    """What is wrong with one field of a student's header, or ``None``."""
    header = sample.header
    encoded = as_dict(got)
    if name == "magic":
        accepted = {
            int.from_bytes(header.magic, "little"),
            int.from_bytes(header.magic[:2], "little"),
        }
        if encoded.get("bytes") == header.magic.hex() or encoded.get("int") in accepted:
            return None
        why = _MAGIC_NOTE if sample.foreign else "bytes 0-3, as bytes (or a number)"
        return f"magic should be {header.magic!r}: {why}"
    wanted = {"flags": header.flags, "mtime": header.mtime, "size": header.size}[name]
    if wanted is None or encoded.get("int") == wanted:
        return None
    where = {"flags": "bytes 4-7", "mtime": "bytes 8-11", "size": "bytes 12-15"}[name]
    return f"{name} should be {wanted}: {where}, a 4-byte little-endian number"


def expect_headers(report: Report, samples: Samples) -> None:
    """Require that ``read_header`` gives the magic, flags, mtime and size in each real pyc."""
    calls = report.calls("read_header", len(samples.items))
    for sample, returned in zip(samples.items, calls, strict=True):
        call = f"read_header(Path({samples.shown(sample.pyc)!r}))"
        problem = _failed_call(call, returned)
        value = returned.value or {}
        if problem is None and "fields" not in value:
            problem = (
                f"{call} returned {returned.shown()}, which has no fields magic, flags, mtime "
                f"and size. {value.get('missing', '')}".rstrip()
            )
        if problem is None:
            found = as_dict(value.get("fields"))
            wrong = [
                p
                for name in ("magic", "flags", "mtime", "size")
                if (p := _field_problem(sample, name, found.get(name))) is not None
            ]
            if not wrong:
                continue
            problem = f"{call} returned\n    {returned.shown()}\n\n" + "\n".join(
                f"    {p}" for p in wrong
            )
        _fail_going_further(
            f"{problem}\n\nThat .pyc starts with this header"
            + (" (another Python version wrote it)" if sample.foreign else "")
            + ":\n\n"
            f"{sample.header.table()}\n\n"
            "Next: open the file in binary mode, read its first 16 bytes and cut them in four; "
            "int.from_bytes(part, 'little') turns 4 bytes into a number."
            + (
                " In a hash-based pyc (flags 1 or 3) bytes 8-15 are a hash of the source: "
                "mtime and size are not checked there."
                if sample.header.hash_based
                else ""
            )
            + f"\n\n{samples.replay()}"
        )


def expect_staleness(report: Report, samples: Samples, *, hash_based: bool) -> None:
    """Require that ``is_stale`` tells, for each timestamp (or hash-based) pyc, if it is stale."""
    pairs = [s for s in samples.items if s.stale is not None]
    for sample, returned in zip(pairs, report.calls("is_stale", len(pairs)), strict=True):
        if sample.header.hash_based != hash_based:
            continue
        call = (
            f"is_stale(Path({samples.shown(sample.source)!r}), Path({samples.shown(sample.pyc)!r}))"
        )
        problem = _failed_call(call, returned)
        got = (returned.value or {}).get("bool")
        if problem is None and not isinstance(got, bool):
            problem = f"{call} returned {returned.shown()}: return True or False."
        if problem is None and got == sample.stale:
            continue
        if problem is None:
            verdict = "no longer matches" if sample.stale else "still matches"
            problem = (
                f"{call} returned {got}, but that {sample.header.kind} pyc {verdict} its "
                f"source: {sample.story}."
            )
        _fail_going_further(f"{problem}\n\n{_staleness_facts(sample)}\n\n{samples.replay()}")


def _hex(data: bytes | None) -> str:
    return data.hex(" ") if data is not None else "(none)"


def _staleness_facts(sample: Sample) -> str:
    header = sample.header
    stat = sample.source.stat()
    if header.hash_based:
        now = source_hash(sample.source.read_bytes())
        return (
            f"The pyc's header (flags {header.flags}) holds a hash of the source, not its "
            f"mtime and size:\n    in the pyc (bytes 8-15):  {_hex(header.source_hash)}\n"
            f"    hash of the source now: {_hex(now)}\n\n"
            "Next: when the flags are odd (1 or 3: flags % 2 == 1), compare bytes 8-15 with "
            "importlib.util.source_hash(the source's bytes), for 1 and 3 alike. The mtime "
            "does not matter then."
        )
    return (
        "The pyc's header and the source now:\n"
        f"    mtime:  {header.mtime} in the header, {int(stat.st_mtime)} for the source\n"
        f"    size:   {header.size} in the header, {stat.st_size} for the source (its bytes "
        "on disk, line endings and BOM included)\n\n"
        "Next: CPython recompiles when either differs: compare both with "
        "source.stat() (st_mtime as whole seconds: int(...), st_size)."
    )


_EXPERIMENT_MAIN = '"""Run as a script: python main.py."""\n\nimport helper\n\nhelper.greet()\n'
_EXPERIMENT_HELPER = '"""Imported by main.py."""\n\n\ndef greet():\n    print("hello")\n'


@dataclass(frozen=True)
class Experiment:
    """What a run of ``python main.py`` (which imports ``helper``) left in ``__pycache__``."""

    cached: tuple[str, ...]
    """The names of the files in ``__pycache__`` afterwards."""

    @property
    def main_script_gets_pyc(self) -> bool:
        """Whether the script that was run got a ``.pyc``."""
        return any(n.startswith("main.") and n.endswith(".pyc") for n in self.cached)

    @property
    def imported_module_gets_pyc(self) -> bool:
        """Whether the module the script imported got a ``.pyc``."""
        return any(n.startswith("helper.") and n.endswith(".pyc") for n in self.cached)

    def listing(self) -> str:
        """What ``__pycache__`` held, for a message."""
        shown = "\n".join(f"    __pycache__/{n}" for n in self.cached)
        return shown or "    (no __pycache__ folder at all)"


_SEEN: dict[tuple[str, tuple[tuple[str, str], ...]], Experiment] = {}
"""The experiment's outcome in this process, by interpreter and environment: a grading worker
or ``checks watch`` checks one submission or save after another, and the outcome depends on
nothing of theirs."""


def experiment(folder: Path) -> Experiment:
    """What ``python main.py`` leaves in ``__pycache__``, where ``main.py`` imports ``helper.py``:
    both written into ``folder``, then run there and looked at, once per process for each
    environment of the child (``_SEEN``), when ``folder`` is new: what it shows depends on
    nothing else.

    The child is the running interpreter with no ``PYTHONDONTWRITEBYTECODE`` or
    ``PYTHONPYCACHEPREFIX``: what a fresh shell does.
    """
    environment = child_environment(sys.executable)
    key = (sys.executable, tuple(sorted(environment.items())))
    if key in _SEEN:
        return _SEEN[key]
    new = not folder.exists()  # a folder that held a __pycache__ already says nothing to keep
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.py").write_text(_EXPERIMENT_MAIN, encoding="utf-8")
    (folder / "helper.py").write_text(_EXPERIMENT_HELPER, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-E", "main.py"],
        cwd=folder,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=False,
    )
    if done.returncode != 0 or done.stdout.strip() != "hello":
        msg = f"the experiment did not run: {done.stderr}"
        raise RuntimeError(msg)
    cache = folder / "__pycache__"
    names = sorted(p.name for p in cache.iterdir()) if cache.is_dir() else []
    seen = Experiment(cached=tuple(names))
    if new:
        _SEEN[key] = seen
    return seen


# --- the answers, judged against the live experiment ----------------------------------------


def expect_answers(report: Report, seen: Experiment) -> None:
    """Require that the two answers in ``answers.py`` say what the experiment showed."""
    asked = (
        ("MAIN_SCRIPT_GETS_PYC", seen.main_script_gets_pyc, "main.py, the script that was run"),
        (
            "IMPORTED_MODULE_GETS_PYC",
            seen.imported_module_gets_pyc,
            "helper.py, the module main.py imports",
        ),
    )
    for name, truth, who in asked:
        returned = report.constant(name)
        got = (returned.value or {}).get("bool")
        if returned.error is not None or returned.value is None:
            expect.fail(f"answers.py has no {name}: set it to True or False.")
        text = (returned.value or {}).get("str")
        if isinstance(text, str):
            bare = text.strip().capitalize()
            value = bare if bare in ("True", "False") else "True or False"
            expect.fail(
                f"{name} is the text {text!r} in answers.py, in quotes, not the value True or "
                "False. In Python, quotes make text (a str): in quotes, the word is only letters, "
                "and Python does not read it as a yes or a no.\n\n"
                f"Next: drop the quotes: {name} = {value}"
            )
        if not isinstance(got, bool):
            expect.fail(
                f"{name} is {returned.shown()} in answers.py: set it to True or False "
                "(with a capital letter and no quotes)."
            )
        if got == truth:
            continue
        expect.fail(
            f"{name} is {got}, but the experiment says {truth}.\n\n"
            "The checks ran `python main.py` in a fresh folder, where main.py imports "
            "helper.py (with no PYTHONDONTWRITEBYTECODE, as in a fresh shell). "
            f"Afterwards the folder held:\n{seen.listing()}\n\n"
            f"So {who}, {'got' if truth else 'got no'} .pyc file.\n\n"
            "Next: try it yourself, as the README shows, and look in __pycache__/."
        )
