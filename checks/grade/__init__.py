"""Grading verbs of the ``checks`` command: grade a whole class, and build Gradescope's zip.

``checks grade SUBMISSION... --out DIR`` grades each student's copy of the kit with this kit's
own tests, never the student's. From each submission only the files the manifests list
(``Exercise.files``) are copied, into a fresh folder that holds nothing else; this kit's tests
check them (``pytest exercises --submission <that folder>``) and write the submission's
``results.json``. Anything else the student changed (tests, ``conftest.py``, ``checks/``,
manifests) is never run: it is compared with the kit and listed in the report. A submission
that cannot be graded (empty, not a kit, a run that never finished) gets its row with 0 and
the reason. Grading never writes into a submission, nor into the kit.

What a teacher hands it is input too: a manifest that cannot load stops the run before the
first student; one run at a time holds ``--out`` (a lock); every report is written to a staging
folder in ``--out`` and moved into place at the end (see ``staging``), so that an interrupted run
(Ctrl-C, exit 130) leaves the previous output whole, and no temporary folder or process behind.
Names are data: one that is not UTF-8 is written escaped (``\\xNN``), and what cannot be read
(a path past the system's limit, a named pipe) is left out with a note.

The batch is built for speed: a few long-lived pytest processes (``workers``, one per core
the machine lets it use, and one more from two cores on: ``default_jobs``) check one
submission after another; pyright runs once over the typed files of the whole class while the
workers start; all of them share one cache of findings and verdicts, kept by content, for this
batch only; and a submission whose files are another's, byte for byte, takes that one's
verdicts when nothing in its run was stopped. A submission past ``--timeout`` is stopped as
Ctrl-C stops pytest (what ran keeps its points) and its worker is replaced.

``checks gradescope-zip`` builds the autograder zip Gradescope takes: ``setup.sh`` and
``run_autograder`` from ``gradescope/`` at its root, beside the kit (without ``solutions/``).

The folder, a module a concept (each imports only those before it): ``take`` (a submission's
student files, and what it changed outside them), ``workers`` (the long-lived pytest processes,
seen from the parent; ``worker`` is the process itself), ``given`` (the command's input),
``batch`` (preparing and grading each submission), ``staging`` (the lock, the staging folder and
publishing), ``bundle`` (Gradescope's zip), ``classroom50`` (Classroom 50's grading). This
module holds only the verbs and imports the rest when a verb runs: ``python -m
checks.grade.worker`` imports it first, and must not pay for the batch.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

__all__ = ["GRADE_TIMEOUT", "cmd_grade", "default_jobs", "grade_command", "register"]

GRADE_TIMEOUT = 600.0
"""Seconds one submission's tests may take in all before the run is stopped."""

GRADE_HELP = "grade students' copies of the kit with the kit's own tests"
GRADE_DESCRIPTION = (
    "Grade each SUBMISSION (a student's copy of the kit, a folder) with this kit's own tests: "
    "only the files each exercise's manifest lists are taken from it. Writes DIR/grades.csv, "
    "DIR/<student>/results.json (Gradescope's format), DIR/<student>/report.txt and the "
    "class page DIR/report.html."
)


def default_jobs() -> int:
    """Submissions graded at once when ``--jobs`` is not given: one per core this process may
    keep busy (its affinity and its container's CPU quota: ``usable_cores``), and one more from
    two cores on. A worker spends part of each run waiting for the run's process to start and
    end; the one more keeps every core busy meanwhile (a class of 20 on two cores: about 6% less
    time than with two workers). On one core a second worker only shares it, and each
    submission takes longer against its ``--timeout``."""
    from checks.run.limits import usable_cores

    cores = usable_cores()
    return cores + 1 if cores > 1 else 1


def cmd_grade(args: argparse.Namespace) -> int:
    """Grade every submission given, in parallel, and write the gradebook."""
    from checks import reports
    from checks.grade import given, staging
    from checks.manifest import KIT_ROOT
    from checks.run import sandbox

    out = Path(args.out).resolve()
    exercises, problems = reports.kit_exercises(KIT_ROOT)
    if problems:
        # A kit that cannot load would grade every student 0: stop before the first.
        said = problems[0].rstrip(".")
        print(f"checks grade: {said}; fix it, then grade again", file=sys.stderr)
        return given.USAGE_ERROR
    submissions = given.submissions(args.submissions)
    problem = ""
    if args.jobs is not None and args.jobs < 1:
        problem = "--jobs must be 1 or more"
    elif not 0 < args.timeout < math.inf:
        problem = f"--timeout must be a number of seconds above 0, not {args.timeout:g}"
    problem = problem or given.check_input(submissions, args.submissions, out)
    if not problem and args.sandbox == "require" and not sandbox.confined(sandbox.probe()):
        why = sandbox.probe().removeprefix("not confined: ")
        problem = f"--sandbox=require, but this system cannot confine student programs: {why}"
    if problem:
        print(f"checks grade: {problem}", file=sys.stderr)
        return given.USAGE_ERROR
    jobs = args.jobs or default_jobs()
    try:
        with staging.locked(out):
            return staging.grade_into(out, submissions, exercises, jobs, args.timeout, args.sandbox)
    except staging.BusyError as busy:
        print(f"checks grade: {busy}", file=sys.stderr)
        return given.USAGE_ERROR


def grade_command(argv: Sequence[str]) -> int:
    """Run ``checks grade`` with these arguments, parsed as the command line parses them."""
    import argparse

    parser = argparse.ArgumentParser(prog="checks")
    register(parser.add_subparsers(dest="verb"))
    return cmd_grade(parser.parse_args(["grade", *argv]))


def register(verbs: Any) -> None:  # argparse keeps the type of `verbs` private
    """Add this module's verbs to the ``checks`` command."""
    from checks.grade.bundle import DEFAULT_ZIP, ZIP_HELP, cmd_gradescope_zip
    from checks.run import sandbox

    grade = verbs.add_parser("grade", help=GRADE_HELP, description=GRADE_DESCRIPTION)
    grade.add_argument("submissions", nargs="+", metavar="SUBMISSION")
    grade.add_argument("--out", required=True, metavar="DIR", help="where the reports go")
    grade.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="submissions graded at once (default: one per core it may use, one more from two)",
    )
    grade.add_argument(
        "--timeout",
        type=float,
        default=GRADE_TIMEOUT,
        metavar="SECONDS",
        help=f"time one submission's tests may take in all (default: {GRADE_TIMEOUT:g})",
    )
    grade.add_argument(
        "--sandbox", choices=sandbox.MODES, default=sandbox.DEFAULT_MODE, help=sandbox.SANDBOX_HELP
    )
    grade.set_defaults(handler=cmd_grade)
    bundle = verbs.add_parser("gradescope-zip", help=ZIP_HELP, description=ZIP_HELP)
    bundle.add_argument(
        "--out", default=str(DEFAULT_ZIP), metavar="PATH", help=f"default: {DEFAULT_ZIP}"
    )
    bundle.set_defaults(handler=cmd_gradescope_zip)
