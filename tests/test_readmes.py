"""Every exercise README gives its hint line, and every command it suggests runs as typed.

The commands are read from the README's code blocks (a line that starts with ``uv run``, or
``$ uv run`` / ``$ cd`` / ``$ ls`` in a console block) and run, in order, in a scratch copy of the
kit, with the kit's own environment in place of ``uv run``, and then its hint line's command. A command may fail as the
exercise's starter fails (exit 1), but never for want of a file, with a usage error, or with a
traceback from the kit's insides.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import KIT

EXERCISES = sorted(p.parent for p in (KIT / "exercises").glob("*/exercise.toml"))
FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
COPIED = ("checks", "exercises", "solutions", "starters", "conftest.py", "pyproject.toml")
COMMAND_TIMEOUT = 300
"""Seconds one suggested command may take (pyright on a loaded machine takes a while)."""


def _commands(readme: Path) -> list[str]:
    """The commands a README's code blocks suggest, in order, without their comments."""
    found: list[str] = []
    for block in FENCE.findall(readme.read_text(encoding="utf-8")):
        for typed in block.splitlines():
            line = typed.removeprefix("$ ").strip()
            if line.startswith(("uv run ", "cd ", "ls ")):
                found.append(line.split("  #")[0].split(" # ")[0].strip())
    return found


@pytest.mark.parametrize("folder", EXERCISES, ids=lambda p: p.name)
def test_readme_gives_the_hint_line(folder: Path) -> None:
    """Each README says where the next hint is: Stuck? `uv run checks hint NN`."""
    text = (folder / "README.md").read_text(encoding="utf-8")
    assert f"Stuck? `uv run checks hint {folder.name}` gives one hint at a time." in text


@pytest.fixture(scope="module")
def kit_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch copy of the kit, where suggested commands may write what they like."""
    root = tmp_path_factory.mktemp("kit")
    for name in COPIED:
        source = KIT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copyfile(source, root / name)
    return root


@pytest.mark.parametrize("folder", EXERCISES, ids=lambda p: p.name)
def test_every_suggested_command_runs(folder: Path, kit_copy: Path) -> None:
    """Each command in a README's code blocks finds its files and runs, as typed, from the top."""
    commands = [*_commands(folder / "README.md"), f"uv run checks hint {folder.name}"]
    assert any(c.startswith("uv run pytest exercises/") for c in commands), commands
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env["PYTHONPATH"] = str(kit_copy)
    cwd = kit_copy
    for command in commands:
        if command.startswith("cd "):
            cwd = (cwd / shlex.split(command)[1]).resolve()
            assert cwd.is_dir(), f"{folder.name}: `{command}` names no folder"
            continue
        line = command.removeprefix("uv run ")
        done = subprocess.run(
            line,
            shell=True,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        output = done.stdout + done.stderr
        said = f"{folder.name}: `{command}` (exit {done.returncode}):\n{output[-3000:]}"
        assert done.returncode in (0, 1), said
        assert "No such file" not in output and "can't open file" not in output, said
        if not line.startswith("python "):  # a student's program may crash: that is the lesson
            assert "Traceback (most recent call last)" not in output, said
