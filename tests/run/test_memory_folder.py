"""Where runs' folders and ``checks grade``'s scratch folder are made (``copy.memory_folder``):
``/dev/shm`` on Linux where it is a memory file system with room and no ``TMPDIR`` names another
place; the default temporary folder everywhere else."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from checks.run import copy
from checks.run.program import run_file

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/dev/shm is Linux's")


def _memory_with_room() -> bool:
    """Whether this machine's /dev/shm is a tmpfs with the room a class needs, read apart from
    the kit's own reading (/proc/mounts, where the kit reads /proc/self/mounts)."""
    try:
        table = Path("/proc/mounts").read_text(encoding="utf-8").splitlines()
        free = os.statvfs("/dev/shm")
    except OSError:
        return False
    mounted = [line.split() for line in table]
    tmpfs = any(f[1] == "/dev/shm" and f[2] == "tmpfs" for f in mounted if len(f) > 2)
    return tmpfs and free.f_bavail * free.f_frsize >= copy.SHM_ROOM


@linux_only
def test_a_named_temporary_folder_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """The user's TMPDIR wins: the folders go there, as tempfile says."""
    if not _memory_with_room():
        pytest.skip("this machine's /dev/shm is no tmpfs with room for a class")
    monkeypatch.setattr(copy, "SHM_ROOM", 0)
    assert copy.memory_folder({}) == "/dev/shm"
    for name in ("TMPDIR", "TEMP", "TMP"):
        assert copy.memory_folder({name: "/somewhere/else"}) is None


@linux_only
def test_runs_are_made_in_it(tmp_path: Path) -> None:
    """A run's copy, home and temporary folders are made there."""
    memory = copy.memory_folder()
    if memory is None:
        pytest.skip("runs' folders go to the default temporary folder here")
    program = tmp_path / "program.py"
    program.write_text(
        "import os, pathlib\nprint(pathlib.Path.cwd())\nprint(os.environ['TMPDIR'])\n",
        encoding="utf-8",
    )
    run = run_file(program, cached=False)
    assert len(run.lines) == 2, run.output
    assert all(Path(line).is_relative_to(memory) for line in run.lines), run.lines


@linux_only
def test_memory_when_it_has_room() -> None:
    if not _memory_with_room():
        pytest.skip("this machine's /dev/shm is no tmpfs with room for a class")
    assert copy.memory_folder({}) == "/dev/shm"
    assert copy.memory_folder({"TMPDIR": ""}) == "/dev/shm"  # set, and empty: unset


@linux_only
def test_no_memory_file_system_no_memory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A /dev/shm that is a plain folder (no tmpfs mounted there) is not used."""
    monkeypatch.setattr(copy, "SHM", tmp_path)
    assert copy.memory_folder({}) is None


@linux_only
def test_a_full_memory_file_system_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    if not _memory_with_room():
        pytest.skip("this machine's /dev/shm is no tmpfs with room for a class")
    free = os.statvfs("/dev/shm")
    monkeypatch.setattr(copy, "SHM_ROOM", free.f_bavail * free.f_frsize * 2)
    assert copy.memory_folder({}) is None
