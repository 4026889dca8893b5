"""The ``.pyc`` facts exercise 07 is judged against, measured on the running interpreter.

CPython keeps the bytecode of an imported module in ``__pycache__/NAME.TAG.pyc`` beside the
source. The file opens with a 16-byte header: the magic number of the Python that wrote it,
flags, then either the source's mtime and size (a timestamp pyc) or a hash of the source (a
hash-based pyc, PEP 552). This module makes real ``.pyc`` files with ``py_compile`` and runs
the live experiment (``python main.py`` writes no ``.pyc`` for ``main.py``; the ``helper`` it
imports gets one), each time in a child of the running interpreter whose environment has lost
what a shell may set to change the answer (``PYTHONDONTWRITEBYTECODE``, ``PYTHONPYCACHEPREFIX``,
``SOURCE_DATE_EPOCH``). It judges a ``.gitignore`` the way git reads it: with
``git check-ignore --no-index`` where git is installed, with the ``pathspec`` library where not.

The student's ``pycache.py`` and ``answers.py`` run in the kit's driver
(``exercises/07/driver.py``), which prints what the student's functions returned; the
``expect_*`` functions compare that with the facts measured here, and fail for a beginner.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.util import MAGIC_NUMBER, source_hash
from pathlib import Path
from typing import NoReturn, cast

from checks.cache import digest_path
from checks.judges import expect
from checks.judges.attempt import Attempt
from checks.model import Run
from checks.run.program import run_file, was_stopped

__all__ = [
    "DRIVER",
    "FLAG_CHECK_SOURCE",
    "FLAG_HASH_BASED",
    "HEADER_SIZE",
    "MUST_IGNORE",
    "MUST_KEEP",
    "OTHER_TAG",
    "Experiment",
    "Header",
    "Judge",
    "Report",
    "Returned",
    "Sample",
    "Samples",
    "cache_from_source",
    "expect_answers",
    "expect_cache_paths",
    "expect_gitignore_ignores",
    "expect_gitignore_keeps",
    "expect_headers",
    "expect_staleness",
    "experiment",
    "find_git",
    "header_of",
    "ignored",
    "make_samples",
    "matches_source",
    "try_student",
]

HEADER_SIZE = 16
"""Bytes in a ``.pyc`` header: magic (4), flags (4), then mtime and size (4 + 4) or a hash (8)."""

FLAG_HASH_BASED = 0b01
"""Flags bit 0: the header holds a hash of the source instead of its mtime and size."""

FLAG_CHECK_SOURCE = 0b10
"""Flags bit 1 (hash-based only): the import system checks the hash against the source."""

OTHER_TAG = "kit-other-99"
"""A cache tag no real Python has: ``cache_path`` must follow the tag, whatever it is."""

DRIVER = "driver.py"
"""The kit's driver in ``exercises/07``: calls the student's functions, prints what they gave."""

REQUEST = "request.json"
"""The file laid beside the driver that says what to try and on which files."""

CHILD_TIMEOUT = 60.0
"""Seconds the kit's own child processes (py_compile, the experiment, git) may take."""

MUST_IGNORE = {
    "__pycache__/helper.{tag}.pyc": "bytecode of an imported module",
    "__pycache__/helper.{tag}.pyc.140523": "a half-written .pyc an interrupted import left",
    "pkg/__pycache__/tool.{tag}.pyc": "bytecode in a __pycache__ folder deeper down",
    "pkg/__pycache__/tool.{tag}.pyc.140524": "a half-written .pyc deeper down",
    "old.pyc": "a .pyc outside __pycache__, as Python 2 wrote them",
    "pkg/legacy.pyc": "a .pyc outside __pycache__, deeper down",
}
"""Files of a project that its ``.gitignore`` must hide from git (``{tag}``: the cache tag),
with what each one is. Files only: git tracks files, so a folder is ignored when all of it is.
"""

MUST_KEEP = {
    "main.py": "a source file",
    "helper.py": "a source file",
    "pycache.py": "a source file whose name holds 'pycache'",
    "pkg/__init__.py": "a package's source",
    "pkg/tool.py": "a source file deeper down",
    "tests/test_helper.py": "a test",
    "gui.pyw": "a Windows script (.pyw), a source too",
    "stubs/helper.pyi": "a type stub (.pyi), hints for pyright",
    "README.md": "the project's README",
    "docs/index.md": "documentation",
    "notes.txt": "a text file",
    "requirements.txt": "the list of libraries the project needs",
    "data/config.json": "data the program reads",
    "pyproject.toml": "the project's settings",
    ".gitignore": "the .gitignore itself",
}
"""Files of a project that git must still see, with what each one is: a ``.gitignore`` that
hides bytecode and also these hides more than the README asks (``*.txt``, ``docs/``, ``*.py?``,
which matches ``.pyi`` and ``.pyw`` too).
"""

_DEEDS_SHOWN = 5
"""At most this many of the things the student's functions did beyond reading are named."""

_NS = 1_000_000_000
"""Nanoseconds in a second."""

_SHELL_VARIABLES = ("PYTHON", "SOURCE_DATE_EPOCH")
"""Variables a shell may set that change where, whether or how bytecode is written."""

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

_EXPERIMENT_MAIN = '"""Run as a script: python main.py."""\n\nimport helper\n\nhelper.greet()\n'
_EXPERIMENT_HELPER = '"""Imported by main.py."""\n\n\ndef greet():\n    print("hello")\n'


def _child_env() -> dict[str, str]:
    """The environment of the kit's children: the shell's, less what changes bytecode writing."""
    return {k: v for k, v in os.environ.items() if not k.startswith(_SHELL_VARIABLES)}


def _python(code: str, *args: str, cwd: Path | None = None) -> str:
    """Run ``code`` in a clean child of the running interpreter and return what it printed."""
    done = subprocess.run(
        [sys.executable, "-E", "-c", code, *args],
        cwd=cwd,
        env=_child_env(),
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


def cache_from_source(sources: Sequence[Path], *, tag: str | None = None) -> list[Path]:
    """Where ``importlib.util.cache_from_source`` caches each source, asked in a clean child.

    The child has no ``PYTHONPYCACHEPREFIX``, as in a fresh shell. With ``tag``, the child
    first sets ``sys.implementation.cache_tag`` to it, as another Python would have it.
    """
    out = _python(_CACHE_FROM_SOURCE, json.dumps([str(s) for s in sources]), tag or "")
    return [Path(p) for p in json.loads(out)]


# --- headers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """The 16-byte header of a ``.pyc`` file, as CPython reads it."""

    magic: bytes
    flags: int
    mtime: int | None = None
    """The source's mtime in whole seconds (timestamp pycs only)."""
    size: int | None = None
    """The source's size in bytes (timestamp pycs only)."""
    source_hash: bytes | None = None
    """``importlib.util.source_hash`` of the source (hash-based pycs only)."""

    @property
    def hash_based(self) -> bool:
        """Whether the header holds a hash of the source instead of its mtime and size."""
        return bool(self.flags & FLAG_HASH_BASED)

    @property
    def kind(self) -> str:
        """The kind of pyc in words: timestamp, checked hash-based or unchecked hash-based."""
        if not self.hash_based:
            return "timestamp"
        return "checked hash-based" if self.flags & FLAG_CHECK_SOURCE else "unchecked hash-based"

    def table(self) -> str:
        """The header laid out field by field, for a message."""
        rows = [
            f"    bytes 0-3    magic number  {self.magic.hex(' ')}  "
            + f"({int.from_bytes(self.magic[:2], 'little')} as a 2-byte little-endian number)",
            f"    bytes 4-7    flags         {self.flags}  ({self.kind} pyc)",
        ]
        if self.source_hash is not None:
            rows.append(f"    bytes 8-15   source hash   {self.source_hash.hex(' ')}")
        else:
            rows.append(f"    bytes 8-11   mtime         {self.mtime}")
            rows.append(f"    bytes 12-15  source size   {self.size}")
        return "\n".join(rows)


def header_of(pyc: Path) -> Header:
    """Read the header of a ``.pyc`` file (all numbers are 4-byte little-endian)."""
    with pyc.open("rb") as f:
        data = f.read(HEADER_SIZE)
    if len(data) < HEADER_SIZE:
        msg = f"{pyc} is too short to be a .pyc file ({len(data)} bytes)"
        raise ValueError(msg)
    flags = int.from_bytes(data[4:8], "little")
    if flags & FLAG_HASH_BASED:
        return Header(magic=data[:4], flags=flags, source_hash=data[8:16])
    return Header(
        magic=data[:4],
        flags=flags,
        mtime=int.from_bytes(data[8:12], "little"),
        size=int.from_bytes(data[12:16], "little"),
    )


def matches_source(source: Path, pyc: Path) -> bool:
    """Whether a ``.pyc`` still matches its source, by the rule CPython's import system applies.

    A timestamp pyc matches while the source's mtime (whole seconds) and size are the ones in
    its header; a hash-based pyc, checked or not, while the source's hash is the one in its
    header. (CPython never looks at an unchecked one, but whether it matches is the same
    question.) The magic number is not about the source and is left out.
    """
    header = header_of(pyc)
    if header.hash_based:
        return header.source_hash == source_hash(source.read_bytes())
    stat = source.stat()
    return header.mtime == int(stat.st_mtime) & 0xFFFFFFFF and header.size == (
        stat.st_size & 0xFFFFFFFF
    )


# --- samples: real .pyc files made by py_compile -------------------------------------------


class _Mode(enum.Enum):
    """How ``py_compile`` records the source in a pyc (``py_compile.PycInvalidationMode``)."""

    TIMESTAMP = "TIMESTAMP"
    CHECKED_HASH = "CHECKED_HASH"
    UNCHECKED_HASH = "UNCHECKED_HASH"


@dataclass(frozen=True)
class _Plan:
    name: str
    mode: _Mode
    change: str
    """What happens to the source after it is compiled: a key of ``_STORIES``."""
    stale: bool


_STORIES = {
    "none": "the source has not changed since it was compiled",
    "touch": "the source's text is the same, but its mtime changed after it was compiled (as "
    "when a file is saved again without a change)",
    "grow": "a line was added to the source after it was compiled, then its mtime was set "
    "back: only its size tells",
    "edit": "the source was edited and saved after it was compiled",
    "retext": "one character of the source changed after it was compiled (its size did not)",
}
"""What each change did to a source, for a message."""

_PLANS = (
    _Plan("fresh", _Mode.TIMESTAMP, "none", stale=False),
    _Plan("touched", _Mode.TIMESTAMP, "touch", stale=True),
    _Plan("grown", _Mode.TIMESTAMP, "grow", stale=True),
    _Plan("edited", _Mode.TIMESTAMP, "edit", stale=True),
    _Plan("pkg/data.v2", _Mode.TIMESTAMP, "none", stale=False),
    _Plan("checked", _Mode.CHECKED_HASH, "touch", stale=False),
    _Plan("checked_edited", _Mode.CHECKED_HASH, "retext", stale=True),
    _Plan("unchecked", _Mode.UNCHECKED_HASH, "none", stale=False),
)


@dataclass(frozen=True)
class Sample:
    """One source file and its real ``.pyc``, and what the truth about them is."""

    name: str
    source: Path
    pyc: Path
    header: Header
    story: str
    """What happened to the source since it was compiled, for a message."""
    stale: bool | None
    """Whether the pyc no longer matches the source; ``None``: not asked of ``is_stale``."""
    cached_at: Path | None
    """Where ``importlib.util.cache_from_source`` caches the source (``None``: not asked)."""

    @property
    def foreign(self) -> bool:
        """Whether another Python version wrote the pyc (its magic number is not this one's)."""
        return self.header.magic != MAGIC_NUMBER


@dataclass(frozen=True)
class Samples:
    """The sample files of one check, in a folder the kit owns."""

    folder: Path
    items: tuple[Sample, ...]

    def fingerprint(self) -> dict[str, str]:
        """Every file under the folder with a digest of its bytes and its mtime."""
        found: dict[str, str] = {}
        for path in sorted(self.folder.rglob("*")):
            if path.is_file():
                stat = path.stat()
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                found[self.shown(path)] = f"{digest}:{stat.st_mtime_ns}"
        return found

    def shown(self, path: Path | str) -> str:
        """A path as a message shows it: from the samples folder's name on, when inside it."""
        path = Path(path)
        try:
            return (Path(self.folder.name) / path.relative_to(self.folder)).as_posix()
        except ValueError:
            return str(path)


def _text(name: str, number: int) -> str:
    padding = "".join(f"# line {i} of padding\n" for i in range(number))
    return f'"""Sample {name}: a module compiled by the checks."""\n\nVALUE = {number}\n{padding}'


def make_samples(folder: Path) -> Samples:
    """Write sample sources into ``folder``, compile them for real, then change some of them.

    Each source gets its own mtime (somewhere in the past year, with a fraction of a second as
    real files have) and size, so that no fixed number can be right for all of them. One more ``.pyc`` is a copy of a real
    one with another Python's magic number.
    """
    folder.mkdir(parents=True, exist_ok=True)
    base = int(time.time()) - 86_400 * (30 + secrets.randbelow(300))
    sources: list[Path] = []
    for number, plan in enumerate(_PLANS, start=1):
        source = folder / f"{plan.name}.py"
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_bytes(_text(plan.name, number).encode())
        # Whole seconds apart, and a fraction of a second past, as real files are.
        seconds = base + number * 7_919 + secrets.randbelow(1_000) * 2
        stamp = seconds * _NS + _NS // 4 + secrets.randbelow(_NS // 2)
        os.utime(source, ns=(stamp, stamp))
        sources.append(source)
    out = _python(
        _COMPILE, json.dumps([[str(s), p.mode.value] for s, p in zip(sources, _PLANS, strict=True)])
    )
    compiled: list[list[str]] = json.loads(out)
    pycs = [Path(pyc) for pyc, _ in compiled]
    cached = [Path(cached_at) for _, cached_at in compiled]
    items: list[Sample] = []
    for source, pyc, cached_at, plan in zip(sources, pycs, cached, _PLANS, strict=True):
        header = header_of(pyc)
        _change(source, plan.change)
        if matches_source(source, pyc) == plan.stale:
            msg = f"the sample {plan.name} did not come out as planned (the file system?)"
            raise RuntimeError(msg)
        items.append(
            Sample(plan.name, source, pyc, header, _STORIES[plan.change], plan.stale, cached_at)
        )
    items.append(_foreign(folder, items[0]))
    return Samples(folder=folder, items=tuple(items))


def _change(source: Path, change: str) -> None:
    """Change a compiled source as the plan says (bytes, so that sizes are the same everywhere)."""
    stat = source.stat()
    data = source.read_bytes()
    if change == "touch":
        os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 7_200 * _NS))
    elif change == "grow":
        source.write_bytes(data + b"EXTRA = True\n")
        os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    elif change == "edit":
        source.write_bytes(data + b"\nEDITED = 1\n")
        os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 86_400 * _NS))
    elif change == "retext":
        source.write_bytes(data.replace(b"VALUE = ", b"VALUE = 1", 1)[:-1])


def _foreign(folder: Path, model: Sample) -> Sample:
    """A copy of a real pyc whose magic number is another Python's."""
    number = int.from_bytes(MAGIC_NUMBER[:2], "little")
    other = (number - 90 if number > 3400 else number + 90).to_bytes(2, "little") + b"\r\n"
    target = folder / "other-python" / model.pyc.name
    target.parent.mkdir(parents=True, exist_ok=True)
    data = model.pyc.read_bytes()
    target.write_bytes(other + data[4:])
    return Sample(
        name="other-python",
        source=model.source,
        pyc=target,
        header=header_of(target),
        story="another Python version wrote this .pyc",
        stale=None,
        cached_at=None,
    )


# --- the student's functions, in the kit's driver ------------------------------------------


def _as_dict(value: object) -> dict[str, object]:
    """A JSON object as a dict; an empty one for anything else."""
    return cast("dict[str, object]", value) if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Returned:
    """What one call of a student's function gave: a value as the driver encoded it, or an error.

    The driver encodes a value as ``{"bool": ...}``, ``{"int": ...}``, ``{"bytes": hex}``,
    ``{"str": ...}``, ``{"path": ...}``, ``{"fields": {...}}`` (a header) or
    ``{"type": ..., "repr": ...}`` (anything else).
    """

    value: dict[str, object] | None
    error: str | None

    @classmethod
    def decode(cls, item: object) -> Returned:
        """One call's answer from the driver's JSON; neither value nor error if it gave none."""
        answer = _as_dict(item)
        error = answer.get("error")
        return cls(
            value=_as_dict(answer["value"]) if "value" in answer else None,
            error=error if isinstance(error, str) else None,
        )

    def shown(self) -> str:
        """The value as a message shows it."""
        return _shown(self.value) if self.value is not None else "nothing"


@dataclass(frozen=True)
class Report:
    """What the driver said about one check of the student's files."""

    run: Run
    data: dict[str, object]

    def load_error(self, module: str) -> str | None:
        """Why ``module`` (``pycache`` or ``answers``) could not be imported, if it could not."""
        error = _as_dict(self.data.get(module)).get("error")
        return error if isinstance(error, str) else None

    def calls(self, key: str, count: int) -> list[Returned]:
        """What each of ``count`` calls of one function gave, in the order of the request."""
        found = self.data.get(key)
        items = cast("list[object]", found) if isinstance(found, list) else []
        return [Returned.decode(items[i] if i < len(items) else None) for i in range(count)]

    def deeds(self) -> list[tuple[str, str]]:
        """What the student's functions did beyond reading (compiled, wrote...), by function."""
        found: list[tuple[str, str]] = []
        for key, name in _CALLED.items():
            calls = self.data.get(key)
            for call in cast("list[object]", calls) if isinstance(calls, list) else []:
                did = _as_dict(call).get("did")
                for deed in cast("list[object]", did) if isinstance(did, list) else []:
                    if (name, str(deed)) not in found:
                        found.append((name, str(deed)))
        return found

    def constant(self, name: str) -> Returned:
        """The value of a constant in ``answers.py``."""
        return Returned.decode(_as_dict(self.data.get("answers")).get(name))


_CALLED = {
    "cache_path": "cache_path",
    "other_cache_path": "cache_path",
    "read_header": "read_header",
    "is_stale": "is_stale",
}
"""The driver's report keys that hold calls of the student's functions, and whose calls."""


def _shown(value: dict[str, object]) -> str:
    if "fields" in value:
        fields = _as_dict(value["fields"])
        inner = ", ".join(f"{k}={_shown(_as_dict(v))}" for k, v in fields.items())
        return f"{value.get('type', 'header')}({inner})"
    if "bytes" in value:
        return repr(bytes.fromhex(str(value["bytes"])))
    if "path" in value:
        return str(value["path"])
    for kind in ("bool", "int", "str"):
        if kind in value:
            return repr(value[kind])
    return f"{value.get('repr', '?')} (a {value.get('type', 'value')})"


_tried: dict[tuple[str, ...], tuple[Run, dict[str, object] | None, list[str]]] = {}
"""Driver runs by what decides them: two tests asking the same of the same files share one.

The samples' folder is part of the key, and every check makes its own, so nothing is shared
between two sessions; within one, the tests that ask the same question of the same samples
(both ``cache_path`` checks, both ``is_stale`` checks) get the same run, and the same verdict.
"""


def _try(
    attempt: Attempt,
    overlays: dict[str, Path],
    request: dict[str, object],
    samples: Samples | None,
) -> tuple[Run, dict[str, object] | None, list[str]]:
    """Run the driver once: the run, the report it gave (if any), the sample files it changed."""
    before = samples.fingerprint() if samples else {}
    with tempfile.TemporaryDirectory(prefix="checks-pycache-") as scratch:
        orders = Path(scratch) / REQUEST
        orders.write_text(json.dumps(request), encoding="utf-8")
        run = run_file(
            Path(DRIVER),
            folder=attempt.folder,
            overlays={**overlays, REQUEST: orders},
            limits=attempt.limits,
            cached=False,  # the driver reads the samples, outside its folder: no key holds them
            shared=[samples.folder] if samples else (),  # confined, it still sees them
        )
    data: dict[str, object] | None = None
    for line in run.lines:
        mark, _, body = line.partition(" ")
        if mark == request["token"]:
            with contextlib.suppress(ValueError):
                data = json.loads(body)
    changed: list[str] = []
    if samples and samples.fingerprint() != before:
        moved = set(before.items()) ^ set(samples.fingerprint().items())
        changed = sorted({name for name, _ in moved})
    return run, data, changed


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
    token = secrets.token_hex(16)
    request: dict[str, object] = {
        "answers": answers,
        "sources": [str(s.source) for s in items if s.cached_at] if cache_paths else [],
        "other_tag": OTHER_TAG if cache_paths else None,
        "headers": [str(s.pyc) for s in items] if headers else [],
        "pairs": [[str(s.source), str(s.pyc)] for s in items if s.stale is not None]
        if staleness
        else [],
    }
    overlays = attempt.overlays()
    key = (
        str(attempt.folder),
        repr(attempt.limits),
        json.dumps(request),
        str(samples.folder) if samples else "",
        *(f"{name}:{digest_path(path)}" for name, path in sorted(overlays.items())),
        digest_path(attempt.folder / DRIVER),
    )
    tried = _tried.get(key) or _try(attempt, overlays, {"token": token, **request}, samples)
    run, data, changed = tried
    if not was_stopped(run):
        _tried[key] = tried  # a stopped run is tried again: the machine may have decided it
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
    encoded = _as_dict(got)
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
            found = _as_dict(value.get("fields"))
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
        _fail_going_further(f"{problem}\n\n{_staleness_facts(sample)}")


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
        f"    size:   {header.size} in the header, {stat.st_size} for the source\n\n"
        "Next: CPython recompiles when either differs: compare both with "
        "source.stat() (st_mtime as whole seconds: int(...), st_size)."
    )


# --- the live experiment --------------------------------------------------------------------


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


def experiment(folder: Path) -> Experiment:
    """Write ``main.py`` and ``helper.py`` into ``folder``, run ``python main.py`` there, look.

    The child is the running interpreter with no ``PYTHONDONTWRITEBYTECODE`` or
    ``PYTHONPYCACHEPREFIX``: what a fresh shell does.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.py").write_text(_EXPERIMENT_MAIN, encoding="utf-8")
    (folder / "helper.py").write_text(_EXPERIMENT_HELPER, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-E", "main.py"],
        cwd=folder,
        env=_child_env(),
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
    return Experiment(cached=tuple(names))


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
            "The checks just ran `python main.py` in a fresh folder, where main.py imports "
            "helper.py (with no PYTHONDONTWRITEBYTECODE, as in a fresh shell). "
            f"Afterwards the folder held:\n{seen.listing()}\n\n"
            f"So {who}, {'got' if truth else 'got no'} .pyc file.\n\n"
            "Next: try it yourself, as the README shows, and look in __pycache__/."
        )


# --- .gitignore, judged as git reads it -----------------------------------------------------


@dataclass(frozen=True)
class Judge:
    """What decides which paths a ``.gitignore`` hides: git itself, or the pathspec library."""

    git: str | None
    """The git program; ``None``: the ``pathspec`` library (``GitIgnoreSpec``)."""

    def __str__(self) -> str:
        if self.git is None:
            return "the pathspec library (git is not installed here)"
        return "git itself (`git check-ignore --no-index`)"


@functools.cache
def find_git() -> str | None:
    """The git program if it is installed and works, else ``None``."""
    found = shutil.which("git")
    if found is None:
        return None
    try:
        done = subprocess.run(
            [found, "--version"], capture_output=True, timeout=CHILD_TIMEOUT, check=False
        )
    except OSError:
        return None
    return found if done.returncode == 0 else None


def _must_ignore() -> dict[str, str]:
    tag = sys.implementation.cache_tag or "cpython"
    return {path.format(tag=tag): what for path, what in MUST_IGNORE.items()}


def ignored(gitignore: Path, paths: Iterable[str], *, judge: Judge | None = None) -> set[str]:
    """Which of the files ``paths`` (``/``-separated) ``gitignore`` hides from git.

    ``gitignore`` is laid at the root of a fresh project holding exactly those files. The judge
    is git where it is installed, else pathspec; pass one to choose.
    """
    judge = judge or Judge(git=find_git())
    return set(_ignored(gitignore.read_bytes(), tuple(paths), judge))


@functools.lru_cache(maxsize=256)
def _ignored(data: bytes, wanted: tuple[str, ...], judge: Judge) -> frozenset[str]:
    """``ignored`` for a ``.gitignore``'s bytes: the same bytes always get the same answer."""
    if judge.git is None:
        from pathspec import GitIgnoreSpec

        text = data.decode("utf-8-sig", errors="replace")
        spec = GitIgnoreSpec.from_lines(text.splitlines())
        return frozenset(p for p in wanted if spec.match_file(p))
    with tempfile.TemporaryDirectory(prefix="checks-gitignore-") as scratch:
        root = Path(scratch) / "project"
        for path in wanted:
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).touch()
        (root / ".gitignore").write_bytes(data)
        empty = Path(scratch) / "empty"
        empty.touch()
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=str(empty))
        git = [judge.git, "-c", f"core.excludesFile={empty}"]
        _git([*git, "init", "-q"], root, env, "")
        out = _git(
            [*git, "check-ignore", "--no-index", "--stdin", "-z"], root, env, "\0".join(wanted)
        )
    said = set(out.split("\0"))
    return frozenset(p for p in wanted if p in said)


def _git(command: list[str], cwd: Path, env: dict[str, str], stdin: str) -> str:
    done = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=CHILD_TIMEOUT,
        check=False,
    )
    if done.returncode not in (0, 1):
        msg = f"git failed (exit {done.returncode}): {done.stderr}"
        raise RuntimeError(msg)
    return done.stdout


def expect_gitignore_ignores(gitignore: Path, *, judge: Judge | None = None) -> None:
    """Require that ``gitignore`` hides everything in ``__pycache__/`` and every ``.pyc`` file."""
    judge = judge or Judge(git=find_git())
    must_ignore = _must_ignore()
    hidden = ignored(gitignore, must_ignore, judge=judge)
    missed = {p: what for p, what in must_ignore.items() if p not in hidden}
    if not missed:
        return
    width = max(map(len, missed))
    expect.fail(
        "project/.gitignore should keep bytecode out of git, but git would still see:\n"
        + "\n".join(f"    {p:{width}}  ({what})" for p, what in missed.items())
        + f"\n\n(judged by {judge}, in a project holding those files)\n\n"
        "Next: one line ignores every folder named __pycache__, wherever it is (a name "
        "followed by / means a folder), and with it all it holds; another ignores every file "
        "whose name ends in .pyc, wherever it is (* stands for any name). Check the spelling: "
        "two underscores on each side of pycache."
    )


def expect_gitignore_keeps(gitignore: Path, *, judge: Judge | None = None) -> None:
    """Require that ``gitignore`` leaves the project's own files (sources, README) to git."""
    judge = judge or Judge(git=find_git())
    hides = ignored(gitignore, MUST_KEEP, judge=judge)
    hidden = {p: what for p, what in MUST_KEEP.items() if p in hides}
    if not hidden:
        return
    width = max(map(len, hidden))
    expect.fail(
        "project/.gitignore hides files a project must keep in git:\n"
        + "\n".join(f"    {p:{width}}  ({what})" for p, what in hidden.items())
        + f"\n\n(judged by {judge}, in a project holding those files)\n\n"
        "Next: ignore only the bytecode: __pycache__ folders and .pyc files, nothing else. "
        "A pattern matches more than you may think: * matches every file, *.py? matches .pyi "
        "and .pyw files too, and a line such as *.txt or docs/ hides files that are not bytecode."
    )
