"""What the child package costs a run: every trial and every run of a kit's driver imports it
before the student's first line, on the Python under test, so it brings in no more of the
standard library than its work needs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from checks.run.copy import child_copy
from checks.run.environment import child_python
from checks.run.program import run_file

HEAVY = frozenset({"dataclasses", "inspect", "pathlib", "shutil", "tempfile", "typing"})
"""Modules that each bring a dozen more (``re``, ``fnmatch``, ``ast``, ``random``...), and that
none of these modules needs."""

NEEDED = {"checks.child.bytecode": {"typing"}}
"""The heavy modules a module does need: ``bytecode``'s classes are generic (on 3.10 and 3.11
the launcher has loaded ``typing`` for a driver before it anyway)."""

TEMPFILE = {"tempfile", "shutil"}
"""What ``capture`` imports where there is no ``O_TMPFILE`` (macOS, Windows): tempfile makes the
file there, as it did everywhere."""

LOADED = (
    "import sys\n"
    "sys.path.insert(0, {base!r})\n"
    "import {module}\n"
    "print(' '.join(sorted(sys.modules)))\n"
)


@pytest.mark.parametrize(
    "module",
    [
        "checks.child.capture",
        "checks.child.calls",
        "checks.child.probe",
        "checks.child.print_order",
        "checks.child.bytecode",
    ],
)
def test_a_trial_or_a_driver_imports_only_what_it_needs(module: str) -> None:
    """The modules trials and drivers import, in the child's own copy of the package, started
    as the child starts (no ``site``), load none of the heavy modules."""
    base = str(child_copy().parent)
    code = LOADED.format(base=base, module=module)
    done = subprocess.run(
        [child_python(sys.executable), "-E", "-S", "-c", code],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.split())
    assert module in loaded
    needed = NEEDED.get(module, set()) | (set() if hasattr(os, "O_TMPFILE") else TEMPFILE)
    heavy = (loaded & HEAVY) - needed
    assert not heavy, f"{module} imports {sorted(heavy)}"


MAKES_NAMED_KINDS = """\
import collections
import enum
from typing import List, TypeVar

T = TypeVar("T")
Color = enum.Enum("Color", "RED GREEN")
Point = collections.namedtuple("Point", "x y")


def answer() -> List[object]:
    made = enum.Enum("Made", "A B")
    return [Color.RED.name, Point(1, 2).y, made.B.value, Color.__module__, Point.__module__]
"""


def test_a_tried_module_may_use_typing_a_named_tuple_and_an_enum(tmp_path: Path) -> None:
    """Before 3.12 ``namedtuple``, a functional ``Enum`` and a ``TypeVar`` (``typing``'s own
    too, as it loads) read their caller's frame for its module's name, which the seal lets only
    the standard library loaded before it: the launcher loads them itself. On 3.11 a tried
    module's ``from typing import List`` was refused before it did."""
    (tmp_path / "student.py").write_text(MAKES_NAMED_KINDS, encoding="utf-8")
    run = run_file(tmp_path / "student.py", cached=False, calls=[repr(("answer", ()))])
    assert run.facts_ended and not run.tampered, run.tampered or run.output
    answered = [value for kind, value in run.facts if kind == "answer"]
    assert answered == [
        {"call": 0, "value": "['RED', 2, 2, 'student', 'student']", "printed": []}
    ], run.facts


CRASHES = "def answer():\n    return 1 / 0\n"

STAND_IN = "raise RuntimeError('a student module named {name} ran in the kit')\n"


@pytest.mark.parametrize("name", ["re", "tokenize", "linecache"])
def test_a_crashed_call_is_told_whatever_modules_lie_beside_it(tmp_path: Path, name: str) -> None:
    """A tried module's call that crashes is answered with its line, even with a ``re.py`` (or a
    ``tokenize.py``, a ``linecache.py``) in the student's folder: the kit takes the line from the
    source it compiled, and imports nothing for it, from that folder or any other."""
    (tmp_path / "student.py").write_text(CRASHES, encoding="utf-8")
    (tmp_path / f"{name}.py").write_text(STAND_IN.format(name=name), encoding="utf-8")
    run = run_file(tmp_path / "student.py", cached=False, calls=[repr(("answer", ()))])
    assert run.facts_ended and not run.tampered, run.tampered or run.output
    answered = [value for kind, value in run.facts if kind == "answer"]
    assert answered == [
        {
            "call": 0,
            "printed": [],
            "error": "ZeroDivisionError",
            "message": "division by zero",
            "line": 2,
            "source_line": "return 1 / 0",
        }
    ], run.facts


LOOKS_AROUND = (
    "import sys\n"
    "def answer():\n"
    "    return [name for name in ('tokenize', 'linecache') if name in sys.modules]\n"
)


def test_a_tried_module_finds_no_reader_the_kit_loaded(tmp_path: Path) -> None:
    """A trial loads no ``tokenize`` or ``linecache`` of its own (``python FILE`` has neither
    when a script starts): a tried module's ``import tokenize`` takes a ``tokenize.py`` beside
    it, as a script's does, and a trial costs no import the student did not ask for."""
    (tmp_path / "student.py").write_text(LOOKS_AROUND, encoding="utf-8")
    run = run_file(tmp_path / "student.py", cached=False, calls=[repr(("answer", ()))])
    assert run.facts_ended and not run.tampered, run.tampered or run.output
    answered = [value for kind, value in run.facts if kind == "answer"]
    assert answered == [{"call": 0, "value": "[]", "printed": []}], run.facts
