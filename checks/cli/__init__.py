"""The ``checks`` command: the verbs a student, a teacher and a maintainer type.

``checks stage FILE...`` says where CPython stops each file. The verdicts of the exercises come
from pytest itself (the same tests, the same plugin), never from a second grading logic here.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from checks import grade
from checks.cli import dev, doctor, new, study
from checks.cli.terminal import Terminal, terminal
from checks.grade import classroom50
from checks.manifest import ManifestError, exercise_of
from checks.model import Run, Stage
from checks.reports import classpage
from checks.run.copy import StudentFileError
from checks.run.program import run_files

__all__ = ["console", "main"]

USAGE_ERROR = 2
"""Exit status for input the command cannot use (a missing file, an unknown exercise)."""

STAGE_HELP = "say at which stage (read, parse, compile, run) each file stops, or ok"
STAGE_DESCRIPTION = (
    f"{STAGE_HELP}. The kit's own files in an exercise folder (its tests, test_*.py, and its "
    "driver.py) are skipped with a one-line note, so that `uv run checks stage "
    "exercises/05/*.py` judges your files only."
)
KIT_OWN = ("driver.py", "conftest.py")
"""Names of the kit's own programs in an exercise folder, beside its ``test_*.py``."""
JSON_HELP = "print one JSON object per file per line"


def _stage_record(given: str, run: Run) -> dict[str, object]:
    return {
        "file": given,
        "stage": run.stage.value,
        "error": run.error or None,
        "message": run.message,
        "line": run.line,
        "stdout": run.stdout,
    }


def _stage_text(given: str, run: Run, term: Terminal) -> str:
    lines = [f"{given}: {run.stage.value}"]
    if run.stage is not Stage.OK:
        said = f"{run.error}: {run.message}" if run.error else run.message
        lines.append(f"  {said}")
        if run.line:
            lines.append(f"  --> {term.link(f'{given}:{run.line}', Path(given), run.line)}")
        if run.source_line:
            lines.append(f"    {run.line} | {run.source_line}")
        from checks.judges import expect  # pytest comes with it: not on the table's path

        inside = expect.bracket_in_quotes(run)
        if inside:
            lines.append(f"  {inside}")
    if run.stage.started:
        label = "printed" if run.stage is Stage.OK else "printed before it stopped"
        if run.stdout:
            lines.append(f"  {label}:")
            lines.extend(f"    | {line}" for line in run.stdout.splitlines())
        else:
            lines.append(f"  {label}: nothing")
    return "\n".join(lines)


def kit_own(path: Path) -> str:
    """Why ``path`` is one of the kit's own files in an exercise folder, or ``""``."""
    name = path.name
    if not (name in KIT_OWN or (name.startswith("test_") and name.endswith(".py"))):
        return ""
    try:
        exercise = exercise_of(path)
    except ManifestError:
        return ""
    if exercise is None or path.resolve() != (exercise.folder / name).resolve():
        return ""
    if name in exercise.files:
        return ""
    what = "driver" if name in KIT_OWN else "tests"
    return (
        f"the kit's own {what} for exercise {exercise.number}, not a file of yours "
        f"(`{exercise.test_command}` runs them)"
    )


def cmd_stage(args: argparse.Namespace) -> int:
    """Judge each file given and print its stage."""
    status = 0
    term = terminal()
    given_files: list[str] = []
    for given in args.files:
        why = kit_own(Path(given))
        if why:
            print(f"checks stage: skipped {given}: {why}", file=sys.stderr)
        else:
            given_files.append(given)
    # Closed however the loop ends (Ctrl-C too), so that no throwaway copy is left behind.
    with contextlib.closing(run_files([Path(given) for given in given_files])) as runs:
        for given, run in zip(given_files, runs, strict=True):
            if isinstance(run, StudentFileError):
                print(f"checks stage: {run}", file=sys.stderr)
                status = USAGE_ERROR
                continue
            if args.json:
                print(json.dumps(_stage_record(given, run), ensure_ascii=False))
            else:
                print(_stage_text(given, run, term))
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="checks",
        description="Exercises for 'what happens when Python runs your file'.",
    )
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    stage = verbs.add_parser("stage", help=STAGE_HELP, description=STAGE_DESCRIPTION)
    stage.add_argument("files", nargs="+", metavar="FILE")
    stage.add_argument("--json", action="store_true", help=JSON_HELP)
    stage.set_defaults(handler=cmd_stage)
    study.register(verbs)
    doctor.register(verbs)
    grade.register(verbs)
    classroom50.register(verbs)
    classpage.register(verbs)
    dev.register(verbs)
    new.register(verbs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``checks`` command."""
    parser = _parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        handler = study.cmd_progress
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130


def console() -> None:
    """Entry point of the ``checks`` console script."""
    sys.exit(main())
