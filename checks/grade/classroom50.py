"""Classroom 50: the autograder bundle a teacher commits, and the ``result.json`` it leaves.

``checks classroom50 --out DIR`` writes the folder a teacher commits as
``<classroom>/autograders/<slug>/``: ``autograder.py`` (from the kit's ``classroom50/`` folder,
standard library only) beside ``kit/``, the pristine kit without ``solutions/`` or its own
tests, and ``kit/classroom50.json`` (the maximum, for a result when the kit cannot run).
Classroom 50's runner runs ``python autograder.py`` in the student's checkout; the script
installs uv when it is missing, the kit's locked dependencies, and then runs
``python -m checks.grade.classroom50 CHECKOUT``, which grades the checkout exactly as
``checks grade`` does and writes ``result.json``, ``release-body.md`` and the ``status`` and
``summary`` outputs.

Classroom 50 takes whole points (``reports.whole_points``). One row per exercise; the total is
the kit's total rounded to the nearest point (half up), shared among the rows by largest
remainder (the earlier exercise first on a tie), so the rows add up to the total and each row
is its exercise's points rounded up or down. Where every exercise's score is whole (a solved,
an untouched or a half-solved copy) the figures are the kit's, exactly; the exact hundredths
are kept in each row's ``points`` field and in the release's table.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sys
import tarfile
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from checks import reports
from checks.manifest import KIT_ROOT
from checks.model import Grade, cents

__all__ = [
    "BUNDLE_CAP",
    "SCHEMA",
    "build_bundle",
    "cmd_classroom50",
    "main",
    "packed_size",
    "register",
    "release_body",
    "result",
    "status_and_summary",
    "write_outputs",
]

SCHEMA = "classroom50/result/v1"
"""The schema of the ``result.json`` Classroom 50's runner reads."""

BUNDLE_CAP = 10 * 1024 * 1024
"""Bytes of the packed bundle Classroom 50 fetches at most."""

BUNDLE_PARTS = (
    "pyproject.toml",
    "uv.lock",
    "README.md",
    "LICENSE",
    "conftest.py",
    "checks",
    "exercises",
)
"""The parts of the kit the bundle holds (never ``solutions/`` or the kit's own tests)."""

AUTOGRADER = KIT_ROOT / "classroom50" / "autograder.py"
"""The script Classroom 50 runs, copied to the bundle's root."""

BUNDLE_INFO = "classroom50.json"
"""What ``autograder.py`` needs to know when the kit cannot run: the maximum, the exercises."""

RESULT = "result.json"
RELEASE_BODY = "release-body.md"
GRADE_TIMEOUT = 480.0
"""Seconds the student's tests may take in all: Classroom 50's job stops at 15 minutes."""

MESSAGE_LINES = 40
"""Lines of one failure message shown in the release body."""

CLASSROOM50_HELP = "write the Classroom 50 autograder bundle (autograder.py and the kit)"


def packed_size(folder: Path) -> int:
    """The bytes of ``folder`` packed as a tar.gz, as Classroom 50 publishes it."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(folder, arcname=".")
    return buffer.tell()


def build_bundle(out: Path, root: Path = KIT_ROOT) -> int:
    """Write the bundle folder to ``out`` (emptied first); return its packed size in bytes."""
    from checks.grade.bundle import bundle_entries  # the same file list as Gradescope's zip

    if out.exists():
        shutil.rmtree(out)
    kit = out / "kit"
    kit.mkdir(parents=True)
    for name, path in bundle_entries(root, BUNDLE_PARTS):
        target = kit / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    shutil.copyfile(root / "classroom50" / AUTOGRADER.name, out / AUTOGRADER.name)
    exercises, _ = reports.kit_exercises(root)
    rows = [{"number": e.number, "title": e.title, "points": e.points} for e in exercises]
    maximum = round(sum(cents(e.points) for e in exercises) / 100)
    info = {"max-score": maximum, "exercises": rows}
    (kit / BUNDLE_INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    size = packed_size(out)
    if size > BUNDLE_CAP:
        msg = f"the bundle packs to {size} bytes, over Classroom 50's {BUNDLE_CAP}"
        raise ValueError(msg)
    return size


def result(grade: Grade, env: Mapping[str, str]) -> dict[str, Any]:
    """Classroom 50's ``result.json`` for a grade: one row per exercise, whole points."""
    scores = reports.whole_points([cents(r.score) for r in grade.exercises])
    maxima = reports.whole_points([cents(r.max_score) for r in grade.exercises])
    tests: list[dict[str, Any]] = []
    for row, score, most in zip(grade.exercises, scores, maxima, strict=True):
        tests.append(
            {
                "test-name": f"{row.exercise.number} {row.exercise.title}",
                "passed": row.passed,
                "score": min(score, most),
                "max-score": most,
                "points": row.score,
                "max-points": row.max_score,
            }
        )
    commit = env.get("COMMIT_URL", "")
    return {
        "schema": SCHEMA,
        "classroom": env.get("CLASSROOM", ""),
        "assignment": env.get("ASSIGNMENT", ""),
        "assignment_type": env.get("ASSIGNMENT_TYPE", "") or "individual",
        "owner": env.get("OWNER", "") or env.get("USERNAME", ""),
        "submission": env.get("SUBMISSION_TAG", ""),
        "commit": commit,
        "release": env.get("RELEASE_URL", ""),
        "review": env.get("REVIEW_URL", "") or commit,
        "score": sum(t["score"] for t in tests),
        "max-score": sum(t["max-score"] for t in tests),
        "tests": tests,
        "points": grade.score,
        "max-points": grade.max_score,
        "complete": grade.complete,
        "notes": grade.notes,
    }


def status_and_summary(data: Mapping[str, Any]) -> tuple[str, str]:
    """The commit status (``success`` or ``failure``) and the one-line summary of a result."""
    tests: list[dict[str, Any]] = list(data.get("tests", []))
    passed = sum(1 for test in tests if test.get("passed"))
    status = "success" if tests and passed == len(tests) else "failure"
    summary = (
        f"{data.get('score', 0)}/{data.get('max-score', 0)} points "
        f"({passed} of {len(tests)} exercises passed)"
    )
    return status, summary


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def release_body(grade: Grade, data: Mapping[str, Any]) -> str:
    """The Markdown of the submission's release: the table, then each failure's message."""
    _, summary = status_and_summary(data)
    lines = [f"### {summary}", "", "| Exercise | Result | Points | Exact |", "|---|---|---|---|"]
    for row, test in zip(grade.exercises, data.get("tests", []), strict=True):
        mark = "passed" if test["passed"] else "not yet"
        exact = f"{row.score:.2f} / {row.max_score:.2f}"
        lines.append(
            f"| {_cell(test['test-name'])} | {mark} | {test['score']} / {test['max-score']} "
            f"| {exact} |"
        )
    if grade.notes:
        lines += ["", "**Notes**", ""]
        for note in grade.notes:
            first, *rest = note.strip().splitlines() or [""]
            lines.append(f"- {first}")
            lines += [f"  - {more.strip()}" for more in rest if more.strip()]
    for row in grade.exercises:
        failed = [t for t in row.tests if cents(t.score) < cents(t.max_score) or not t.max_score]
        failed = [t for t in failed if t.message.strip()]
        if not failed:
            continue
        lines += ["", f"#### {row.exercise.number} {row.exercise.title}", ""]
        for test in failed:
            message = test.message.strip().splitlines()
            shown = message[:MESSAGE_LINES]
            if len(message) > len(shown):
                shown.append(f"[... {len(message) - len(shown)} more lines]")
            fence = "````" if any("```" in line for line in shown) else "```"
            lines += [f"`{test.name}`", "", fence, *shown, fence, ""]
    return "\n".join(lines).rstrip() + "\n"


def _grade_checkout(checkout: Path, scratch: Path, jobs: int) -> Grade:
    """Grade one checkout with ``checks grade`` and read the grade it wrote."""
    from checks.grade import grade_command

    out = scratch / "grades"
    args = [str(checkout), "--out", str(out), "--jobs", str(jobs)]
    status = grade_command([*args, "--timeout", f"{GRADE_TIMEOUT:g}"])
    written = sorted(out.glob("*/results.json"))
    if status != 0 or len(written) != 1:
        msg = f"checks grade ended with status {status} and wrote {len(written)} report(s)"
        raise RuntimeError(msg)
    exercises, _ = reports.kit_exercises(KIT_ROOT)
    data = json.loads(written[0].read_text(encoding="utf-8"))
    return reports.from_gradescope(data, exercises)


def write_outputs(grade: Grade, into: Path, env: Mapping[str, str]) -> dict[str, Any]:
    """Write ``result.json``, ``release-body.md`` and the step outputs for a grade."""
    data = result(grade, env)
    reports.write_json(into / RESULT, data)
    (into / RELEASE_BODY).write_text(release_body(grade, data), encoding="utf-8")
    status, summary = status_and_summary(data)
    outputs = env.get("GITHUB_OUTPUT", "")
    if outputs:
        with Path(outputs).open("a", encoding="utf-8") as handle:
            handle.write(f"status={status}\nsummary={summary}\n")
    return data


def main(argv: Sequence[str] | None = None) -> int:
    """Grade a student's checkout for Classroom 50 (run by the bundle's ``autograder.py``)."""
    parser = argparse.ArgumentParser(prog="python -m checks.grade.classroom50")
    parser.add_argument("checkout", type=Path)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    checkout = Path(args.checkout).resolve()
    with tempfile.TemporaryDirectory(prefix="checks-classroom50-") as scratch:
        grade = _grade_checkout(checkout, Path(scratch), max(1, args.jobs))
    data = write_outputs(grade, checkout, os.environ)
    print(f"Classroom 50: {data['score']} / {data['max-score']} points.")
    return 0


def cmd_classroom50(args: argparse.Namespace) -> int:
    """Write the Classroom 50 bundle folder."""
    out = Path(args.out).resolve()
    if _inside_kit(out):
        print(f"checks classroom50: --out {args.out} lies inside the kit", file=sys.stderr)
        return 2
    try:
        size = build_bundle(out)
    except (OSError, ValueError) as error:
        print(f"checks classroom50: cannot write {args.out}: {error}", file=sys.stderr)
        return 2
    print(
        f"Wrote {out} ({size / 1024:.0f} KiB packed). Commit it as "
        "<classroom>/autograders/<assignment>/ in your Classroom 50 repository."
    )
    return 0


def _inside_kit(out: Path) -> bool:
    parts = {KIT_ROOT / part for part in (*BUNDLE_PARTS, "classroom50")}
    return out == KIT_ROOT or any(out == p or p in out.parents for p in parts)


def register(verbs: Any) -> None:  # argparse keeps the type of `verbs` private
    """Add ``checks classroom50`` to the ``checks`` command."""
    verb = verbs.add_parser("classroom50", help=CLASSROOM50_HELP, description=CLASSROOM50_HELP)
    verb.add_argument("--out", required=True, metavar="DIR", help="the bundle folder to write")
    verb.set_defaults(handler=cmd_classroom50)


if __name__ == "__main__":
    sys.exit(main())
