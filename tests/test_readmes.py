"""Every exercise README gives its hint line, and every command it suggests runs as typed.

The commands are read from the README's code blocks (a line that starts with ``uv run``, or
``$ uv run`` / ``$ cd`` / ``$ ls`` in a console block) and run, in order, in a scratch copy of the
kit, with the kit's own environment in place of ``uv run``, and then its hint line's command. A command may fail as the
exercise's starter fails (exit 1), but never for want of a file, with a usage error, or with a
traceback from the kit's insides. A file of the kit's own that a README has the student run (a
demo such as 07's ``project/main.py``) runs without a traceback, unless crashing is its lesson.

``python`` and ``pytest`` are the ones beside the Python that runs these tests, so under
``nox -s tests-3.15`` every command runs on 3.15: the READMEs hold on each Python the kit
supports.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from checks.manifest import load_exercise
from tests.support import KIT, copy_kit

EXERCISES = sorted(p.parent for p in (KIT / "exercises").glob("*/exercise.toml"))
FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
COPIED = ("checks", "exercises", "solutions", "starters")
CRASH_IS_THE_LESSON = frozenset({"exercises/08/program.py"})
"""Kit files a README runs to show a crash (08: predict what prints before it stops)."""
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


def _kit_file_run(line: str, cwd: Path, root: Path, folder: Path) -> str | None:
    """The kit file a ``python ...`` line runs, from the top, unless the student edits it."""
    if not line.startswith("python "):
        return None
    scripts = [word for word in shlex.split(line)[1:] if word.endswith(".py")]
    if not scripts:
        return None
    where = (cwd / scripts[-1]).resolve().relative_to(root.resolve()).as_posix()
    students = {f"exercises/{folder.name}/{name}" for name in load_exercise(folder).files}
    if where in students or where in CRASH_IS_THE_LESSON:
        return None
    return where


@pytest.fixture(scope="module")
def kit_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch copy of the kit, where suggested commands may write what they like."""
    return copy_kit(tmp_path_factory.mktemp("kit"), parts=COPIED)


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
        demo = _kit_file_run(line, cwd, kit_copy, folder)
        if demo is not None:  # the kit's own file must run on this Python
            assert "Traceback (most recent call last)" not in output, f"{demo} crashed: {said}"
        elif not line.startswith("python "):  # a student's program may crash: that is the lesson
            assert "Traceback (most recent call last)" not in output, said
