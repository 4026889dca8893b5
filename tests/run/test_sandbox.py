"""Confinement: the spec the parent sends, the trees the child allows, a driver confined at its
first load of student code, and the words a student reads for a refusal."""

from __future__ import annotations

import shutil
import sys
import textwrap
from collections.abc import Generator
from pathlib import Path

import pytest

from checks.child import confine
from checks.child.seatbelt import seatbelt_profile
from checks.run import sandbox
from checks.run.program import run_file

CONFINED = sandbox.probe()
needs_landlock = pytest.mark.skipif(
    not sandbox.confined(CONFINED), reason=f"cannot confine here: {CONFINED}"
)


@pytest.fixture(autouse=True)
def _default_mode() -> Generator[None, None, None]:
    """Each test starts and ends with the default mode."""
    sandbox.use(sandbox.DEFAULT_MODE)
    yield
    sandbox.use(sandbox.DEFAULT_MODE)


def test_the_spec_line_reads_back_as_it_was_written(tmp_path: Path) -> None:
    """What the parent encodes, the child decodes: folders, flags and the version."""
    spec = confine.build_spec(
        write=[str(tmp_path)], hidden=["/a b", "/c=d"], read=["/e"], driver=True
    )
    line = confine.encode(spec)
    assert "\n" not in line
    assert confine.decode(line + "\n") == spec


def test_a_tree_that_holds_a_hidden_folder_is_allowed_around_it(tmp_path: Path) -> None:
    """A Python installed above the kit: its tree is allowed, the kit inside it is not."""
    python = tmp_path / "python"
    kit = python / "src" / "kit"
    (kit / "solutions").mkdir(parents=True)
    (python / "lib").mkdir()
    (python / "src" / "other").mkdir()
    spec = confine.build_spec(write=[], hidden=[str(kit)], read=[str(python)])
    allowed = confine._read_rules(spec)  # pyright: ignore[reportPrivateUsage]
    assert str(python / "lib") in allowed
    assert str(python / "src" / "other") in allowed
    assert not [p for p in allowed if p == str(python) or p.startswith(str(kit))]


def test_a_refusal_names_what_was_tried_where_and_why(tmp_path: Path) -> None:
    """The home folder is shown as ~, the run's copy as the student's folder."""
    home = str(Path.home())
    said = sandbox.refused("write", f"{home}/notes.txt", tmp_path / "work", Path("exercises/01"))
    assert said.startswith("your program tried to write outside its folder: ~/notes.txt;")
    assert "a copy of the exercise" in said
    said = sandbox.refused("connect", "127.0.0.1:8000", tmp_path, tmp_path)
    assert "tried to use the network: it opened a connection to 127.0.0.1:8000" in said
    said = sandbox.refused("socket", "AF_INET, SOCK_DGRAM", tmp_path, tmp_path)
    assert said.startswith("your program tried to use the network: it opened a socket (AF_INET")


def test_the_session_says_once_that_it_was_not_confined() -> None:
    """Many unconfined runs, one line that says why; confined runs say how."""
    for _ in range(5):
        sandbox.note("not confined: this kernel has no Landlock")
    note = sandbox.session_note()
    assert note.count("without confinement") == 1
    assert "this kernel has no Landlock" in note
    sandbox.use("on")
    sandbox.note("landlock ABI 7")
    assert sandbox.session_note() == "Student programs ran confined to their copy (landlock ABI 7)."


def test_an_unknown_mode_is_refused() -> None:
    """Only on, require and off."""
    with pytest.raises(ValueError, match="one of on, require, off"):
        sandbox.use("maybe")


@needs_landlock
def test_off_leaves_the_program_unconfined(tmp_path: Path) -> None:
    """``--sandbox=off``: the run says so, and a read outside its copy works."""
    outside = tmp_path / "outside.txt"
    outside.write_text("outside\n", encoding="utf-8")
    program = tmp_path / "copy" / "hello.py"
    program.parent.mkdir()
    program.write_text(f"print(open({str(outside)!r}).read().strip())\n", encoding="utf-8")
    sandbox.use("off")
    run = run_file(program, cached=False)
    assert run.confinement == "off"
    assert run.lines == ["outside"]
    sandbox.use("on")
    run = run_file(program, cached=False)
    assert run.confinement == CONFINED
    assert run.error == "PermissionError"


@needs_landlock
def test_a_driver_imports_freely_then_the_student_code_is_confined(tmp_path: Path) -> None:
    """The kit's driver reads what it needs first; from the student's module on, nothing
    outside the copy can be read."""
    library = tmp_path / "library"
    library.mkdir()
    (library / "kit_part.py").write_text("ANSWER = 42\n", encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("secret\n", encoding="utf-8")
    folder = tmp_path / "exercise"
    folder.mkdir()
    (folder / "student.py").write_text(
        f"def peek():\n    return open({str(secret)!r}).read()\n", encoding="utf-8"
    )
    (folder / "driver.py").write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(library)!r})
            import kit_part
            print("before", open({str(secret)!r}).read().strip(), kit_part.ANSWER)
            import student
            try:
                student.peek()
            except PermissionError:
                print("refused")
            """
        ),
        encoding="utf-8",
    )
    run = run_file(folder / "driver.py", cached=False, helpers=True)
    assert run.lines == ["before secret 42", "refused"], run.output
    assert run.confinement == CONFINED


def test_the_seatbelt_profile_denies_the_kit_inside_an_allowed_tree(tmp_path: Path) -> None:
    """macOS: last match wins, so a hidden folder inside the Python's tree is denied after the
    tree is allowed, and the run's own folder is allowed after every denial."""
    python = confine.python_trees()[0]
    kit = f"{python}/kit"
    spec = confine.build_spec(write=[str(tmp_path)], hidden=[kit, str(Path.home())])
    lines = seatbelt_profile(spec).splitlines()
    assert lines[:2] == ["(version 1)", "(deny default)"]
    allow_tree = lines.index(f'(allow file-read* (subpath "{python}"))')
    deny_kit = lines.index(f'(deny file-read* file-write* (subpath "{kit}"))')
    allow_copy = lines.index(f'(allow file-read* file-write* (subpath "{tmp_path.resolve()}"))')
    assert allow_tree < deny_kit < allow_copy
    # No socket of any kind: nothing allows the network, and the last rule denies it.
    assert not any("network" in line for line in lines[:-1])
    assert lines[-1] == "(deny network*)"


@needs_landlock
@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_and_a_second_python_work_in_the_copy(tmp_path: Path) -> None:
    """A confined program can run git and another Python in its copy, and write .pyc files."""
    program = tmp_path / "copy" / "main.py"
    program.parent.mkdir()
    (program.parent / "mod.py").write_text("X = 1\n", encoding="utf-8")
    program.write_text(
        textwrap.dedent(
            """
            import os, subprocess, sys
            os.mkdir("project")
            with open("project/.gitignore", "w") as ignore:
                ignore.write("*.pyc\\n")
            subprocess.run(["git", "init", "-q"], cwd="project", check=True)
            found = subprocess.run(
                ["git", "check-ignore", "--no-index", "a.pyc"],
                cwd="project", capture_output=True, text=True, check=True,
            )
            print(found.stdout.strip())
            second = [sys.executable, "-c", "import mod, sys; print(mod.X, sys.flags.isolated)"]
            print(subprocess.run(second, capture_output=True, text=True, check=True).stdout.strip())
            print(sorted(os.listdir("__pycache__")))
            """
        ),
        encoding="utf-8",
    )
    run = run_file(program, cached=False)
    assert run.confinement == CONFINED
    tag = sys.implementation.cache_tag
    assert run.lines == ["a.pyc", "1 0", f"['mod.{tag}.pyc']"], run.output


def test_require_runs_nothing_that_could_not_be_confined(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``require``: a child that cannot confine itself ends before the program's first line."""
    # A spec the child cannot use stands for a system without Landlock.
    monkeypatch.setattr(confine, "SPEC_VERSION", confine.SPEC_VERSION + 1)
    program = tmp_path / "copy" / "hello.py"
    program.parent.mkdir()
    marker = tmp_path / "ran.txt"
    program.write_text(f"open({str(marker)!r}, 'w').close()\nprint('ran')\n", encoding="utf-8")
    sandbox.use("require")
    run = run_file(program, cached=False)
    assert run.lines == []
    assert not marker.exists()
    assert run.message.startswith("stopped: it was not run, as it could not be confined"), run
    assert "disagree on the spec" in run.confinement
    sandbox.use("on")
    run = run_file(program, cached=False)
    assert run.lines == ["ran"]
    assert marker.exists()
