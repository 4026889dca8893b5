"""Classroom 50 autograder for "what happens when Python runs your file".

Classroom 50's runner runs ``python autograder.py`` with its own Python, in the student's
checkout, with the bundle's folder in ``CLASSROOM50_BUNDLE_DIR``. This script needs nothing but
the standard library: it finds uv (or installs it from PyPI into a scratch folder: with pip, or from uv's wheel
when this Python has no pip),
installs the kit's locked dependencies into a scratch environment, and runs the pristine kit in
``kit/`` on the checkout (``python -m checks.grade.classroom50``), which writes ``result.json``,
``release-body.md`` and the ``status``/``summary`` step outputs. Nothing else in the checkout is
written. When the kit itself cannot run, ``result.json`` still says 0 of the maximum, with the
reason, and the script exits 0: grading ran, and the submission is recorded.

Built by ``uv run checks classroom50 --out DIR``; edit the kit, not the bundle.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

SCHEMA = "classroom50/result/v1"
INSTALL_TIMEOUT = 300
"""Seconds installing uv, or the kit's dependencies, may take."""
GRADE_TIMEOUT = 600
"""Seconds the kit may take to grade, past its own limit on the tests (480)."""
PYPI_UV = "https://pypi.org/pypi/uv/json"
"""Where uv's wheels are listed, for a Python without pip."""
LOG_TAIL = 3000
"""Characters of a failed step's output kept in the reason."""


def bundle_dir() -> Path:
    """The bundle's folder: Classroom 50 names it; else the one this script is in."""
    given = os.environ.get("CLASSROOM50_BUNDLE_DIR", "").strip()
    return Path(given) if given else Path(__file__).resolve().parent


class CannotGrade(Exception):
    """The kit could not run: the message says why."""


def run(command: list[str], env: dict[str, str], timeout: int, cwd: Path | None = None) -> str:
    """Run one step; its output, or CannotGrade with the end of it."""
    try:
        done = subprocess.run(
            command,
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise CannotGrade(f"{command[0]} could not run: {error}") from None
    output = done.stdout + done.stderr
    print(output, end="", flush=True)
    if done.returncode != 0:
        raise CannotGrade(
            f"`{' '.join(command[:3])} ...` ended with status {done.returncode}:\n"
            + output[-LOG_TAIL:]
        )
    return output


def _wheel_matches(name: str) -> bool:
    """Whether a uv wheel's file name is for this machine."""
    machine = platform.machine().lower()
    machine = {"amd64": "x86_64", "arm64": "aarch64" if sys.platform == "linux" else "arm64"}.get(
        machine, machine
    )
    if sys.platform == "linux":
        libc = "manylinux" if platform.libc_ver()[0] == "glibc" else "musllinux"
        return libc in name and name.endswith(f"_{machine}.whl")
    if sys.platform == "darwin":
        return "macosx" in name and (machine in name or "universal2" in name)
    if sys.platform == "win32":
        return name.endswith({"x86_64": "win_amd64.whl"}.get(machine, f"win_{machine}.whl"))
    return False


def uv_from_pypi(target: Path) -> Path:
    """uv's program, unpacked from its wheel on PyPI (for a Python without pip)."""
    try:
        with urllib.request.urlopen(PYPI_UV, timeout=60) as answer:
            files, listed_at = json.load(answer)["urls"], answer.geturl()
        wheel = next(f for f in files if _wheel_matches(f["filename"]))
        url = urllib.parse.urljoin(listed_at, wheel["url"])  # a mirror may list relative ones
        with urllib.request.urlopen(url, timeout=INSTALL_TIMEOUT) as answer:
            data = answer.read()
    except (OSError, ValueError, KeyError, StopIteration) as error:
        raise CannotGrade(f"uv could not be fetched from PyPI: {error!r}") from None
    if hashlib.sha256(data).hexdigest() != wheel["digests"]["sha256"]:
        raise CannotGrade("the uv wheel from PyPI does not match its published digest")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in archive.namelist():
            if member.endswith(("/scripts/uv", "/scripts/uv.exe")):
                binary = target / Path(member).name
                target.mkdir(parents=True, exist_ok=True)
                binary.write_bytes(archive.read(member))
                binary.chmod(0o755)
                return binary
    raise CannotGrade("the uv wheel from PyPI holds no uv program")


def find_uv(scratch: Path, env: dict[str, str]) -> str:
    """uv from PATH, or installed from PyPI: with this Python's pip, else from its wheel."""
    found = shutil.which("uv")
    if found:
        return found
    target = scratch / "uv-install"
    has_pip = subprocess.run(
        [sys.executable, "-m", "pip", "--version"], capture_output=True, check=False, env=env
    )
    if has_pip.returncode != 0:
        return str(uv_from_pypi(target))
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    run([*pip, "--target", str(target), "uv"], env, INSTALL_TIMEOUT)
    for name in ("uv", "uv.exe"):
        binary = target / "bin" / name
        if binary.is_file():
            return str(binary)
    raise CannotGrade("pip installed uv, but its program is not where pip puts it")


def fallback(reason: str, kit: Path) -> dict[str, object]:
    """A result that says 0 of the kit's maximum, and why."""
    try:
        info = json.loads((kit / "classroom50.json").read_text(encoding="utf-8"))
        rows = list(info["exercises"])
        maximum = int(info["max-score"])
    except (OSError, ValueError, KeyError, TypeError):
        rows, maximum = [], 0
    tests = [
        {
            "test-name": f"{row['number']} {row['title']}",
            "passed": False,
            "score": 0,
            "max-score": round(float(row["points"])),
        }
        for row in rows
    ]
    if tests:
        tests[-1]["max-score"] += maximum - sum(int(t["max-score"]) for t in tests)
    env = os.environ
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
        "score": 0,
        "max-score": maximum,
        "tests": tests,
        "complete": False,
        "notes": [f"The kit could not grade this submission: {reason}"],
    }


def write_fallback(reason: str, kit: Path, checkout: Path) -> None:
    """Write the result, the release body and the outputs of a run that could not grade."""
    data = fallback(reason, kit)
    (checkout / "result.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    body = (
        f"### 0/{data['max-score']} points: the kit could not grade this submission\n\n"
        f"```\n{reason.strip()}\n```\n\nYour teacher can see the whole log in the workflow run.\n"
    )
    (checkout / "release-body.md").write_text(body, encoding="utf-8")
    outputs = os.environ.get("GITHUB_OUTPUT", "")
    if outputs:
        with Path(outputs).open("a", encoding="utf-8") as handle:
            handle.write(f"status=error\nsummary=0/{data['max-score']} points (grading failed)\n")


def grade(kit: Path, checkout: Path, scratch: Path) -> None:
    """Install what the kit needs, then let the kit grade the checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "VIRTUAL_ENV"))}
    env["UV_PROJECT_ENVIRONMENT"] = str(scratch / "venv")
    env.setdefault("UV_CACHE_DIR", str(scratch / "uv-cache"))
    env["UV_PYTHON"] = sys.executable
    env["UV_PYTHON_DOWNLOADS"] = "never"
    uv = find_uv(scratch, env)
    project = ["--project", str(kit), "--frozen", "--no-dev"]
    run([uv, "sync", *project], env, INSTALL_TIMEOUT, cwd=kit)
    command = [uv, "run", *project, "python", "-m", "checks.grade.classroom50", str(checkout)]
    run(command, env, GRADE_TIMEOUT, cwd=kit)
    if not (checkout / "result.json").is_file():
        raise CannotGrade("the kit ran but wrote no result.json")


def main() -> int:
    """Grade the checkout in the working folder; exit 0 whenever a result was written."""
    checkout = Path.cwd().resolve()
    kit = bundle_dir() / "kit"
    base = os.environ.get("RUNNER_TEMP", "").strip() or None
    for stale in ("result.json", "release-body.md"):  # never a result the student committed
        (checkout / stale).unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="checks-classroom50-", dir=base) as scratch:
        try:
            if not (kit / "pyproject.toml").is_file():
                raise CannotGrade(f"the bundle has no kit at {kit}")
            grade(kit, checkout, Path(scratch))
        except CannotGrade as error:
            print(f"autograder: {error}", file=sys.stderr)
            write_fallback(str(error), kit, checkout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
