"""``checks new NN "Title"``: a complete, working exercise for a teacher to edit.

It writes ``exercises/NN/`` (README with the kit's sections, manifest, starter, tests that use
only the public API ``from checks import ...``), ``solutions/NN/``, ``starters/NN/`` and
``tests/cases/NN/`` with one right answer and one dodge. Right after it the exercise fails on
its starter (a ``NameError`` at the run stage) and passes on its solution, so
``checks dev check NN`` is clean before the teacher changes a line. Every file it writes is a
template below, in this one place.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Protocol

from checks.cli.selfcheck import CASES, EXPECT, hint_line
from checks.manifest import KIT_ROOT, MANIFEST
from checks.starter import STARTERS

__all__ = ["cmd_new", "register", "scaffold"]

NEW_HELP = "write a new exercise NN (README, manifest, starter, tests, solution, cases) to edit"
USAGE_ERROR = 2
STUDENT_FILE = "task.py"
"""The file the student edits in a new exercise (rename it in the manifest and everywhere)."""
TEST_FILE = "test_exercise_{number}.py"
"""The new exercise's tests: a name no other exercise's tests have (pytest needs that)."""
LINE = "Hello from exercise {number}!"
"""What the new exercise's solution prints: the task a teacher replaces with their own."""

README = """\
# {number} · {title}

What this exercise teaches, in two or three sentences, in the lesson's words (read, parse,
compile, run). Replace this paragraph.

## Your task

`{file}` should print exactly this one line, and nothing else:

```
{line}
```

Right now it stops before it gets there. Find out at which stage, then fix it.

## Check it

```
uv run python exercises/{number}/{file}     # see for yourself what Python says
uv run checks stage exercises/{number}/{file}   # which stage stops it?
uv run pytest exercises/{number}              # the verdict
```

{hint}
"""

MANIFEST_TEXT = """\
title = {title}
goal = {goal}
files = ["{file}"]
points = 10
hints = [
    "Run it yourself first: `uv run python exercises/{number}/{file}`. At which stage does it stop?",
    "The error names a variable that does not exist. Compare its spelling with the line above it.",
    "Print the variable the file defines: print(message).",
]
starter_fails_with = ["stopped at the RUN stage", "NameError"]
"""

STARTER = """\
# Exercise {number}: {comment}
# Make this file print exactly:  {line}
message = "{line}"
print(mesage)
"""

SOLUTION = """\
# Exercise {number}: {comment}
# Make this file print exactly:  {line}
message = "{line}"
print(message)
"""

TEST = '''\
"""Exercise {number}: `python {file}` prints exactly `{line}` and exits 0."""

import pytest

from checks import Stage, expect, expect_no_hiding


def test_prints_the_line(exercise):
    """{file} runs to the end and prints exactly one line: {line}"""
    run = exercise.run("{file}")
    expect.stage(run, Stage.OK)
    expect.lines(run, ["{line}"])


@pytest.mark.guard
def test_hides_no_error(exercise):
    """{file} fixes its error instead of catching it."""
    expect_no_hiding(exercise.tree("{file}"), file="{file}")
'''

RIGHT_CASE = "right_single_quotes"
RIGHT_TEXT = "message = '{line}'\nprint(message)\n"
DODGE_CASE = "dodge_hides_the_error"
DODGE_TEXT = """\
try:
    print(mesage)
except NameError:
    print("{line}")
"""
DODGE_EXPECT = "hides its errors instead of fixing them\n"
"""The words of the kit's failure message for a caught error (``expect_no_hiding``)."""


class _Verbs(Protocol):
    def add_parser(self, name: str, *, help: str, description: str) -> argparse.ArgumentParser:
        """Add a verb (argparse's subparsers action)."""
        ...


class NewExerciseError(Exception):
    """The new exercise cannot be written: its number is taken, or not a number."""


def _number(given: str) -> str:
    if not given.isdigit() or not given.isascii() or int(given) == 0:
        msg = f"{given!r} is not an exercise number; give one such as 11"
        raise NewExerciseError(msg)
    return f"{int(given):02d}"


def _taken(root: Path, number: str) -> str | None:
    """The folder that already holds exercise ``number`` (or a number equal to it), if any."""
    for part in ("exercises", "solutions", STARTERS, CASES.as_posix()):
        base = root / part
        if not base.is_dir():
            continue
        for folder in sorted(base.iterdir()):
            if folder.name == number or (folder.name.isdigit() and int(folder.name) == int(number)):
                return f"{part}/{folder.name}"
    return None


def scaffold(root: Path, given: str, title: str) -> list[Path]:
    """Write exercise ``given`` named ``title`` in the kit at ``root``; the files written."""
    number = _number(given)
    if not title.strip() or "\n" in title or "\r" in title:
        msg = 'the title must be one line of text, such as "Loops and built-ins"'
        raise NewExerciseError(msg)
    taken = _taken(root, number)
    if taken is not None:
        msg = f"{taken}/ exists already; choose another number (or remove that folder first)"
        raise NewExerciseError(msg)
    line = LINE.format(number=number)
    words = {
        "number": number,
        "title": title.strip(),
        "file": STUDENT_FILE,
        "line": line,
        "comment": title.strip(),
        "hint": hint_line(number),
    }
    manifest = MANIFEST_TEXT.format(
        title=json.dumps(title.strip(), ensure_ascii=False),
        goal=json.dumps(f"Make {STUDENT_FILE} print exactly: {line}", ensure_ascii=False),
        file=STUDENT_FILE,
        number=number,
    )
    cases = root / CASES / number
    files = {
        root / "exercises" / number / "README.md": README.format(**words),
        root / "exercises" / number / MANIFEST: manifest,
        root / "exercises" / number / STUDENT_FILE: STARTER.format(**words),
        root / "exercises" / number / TEST_FILE.format(number=number): TEST.format(**words),
        root / STARTERS / number / STUDENT_FILE: STARTER.format(**words),
        root / "solutions" / number / STUDENT_FILE: SOLUTION.format(**words),
        cases / RIGHT_CASE / STUDENT_FILE: RIGHT_TEXT.format(**words),
        cases / DODGE_CASE / STUDENT_FILE: DODGE_TEXT.format(**words),
        cases / DODGE_CASE / EXPECT: DODGE_EXPECT,
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8", newline="\n") as out:
            out.write(text)
    return list(files)


def cmd_new(args: argparse.Namespace) -> int:
    """Write a new exercise and name each file written."""
    root = KIT_ROOT
    try:
        written = scaffold(root, args.number, args.title)
    except NewExerciseError as error:
        print(f"checks new: {error}", file=sys.stderr)
        return USAGE_ERROR
    except OSError as error:
        print(f"checks new: {error.strerror or error}: {error.filename}", file=sys.stderr)
        return USAGE_ERROR
    number = written[0].parent.name
    print(f"Wrote exercise {number}:")
    for path in written:
        print(f"  {path.relative_to(root).as_posix()}")
    print(
        f"Edit them (docs/authoring.md says how), then check it: uv run checks dev check {number}"
    )
    return 0


def register(verbs: _Verbs) -> None:
    """Add ``checks new`` to the ``checks`` command."""
    new = verbs.add_parser("new", help=NEW_HELP, description=NEW_HELP)
    new.add_argument("number", metavar="NN", help="the new exercise's number, such as 11")
    new.add_argument("title", metavar="TITLE", help='its title, such as "Loops and built-ins"')
    new.set_defaults(handler=cmd_new)
