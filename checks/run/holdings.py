"""What a run's processes hold, read by the parent from outside while the run goes on: the
memory they made, the threads they run and the CPU they used (``tree_held``), the files they
hold open that no folder shows (``held_files``), and the bytes in the run's folders
(``folder_bytes``). The caps they are held to are ``checks.run.limits.Limits``;
``checks/run/watch.py`` compares the two.

It imports only the standard library and psutil.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import psutil

if TYPE_CHECKING:
    from os import _ScandirIterator  # pyright: ignore[reportPrivateUsage] - scandir's own type

__all__ = ["DEEPEST", "Held", "UncountedError", "folder_bytes", "held_files", "tree_held"]


class Held(NamedTuple):
    """What a run's processes hold together, at one look."""

    memory: int
    """Bytes they made: resident, less what files on a disk back (shared mappings and files in
    memory among it)."""
    threads: int
    """Threads they run."""
    cpu: float
    """Seconds of CPU they have used, with those of the children each one waited for."""


def tree_held(family: Sequence[psutil.Process]) -> Held:
    """What a run's processes hold together: memory, threads, CPU."""
    memory = threads = 0
    cpu = 0.0
    for proc in family:
        with contextlib.suppress(psutil.Error, OSError, ValueError, IndexError):
            held = _held(proc)
            memory, threads, cpu = memory + held.memory, threads + held.threads, cpu + held.cpu
    return Held(memory, threads, cpu)


def _held(proc: psutil.Process) -> Held:
    """What one process holds: resident bytes it made (Linux's ``RssAnon`` and ``RssShmem``,
    which psutil's ``shared`` puts together with pages of files on a disk), its threads, and
    its CPU time."""
    if sys.platform == "linux":
        fields: dict[str, str] = {}
        for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            fields[name] = value
        if all(name in fields for name in ("RssAnon", "RssShmem", "Threads")):
            made = sum(int(fields[name].split()[0]) for name in ("RssAnon", "RssShmem")) * 1024
            # utime, stime, cutime, cstime: the 14th to 17th fields, in clock ticks
            ticks = Path(f"/proc/{proc.pid}/stat").read_text().rpartition(")")[2].split()[11:15]
            cpu = sum(int(tick) for tick in ticks) / _TICKS
            return Held(made, int(fields["Threads"]), cpu)
    info = proc.memory_info()
    times = proc.cpu_times()
    cpu = times.user + times.system + times.children_user + times.children_system
    return Held(max(info.rss - getattr(info, "shared", 0), 0), proc.num_threads(), cpu)


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
"""Clock ticks a second, the unit of ``/proc/PID/stat``'s times."""


def held_files(family: Sequence[psutil.Process]) -> int | None:
    """Bytes of the files a run's processes hold open that no folder shows (Linux): files they
    deleted, and files made in memory (``memfd_create``). Each counts once, however many
    processes hold it. ``None`` when a live process of the run hides its open files (it made
    itself undumpable): what it holds cannot be counted."""
    if sys.platform != "linux":
        return 0
    seen: set[tuple[int, int]] = set()
    total = 0
    for proc in family:
        try:
            entries = list(os.scandir(f"/proc/{proc.pid}/fd"))
        except PermissionError:
            try:
                if proc.status() != psutil.STATUS_ZOMBIE:
                    return None
            except psutil.Error:
                pass  # it has ended
            continue
        except OSError:
            continue  # it has ended
        for entry in entries:
            with contextlib.suppress(OSError):
                info = entry.stat()  # the open file itself, even once deleted
                key = (info.st_dev, info.st_ino)
                if stat.S_ISREG(info.st_mode) and info.st_nlink == 0 and key not in seen:
                    seen.add(key)
                    total += info.st_blocks * 512
    return total


DEEPEST = 100
"""Folders a run may nest in its own: deeper, what they hold is not counted, and the run stops."""


class UncountedError(Exception):
    """A run's folder holds what the kit cannot count: folders nested past ``DEEPEST``, or one
    the program made unreadable."""


def folder_bytes(folder: Path) -> int:
    """Bytes the files under ``folder`` take on the disk (their size where blocks are not told);
    links are not followed.

    On POSIX each folder is opened from the one above it, so that no length of path hides a
    file (a path past ``PATH_MAX`` cannot be opened by name), and at most ``DEEPEST`` folders
    are open at once. ``UncountedError`` when a folder lies deeper, or cannot be read.
    """
    if not _BY_DESCRIPTOR:
        return _walked_bytes(folder)
    total = 0
    opened: list[int] = []
    levels: list[_ScandirIterator[str]] = []
    try:
        if not _enter(os.fspath(folder), None, opened, levels):
            return 0
        while levels:
            entry = next(levels[-1], None)
            if entry is None:
                levels.pop().close()
                os.close(opened.pop())
                continue
            info = _lstat(entry)
            if info is None:
                continue
            if not stat.S_ISDIR(info.st_mode):
                total += _taken(info)
                continue
            if len(levels) >= DEEPEST:
                msg = f"it made folders more than {DEEPEST} folders deep"
                raise UncountedError(msg)
            _enter(entry.name, opened[-1], opened, levels)
    except PermissionError as error:
        raise UncountedError(_UNREADABLE) from error
    finally:
        for level in levels:
            level.close()
        for descriptor in opened:
            os.close(descriptor)
    return total


def _enter(
    name: str, parent: int | None, opened: list[int], levels: list[_ScandirIterator[str]]
) -> bool:
    """Open the folder ``name`` (from the folder ``parent``) and start listing it; ``False``
    when it is gone, or was swapped for a link, since it was listed. A folder that cannot be
    read raises ``PermissionError``."""
    try:
        inner = os.open(name, _INNER, dir_fd=parent)
    except PermissionError:
        raise
    except OSError:
        return False
    opened.append(inner)
    try:
        levels.append(os.scandir(inner))
    except PermissionError:
        raise
    except OSError:
        return False
    return True


_BY_DESCRIPTOR = os.open in os.supports_dir_fd and os.scandir in os.supports_fd
"""Whether folders can be opened from a folder's descriptor here (POSIX)."""
_INNER = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
_UNREADABLE = "it made a folder the kit cannot read, so what it wrote could not be counted"


def _lstat(entry: os.DirEntry[str]) -> os.stat_result | None:
    """An entry's own status (not a link's target); ``None`` once it is gone."""
    try:
        return entry.stat(follow_symlinks=False)
    except PermissionError:
        raise
    except OSError:
        return None


def _taken(info: os.stat_result) -> int:
    blocks = getattr(info, "st_blocks", None)
    return blocks * 512 if isinstance(blocks, int) else info.st_size


def _walked_bytes(folder: Path) -> int:
    """``folder_bytes`` by path, where folders cannot be opened from a descriptor (Windows)."""
    total = 0
    for directory, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                total += _taken(os.lstat(os.path.join(directory, name)))  # noqa: PTH118 - os.walk's str
    return total
