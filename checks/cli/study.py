"""Self-study verbs of the ``checks`` command: progress, watch, hint, reset and solution.

A student working alone needs nothing but these and an editor:

- ``checks`` (no verb): the progress table, each exercise done or not (the real verdict of its
  tests on the student's files, cached by content), and the next exercise with its goal;
- ``checks watch``: check the current exercise again at each save (``checks.cli.watch``);
- ``checks hint [NN]``: the next hint, one more each time (``--all`` for all of them);
- ``checks reset NN``: put the starter back, after keeping the student's files as a backup;
- ``checks solution NN``: the reference solution, once the exercise passes.

Input the command cannot use (an exercise that does not exist, a reset of an untouched
exercise, a missing starter or solution) gets one line on standard error and exit status 2.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from checks.cli.editor import find_editor
from checks.cli.progress import (
    BACKUPS_FOLDER,
    check,
    checking_note,
    failures_summary,
    next_hint,
    next_steps,
    next_up,
    study_folder,
    table,
)
from checks.cli.terminal import terminal
from checks.cli.watch import Watch
from checks.manifest import KIT_ROOT, ManifestError, load_all
from checks.model import Exercise, ExerciseResult
from checks.run.verdict import VerdictError
from checks.starter import STARTERS, StarterError, backup, restore, starter_folder, untouched

__all__ = [
    "NOT_YET",
    "SOLUTIONS",
    "USAGE_ERROR",
    "StudyError",
    "cmd_hint",
    "cmd_progress",
    "cmd_reset",
    "cmd_solution",
    "cmd_watch",
    "register",
]

USAGE_ERROR = 2
"""Exit status for input the command cannot use (a missing file, an unknown exercise)."""

NOT_YET = 1
"""Exit status of ``solution`` while the exercise does not pass yet."""

SOLUTIONS = "solutions"
"""The folder at the kit's root with the reference solution of each exercise."""

WATCH_HELP = "check the current exercise again each time you save one of its files"
POLL_HELP = "look for saves by polling (for file systems that send no file events)"
EDITOR_HELP = (
    "the editor the e key opens the exercise's files in (default: $VISUAL, $EDITOR, then VS "
    "Code's code when it is on PATH)"
)
NO_EDITOR_HELP = "turn the e key off"
HINT_HELP = "show the next hint of an exercise (one more each time you ask)"
ALL_HELP = "show every hint of the exercise at once"
RESET_HELP = "put an exercise's starter back (your files are kept as a backup first)"
YES_HELP = "reset without asking first"
SOLUTION_HELP = "show an exercise's reference solution, once your version passes"
NUMBER_HELP = "the exercise's number, such as 03"

Verb = Callable[[argparse.Namespace], int]


class StudyError(Exception):
    """Input a verb cannot use; its message is one line for the student."""


class _Verbs(Protocol):
    def add_parser(self, name: str, *, help: str, description: str) -> argparse.ArgumentParser:
        """Add a verb (argparse's subparsers action)."""
        ...


def _guarded(name: str) -> Callable[[Verb], Verb]:
    """Turn the errors a verb expects into one line on stderr and exit status 2."""

    def decorate(verb: Verb) -> Verb:
        @functools.wraps(verb)
        def run(args: argparse.Namespace) -> int:
            # A character the output's encoding lacks (a Windows pipe) must not crash a verb.
            reconfigure: Callable[..., object] | None = getattr(sys.stdout, "reconfigure", None)
            if reconfigure is not None:
                reconfigure(errors="replace")
            try:
                return verb(args)
            except (StudyError, StarterError, ManifestError, VerdictError) as error:
                print(f"checks {name}: {error}", file=sys.stderr)
                return USAGE_ERROR
            except BrokenPipeError:
                # The reader went away (`checks | head`): stop quietly, as Python's docs advise.
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                return 1
            except OSError as error:
                print(
                    f"checks {name}: {error.strerror or error}: {error.filename}", file=sys.stderr
                )
                return USAGE_ERROR

        return run

    return decorate


def _exercises(root: Path) -> list[Exercise]:
    exercises = load_all(root)
    if not exercises:
        msg = f"no exercises found in {root / 'exercises'}"
        raise StudyError(msg)
    return exercises


def _find(given: str, exercises: Sequence[Exercise]) -> Exercise:
    """The exercise a student named: ``3``, ``03``, ``exercises/03`` or ``exercises\\03\\``."""
    name = given.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    for exercise in exercises:
        if name == exercise.number or (
            name.isdigit() and exercise.number.isdigit() and int(name) == int(exercise.number)
        ):
            return exercise
    numbers = [exercise.number for exercise in exercises]
    if exercises and name.isdigit():
        number = f"{int(name):02d}"
        root = exercises[0].folder.parent.parent
        if (root / STARTERS / number).is_dir():
            msg = (
                f"the folder exercises/{number}/ is gone (deleted or moved), so exercise "
                f"{number} cannot be found; put it back from a fresh copy of the kit (or with "
                f"`git checkout -- exercises/{number}` in a git clone), then try again"
            )
            raise StudyError(msg)
    msg = f"there is no exercise {given!r} (the exercises are {numbers[0]} to {numbers[-1]})"
    raise StudyError(msg)


def _shown(path: Path) -> str:
    """A path as the student can type it: relative to where they are, when it is below."""
    try:
        return Path(path).relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


def _check_all(
    exercises: Sequence[Exercise], root: Path, *, starters: bool = False
) -> dict[str, ExerciseResult]:
    """The verdicts, saying on a terminal's stderr which exercises are being checked
    (``starters``: untouched starters are known without a run, see ``progress.check``)."""
    status = terminal(sys.stderr)

    def announce(todo: list[Exercise]) -> None:
        if status.interactive:
            sys.stderr.write(status.paint(checking_note(todo), "dim"))
            sys.stderr.flush()

    try:
        results = check(exercises, root, announce=announce, starters=starters)
    finally:
        if status.interactive:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
    if results is None:  # pragma: no cover - only a stop event ends a check early
        msg = "the check was stopped"
        raise StudyError(msg)
    return results


@_guarded("progress")
def cmd_progress(args: argparse.Namespace) -> int:
    """Print the progress table and the next exercise to do."""
    del args
    root = KIT_ROOT
    term = terminal()
    exercises = _exercises(root)
    results = _check_all(exercises, root, starters=True)
    print(table(exercises, results, term))
    print()
    solutions = (root / SOLUTIONS).is_dir()
    print(next_steps(next_up(exercises, results), term, len(exercises), solutions=solutions))
    return 0


@_guarded("watch")
def cmd_watch(args: argparse.Namespace) -> int:
    """Check the current exercise again at each save, until every exercise passes."""
    root = KIT_ROOT
    editor = find_editor(args.editor, off=args.no_editor, environ=os.environ)
    exercises = _exercises(root)
    return Watch(root, exercises, terminal(), sys.stdout, poll=args.poll, editor=editor).run()


@_guarded("hint")
def cmd_hint(args: argparse.Namespace) -> int:
    """Print the next hint of an exercise, or all of them."""
    root = KIT_ROOT
    term = terminal()
    exercises = _exercises(root)
    if args.exercise is None:
        found = next_up(exercises, _check_all(exercises, root))
        if found is None:
            print("Every exercise passes: no hint needed. `uv run checks hint NN` still works.")
            return 0
        exercise = found
    else:
        exercise = _find(args.exercise, exercises)
    heading = f"Exercise {exercise.number}, {exercise.title}"
    total = len(exercise.hints)
    if args.all and total:
        print(term.paint(f"{heading}: all {total} hints", "bold"))
        for number, text in enumerate(exercise.hints, 1):
            print()
            print(term.wrap(f"{number}. {text}", indent="   ").removeprefix("   "))
        return 0
    hint = next_hint(exercise, root)
    if hint is None:
        print(f"{heading}: this exercise has no hints. Its README.md explains what to do.")
        return 0
    print(term.paint(f"{heading}: hint {hint.number} of {total}", "bold"))
    print(term.wrap(hint.text, indent="  "))
    print()
    if not hint.last:
        more = f"Ask again (`uv run checks hint {exercise.number}`) for the next one."
    elif hint.again:
        more = f"You have seen all {total} hints; `--all` lists them together."
    else:
        more = "That was the last hint."
    print(term.paint(more, "dim"))
    return 0


def _ask(question: str) -> bool:
    """Ask a yes/no question on the terminal; StudyError when nobody can answer."""
    try:
        answer = input(question)
    except EOFError:
        print()
        msg = "no answer to the question (input is closed); add --yes to reset without asking"
        raise StudyError(msg) from None
    return answer.strip().lower() in ("y", "yes")


@_guarded("reset")
def cmd_reset(args: argparse.Namespace) -> int:
    """Put an exercise's starter back, after backing up the student's files."""
    root = KIT_ROOT
    exercise = _find(args.exercise, _exercises(root))
    starter_folder(exercise, root)
    if untouched(exercise, root):
        msg = f"exercise {exercise.number} is untouched: its files are already the starter"
        raise StudyError(msg)
    files = ", ".join(exercise.files)
    backups = study_folder(root) / BACKUPS_FOLDER
    if not args.yes:
        print(
            terminal().wrap(
                f"This puts the starter of exercise {exercise.number} back. Your {files} "
                f"will be kept in {_shown(backups)}/ first."
            )
        )
        if not _ask("Reset? [y/N] "):
            print("Nothing changed.")
            return 0
    kept = backup(exercise, backups)
    restore(exercise, root)
    print(f"Exercise {exercise.number} is back to its starter ({files}).")
    saved = sorted(path.relative_to(kept).as_posix() for path in kept.rglob("*") if path.is_file())
    if saved:
        print(f"Your version is kept in {_shown(kept)}/ ({', '.join(saved)}).")
    else:
        print("None of its files were there, so there was nothing to keep.")
        shutil.rmtree(kept)
    return 0


def _solution_files(exercise: Exercise, root: Path) -> list[Path]:
    folder = root / SOLUTIONS
    if not folder.is_dir():
        msg = (
            f"this copy of the kit has no {SOLUTIONS}/ folder (a classroom copy leaves it "
            "out); ask your teacher for the reference solution"
        )
        raise StudyError(msg)
    found: list[Path] = []
    for name in exercise.files:
        path = folder / exercise.number / name
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            msg = f"{SOLUTIONS}/{exercise.number}/{name} is missing from this copy of the kit"
            raise StudyError(msg)
    return found


@_guarded("solution")
def cmd_solution(args: argparse.Namespace) -> int:
    """Print an exercise's reference solution, once the student's version passes."""
    root = KIT_ROOT
    term = terminal()
    exercises = _exercises(root)
    exercise = _find(args.exercise, exercises)
    files = _solution_files(exercise, root)
    result = _check_all([exercise], root)[exercise.number]
    if not result.passed:
        print(
            term.wrap(
                f"Exercise {exercise.number} does not pass yet, so its solution stays hidden. "
                "Still failing:"
            )
        )
        for line in failures_summary(result):
            print(term.wrap(f"- {line}", indent="  ").replace("  - ", "- ", 1))
        print()
        print(
            term.wrap(
                f"Run `{exercise.test_command}` for the whole story, or "
                f"`uv run checks hint {exercise.number}` for a nudge."
            )
        )
        return NOT_YET
    print(
        term.wrap(
            f"Exercise {exercise.number} passes, so here is the reference solution. Yours may be "
            "different and just as right: compare them."
        )
    )
    for path in files:
        print()
        print(term.rule(path.relative_to(root).as_posix()))
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        print(text.replace("\r\n", "\n").rstrip("\n"))
    print(term.rule())
    return 0


def register(verbs: _Verbs) -> None:
    """Add the self-study verbs to the ``checks`` command."""
    watch = verbs.add_parser("watch", help=WATCH_HELP, description=WATCH_HELP)
    watch.add_argument("--poll", action="store_true", help=POLL_HELP)
    chosen = watch.add_mutually_exclusive_group()
    chosen.add_argument("--editor", metavar="CMD", default=None, help=EDITOR_HELP)
    chosen.add_argument("--no-editor", action="store_true", help=NO_EDITOR_HELP)
    watch.set_defaults(handler=cmd_watch)

    hint = verbs.add_parser("hint", help=HINT_HELP, description=HINT_HELP)
    hint.add_argument(
        "exercise", nargs="?", metavar="NN", help=f"{NUMBER_HELP} (default: the next one)"
    )
    hint.add_argument("--all", action="store_true", help=ALL_HELP)
    hint.set_defaults(handler=cmd_hint)

    reset = verbs.add_parser("reset", help=RESET_HELP, description=RESET_HELP)
    reset.add_argument("exercise", metavar="NN", help=NUMBER_HELP)
    reset.add_argument("--yes", "-y", action="store_true", help=YES_HELP)
    reset.set_defaults(handler=cmd_reset)

    solution = verbs.add_parser("solution", help=SOLUTION_HELP, description=SOLUTION_HELP)
    solution.add_argument("exercise", metavar="NN", help=NUMBER_HELP)
    solution.set_defaults(handler=cmd_solution)
