"""Gradescope's autograder zip: ``setup.sh`` and ``run_autograder`` beside the kit.

``checks gradescope-zip`` writes the zip Gradescope takes: the scripts from ``gradescope/`` at
its root (executable, LF line endings), beside the parts of the kit the autograder needs
(``ZIP_PARTS``), never ``solutions/`` or the kit's own tests. Classroom 50's bundle takes its
file list from ``bundle_entries`` too.

Imports only ``checks.grade.given`` (the exit status), ``checks.grade.take`` (the walk of a
folder), the vocabulary and the standard library.
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

from checks.grade.given import USAGE_ERROR
from checks.grade.take import inside, walk
from checks.manifest import KIT_ROOT

__all__ = [
    "DEFAULT_ZIP",
    "ZIP_HELP",
    "ZIP_PARTS",
    "ZIP_SCRIPTS",
    "build_gradescope_zip",
    "bundle_entries",
    "cmd_gradescope_zip",
]

ZIP_PARTS = (
    "pyproject.toml",
    "uv.lock",
    "README.md",
    "LICENSE",
    "conftest.py",
    "checks",
    "exercises",
)
"""The parts of the kit Gradescope's autograder needs (never ``solutions/`` or ``tests/``)."""

ZIP_SCRIPTS = ("setup.sh", "run_autograder")
"""The scripts from ``gradescope/`` that go to the zip's root, executable."""

DEFAULT_ZIP = Path("dist") / "gradescope-autograder.zip"

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)

ZIP_HELP = "build the autograder zip to upload to Gradescope (without solutions/)"


def bundle_entries(root: Path, parts: Sequence[str] = ZIP_PARTS) -> list[tuple[str, Path]]:
    """The files of the kit's ``parts`` an autograder takes, by their path in the kit (caches
    left out); never ``solutions/`` or the kit's own tests."""
    entries: list[tuple[str, Path]] = []
    for part in parts:
        path = root / part
        if path.is_file():
            entries.append((part, path))
        elif path.is_dir():
            entries += [(p.relative_to(root).as_posix(), p) for p in walk(path) if p.is_file()]
    if any(name.split("/")[0] in ("solutions", "tests") for name, _ in entries):
        msg = "an autograder must never hold solutions/ or tests/"
        raise RuntimeError(msg)
    return entries


def build_gradescope_zip(target: Path, root: Path = KIT_ROOT) -> list[str]:
    """Write the Gradescope autograder zip to ``target``; return the names it holds."""
    entries: list[tuple[str, Path, bool]] = [
        (name, root / "gradescope" / name, True) for name in ZIP_SCRIPTS
    ]
    entries += [(name, path, False) for name, path in bundle_entries(root)]
    names = [name for name, _, _ in entries]
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, path, executable in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100755 if executable else 0o100644) << 16
            data = path.read_bytes()
            if executable:
                data = data.replace(b"\r\n", b"\n")
            archive.writestr(info, data)
    return names


def cmd_gradescope_zip(args: argparse.Namespace) -> int:
    """Build Gradescope's autograder zip."""
    target = Path(args.out)
    holding = [part for part in ZIP_PARTS if inside(target.resolve(), (KIT_ROOT / part).resolve())]
    if holding:
        print(
            f"checks gradescope-zip: --out {target} is inside the kit's {holding[0]}, which the "
            "zip holds: choose a path outside it (the default is dist/)",
            file=sys.stderr,
        )
        return USAGE_ERROR
    missing = [n for n in ZIP_SCRIPTS if not (KIT_ROOT / "gradescope" / n).is_file()]
    if missing:
        print(f"checks gradescope-zip: gradescope/{missing[0]} is missing", file=sys.stderr)
        return USAGE_ERROR
    try:
        names = build_gradescope_zip(target)
    except OSError as error:
        print(f"checks gradescope-zip: cannot write {target}: {error}", file=sys.stderr)
        return USAGE_ERROR
    print(f"Wrote {target} ({len(names)} files). Upload it as the autograder of the assignment.")
    return 0
