"""What CPython does with bytecode, measured on the running interpreter: exercise 07's facts.

CPython keeps the bytecode of an imported module in ``__pycache__/NAME.TAG.pyc`` beside the
source. The file opens with a 16-byte header: the magic number of the Python that wrote it,
flags, then either the source's mtime and size (a timestamp pyc) or a hash of the source (a
hash-based pyc, PEP 552). This module reads those headers and makes the real sample ``.pyc``
files a check judges the student's functions on (with ``py_compile``, as a clean child of the
running interpreter compiles them: ``checks.judges.clean``, which also says where importlib
caches a source; then it changes some of their sources); ``checks.judges.pycache`` runs the
live experiment (``python main.py`` writes no ``.pyc`` for ``main.py``; the ``helper`` it
imports gets one), once per process.

The samples (``_PLANS``, ``_STORIES``, ``_change``, ``_foreign``) are in one place here: one of
each plan every run, their names, order, mtimes, sizes and line endings drawn from a seed
(``checks.judges.drawn``). This module imports that, ``checks.judges.clean`` and the
standard library; the judges of the student's answers (``checks.judges.pycache``) and of the
``.gitignore`` (``checks.judges.gitignore``) import it.
"""

from __future__ import annotations

import codecs
import enum
import hashlib
import os
import random
import time
from dataclasses import dataclass
from importlib.util import MAGIC_NUMBER, source_hash
from pathlib import Path

from checks.judges import clean
from checks.judges.drawn import draw_name, draw_seed, replay

__all__ = [
    "FLAG_CHECK_SOURCE",
    "FLAG_HASH_BASED",
    "HEADER_SIZE",
    "Header",
    "Sample",
    "Samples",
    "header_of",
    "make_samples",
    "matches_source",
]

HEADER_SIZE = 16
"""Bytes in a ``.pyc`` header: magic (4), flags (4), then mtime and size (4 + 4) or a hash (8)."""

FLAG_HASH_BASED = 0b01
"""Flags bit 0: the header holds a hash of the source instead of its mtime and size."""

FLAG_CHECK_SOURCE = 0b10
"""Flags bit 1 (hash-based only): the import system checks the hash against the source."""

_NS = 1_000_000_000
"""Nanoseconds in a second."""

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


class _Ending(enum.Enum):
    """How a sample source is saved: its line endings, and whether a BOM opens it."""

    LF = ""
    CRLF = "saved with CRLF line endings (\\r\\n, two bytes each)"
    BOM = "saved with a BOM (3 bytes before the text)"
    BOM_CRLF = "saved with a BOM and CRLF line endings"
    ANY = "drawn for each run among the others"


@dataclass(frozen=True)
class _Plan:
    label: str
    """What the sample is for (the kit's tests find a sample by it; files get drawn names)."""
    mode: _Mode
    change: str
    """What happens to the source after it is compiled: a key of ``_STORIES``."""
    stale: bool
    ending: _Ending = _Ending.ANY


_STORIES = {
    "none": "the source has not changed since it was compiled",
    "wobble": "the source's mtime moved within the same whole second after it was compiled "
    "(the header keeps whole seconds)",
    "touch": "the source's text is the same, but its mtime moved later after it was compiled "
    "(as when a file is saved again without a change)",
    "back": "the source's text is the same, but its mtime was set back to an earlier time "
    "after it was compiled (as when a file is restored from a backup)",
    "grow": "a line was added to the source after it was compiled, then its mtime was set "
    "back: only its size tells",
    "edit": "the source was edited and saved after it was compiled",
    "retext": "one character of the source changed after it was compiled (its size did not)",
}
"""What each change did to a source, for a message."""

_PLANS = (
    _Plan("fresh", _Mode.TIMESTAMP, "none", stale=False, ending=_Ending.LF),
    _Plan("fresh_crlf", _Mode.TIMESTAMP, "none", stale=False, ending=_Ending.CRLF),
    _Plan("fresh_bom", _Mode.TIMESTAMP, "none", stale=False, ending=_Ending.BOM),
    _Plan("wobbled", _Mode.TIMESTAMP, "wobble", stale=False),
    _Plan("touched", _Mode.TIMESTAMP, "touch", stale=True),
    _Plan("set_back", _Mode.TIMESTAMP, "back", stale=True),
    _Plan("grown", _Mode.TIMESTAMP, "grow", stale=True),
    _Plan("edited", _Mode.TIMESTAMP, "edit", stale=True),
    _Plan("dotted", _Mode.TIMESTAMP, "none", stale=False),
    _Plan("checked", _Mode.CHECKED_HASH, "touch", stale=False),
    _Plan("checked_crlf", _Mode.CHECKED_HASH, "back", stale=False, ending=_Ending.CRLF),
    _Plan("checked_bom", _Mode.CHECKED_HASH, "none", stale=False, ending=_Ending.BOM),
    _Plan("checked_edited", _Mode.CHECKED_HASH, "retext", stale=True),
    _Plan("unchecked", _Mode.UNCHECKED_HASH, "touch", stale=False, ending=_Ending.BOM_CRLF),
    _Plan("unchecked_edited", _Mode.UNCHECKED_HASH, "edit", stale=True),
    _Plan("unchecked_retext", _Mode.UNCHECKED_HASH, "retext", stale=True),
    _Plan("unchecked_grown", _Mode.UNCHECKED_HASH, "grow", stale=True),
)
"""Every run holds one sample of each plan, under a drawn name, in a drawn order (so a guess by
the order of the calls is right for 1 run in 126, and 70 for hash-based ones). Stale or not
is the README's rule (``matches_source``), checked once each sample is made; an unchecked
hash-based pyc is stale when its source's hash moved, though CPython would not look."""

_DOTTED = "dotted"
"""The plan whose source lies in a package folder and has a dot in its name (``data.v2.py``)."""

_FIRST_SECOND = 1_000_000_000
"""The earliest mtime drawn (September 2001): any whole second since then can be a source's."""

_SHIFT_DAYS = 30
"""An mtime moves by at most this many days (later or earlier) after its source is compiled."""

_PADDING_LINES = 120
"""A sample source has up to this many lines of padding: its size is drawn."""


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
    label: str = ""
    """The plan the sample was made by (``fresh``, ``touched``...): never in a file's name."""

    @property
    def foreign(self) -> bool:
        """Whether another Python version wrote the pyc (its magic number is not this one's)."""
        return self.header.magic != MAGIC_NUMBER


@dataclass(frozen=True)
class Samples:
    """The sample files of one check, in a folder the kit owns."""

    folder: Path
    items: tuple[Sample, ...]
    seed: int = 0
    """The seed the names, order, mtimes and sizes were drawn with (``CHECKS_SEED``)."""

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

    def replay(self) -> str:
        """How to draw these samples again, for a message."""
        return replay(self.seed)


def _saved(text: str, ending: _Ending) -> bytes:
    data = text.encode()
    if ending in (_Ending.CRLF, _Ending.BOM_CRLF):
        data = data.replace(b"\n", b"\r\n")
    if ending in (_Ending.BOM, _Ending.BOM_CRLF):
        data = codecs.BOM_UTF8 + data
    return data


def _text(name: str, number: int, padding: int) -> str:
    lines = "".join(f"# line {i} of padding\n" for i in range(padding))
    return f'"""Sample {name}: a module compiled by the checks."""\n\nVALUE = {number}\n{lines}'


def make_samples(folder: Path, *, seed: int | None = None) -> Samples:
    """Write sample sources into ``folder``, compile them for real, then change some of them.

    One sample of each plan, under drawn names and in a drawn order; each source gets its own
    mtime (a whole second since 2001, with a fraction of a second as real files have), size
    and line endings, so that no fixed number or name can be right for all of them. One more
    ``.pyc`` is a copy of a real one with another Python's magic number. ``seed`` (else
    ``draw_seed()``) decides all that is drawn.
    """
    seed = draw_seed() if seed is None else seed
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    latest = (int(time.time()) - 86_400 * 2 * _SHIFT_DAYS) // 2
    seconds = [2 * s for s in rng.sample(range(_FIRST_SECOND // 2, latest), len(_PLANS))]
    taken: set[str] = set()
    sizes: set[int] = set()
    made: list[tuple[Path, _Plan, _Ending]] = []
    for number, (plan, second) in enumerate(zip(_PLANS, seconds, strict=True), start=1):
        name = draw_name(rng, taken)
        if plan.label == _DOTTED:
            name = f"{draw_name(rng, taken)}/{name}.v{rng.randint(2, 9)}"
        ending = plan.ending
        if ending is _Ending.ANY:
            ending = rng.choice([e for e in _Ending if e is not _Ending.ANY])
        padding = rng.randrange(_PADDING_LINES)
        data = _saved(_text(name, number, padding), ending)
        while len(data) in sizes:  # no two sources of one size: no fixed size fits them all
            padding += 1
            data = _saved(_text(name, number, padding), ending)
        sizes.add(len(data))
        source = folder / f"{name}.py"
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_bytes(data)
        # A fraction of a second past, as real files are; away from the whole seconds, where a
        # float st_mtime could round up, and past the half for one, where round() is wrong.
        low = _NS // 2 if plan.label == "fresh" else _NS // 4
        stamp = second * _NS + low + rng.randrange(_NS // 4)
        os.utime(source, ns=(stamp, stamp))
        made.append((source, plan, ending))
    compiled = clean.compiled([(s, p.mode.value) for s, p, _ in made])
    items: list[Sample] = []
    for (source, plan, ending), (pyc, cached_at) in zip(made, compiled, strict=True):
        header = header_of(Path(pyc))
        _change(source, plan.change, rng)
        if matches_source(source, Path(pyc)) == plan.stale:
            msg = f"the sample {plan.label} did not come out as planned (the file system?)"
            raise RuntimeError(msg)
        story = _STORIES[plan.change] + (f"; it is {ending.value}" if ending.value else "")
        name = source.relative_to(folder).with_suffix("").as_posix()
        items.append(
            Sample(name, source, Path(pyc), header, story, plan.stale, Path(cached_at), plan.label)
        )
    items.append(_foreign(folder, items[0]))
    rng.shuffle(items)
    return Samples(folder=folder, items=tuple(items), seed=seed)


def _change(source: Path, change: str, rng: random.Random) -> None:
    """Change a compiled source as the plan says (bytes, so that sizes are the same everywhere)."""
    stat = source.stat()
    data = source.read_bytes()
    newline = b"\r\n" if data.endswith(b"\r\n") else b"\n"
    # Whole seconds, an even number of them, so that a file system that keeps whole seconds
    # (or two) still sees the move.
    shift = 2 * rng.randint(1, 86_400 * _SHIFT_DAYS // 2) * _NS
    if change == "wobble":
        second = stat.st_mtime_ns - stat.st_mtime_ns % _NS
        stamp = second + _NS // 4 + rng.randrange(_NS // 2)
        os.utime(source, ns=(stat.st_atime_ns, stamp))
    elif change in ("touch", "back"):
        moved = stat.st_mtime_ns + (shift if change == "touch" else -shift)
        os.utime(source, ns=(stat.st_atime_ns, moved))
    elif change == "grow":
        source.write_bytes(data + b"EXTRA = True" + newline)
        os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    elif change == "edit":
        source.write_bytes(data + newline + b"EDITED = 1" + newline)
        os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + shift))
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
        label="other-python",
    )


# --- the live experiment --------------------------------------------------------------------
