"""Read each exercise's manifest (``exercises/NN/exercise.toml``): the one source of its title,
goal, student files, points, type-checked files and hints for the plugin, the CLI and grading.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

from checks.model import Exercise

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "DEFAULT_POINTS",
    "KIT_ROOT",
    "MANIFEST",
    "ManifestError",
    "exercise_of",
    "load_all",
    "load_exercise",
]

MANIFEST = "exercise.toml"
DEFAULT_POINTS = 10.0
KIT_ROOT = Path(__file__).resolve().parent.parent


class ManifestError(Exception):
    """An exercise's manifest is missing or says something the kit cannot use."""


def _inside_names(names: tuple[str, ...], key: str, where: Path) -> tuple[str, ...]:
    """``names`` if each stays inside the exercise's folder; ManifestError naming one that does not."""
    for name in names:
        parts = name.replace("\\", "/").split("/")
        if not name.strip() or name.startswith(("/", "\\")) or ":" in parts[0] or ".." in parts:
            msg = (
                f"{where}: the `{key}` entry {name!r} leads outside the exercise's folder; "
                "name a file inside it (no `..`, no absolute path), then try again."
            )
            raise ManifestError(msg)
    return names


def _strings(data: dict[str, object], key: str, where: Path) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):  # pyright: ignore[reportUnknownVariableType]
        msg = f"{where}: `{key}` must be a list of strings."
        raise ManifestError(msg)
    return tuple(str(v) for v in value)  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]


def load_exercise(folder: Path) -> Exercise:
    """Read the manifest in ``folder`` (parsed again only when its bytes have changed)."""
    where = folder / MANIFEST
    try:
        raw = where.read_bytes()
    except FileNotFoundError:
        msg = f"{where} is missing: every exercise folder needs its manifest."
        raise ManifestError(msg) from None
    except OSError as error:
        msg = f"{where} cannot be read: {error}"
        raise ManifestError(msg) from None
    return _parse(folder, raw)


@functools.lru_cache(maxsize=64)
def _parse(folder: Path, raw: bytes) -> Exercise:
    where = folder / MANIFEST
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        msg = f"{where} cannot be read: {error}"
        raise ManifestError(msg) from None
    for key in ("title", "goal"):
        if not isinstance(data.get(key), str) or not data[key]:
            msg = f"{where}: `{key}` must be a non-empty string."
            raise ManifestError(msg)
    files = _inside_names(_strings(data, "files", where), "files", where)
    if not files:
        msg = f"{where}: `files` must name at least one file the student edits."
        raise ManifestError(msg)
    points = data.get("points", DEFAULT_POINTS)
    if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
        msg = f"{where}: `points` must be a number of at least 0."
        raise ManifestError(msg)
    return Exercise(
        number=folder.name,
        folder=folder,
        title=str(data["title"]),
        goal=str(data["goal"]),
        files=files,
        points=float(points),
        typecheck=_inside_names(_strings(data, "typecheck", where), "typecheck", where),
        hints=_strings(data, "hints", where),
        starter_fails_with=_strings(data, "starter_fails_with", where),
    )


def load_all(root: Path = KIT_ROOT) -> list[Exercise]:
    """Every exercise of the kit at ``root``, in order."""
    folders = sorted(p for p in (root / "exercises").iterdir() if (p / MANIFEST).exists())
    return [load_exercise(folder) for folder in folders]


def exercise_of(path: Path, root: Path = KIT_ROOT) -> Exercise | None:
    """The exercise a path (a test file, a student file) belongs to, if any."""
    exercises = (root / "exercises").resolve()
    resolved = path.resolve()
    if exercises not in resolved.parents:
        return None
    number = resolved.relative_to(exercises).parts[0]
    return load_exercise(exercises / number)
