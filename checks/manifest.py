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
    "VISIBILITIES",
    "ManifestError",
    "exercise_of",
    "load_all",
    "load_exercise",
]

MANIFEST = "exercise.toml"
DEFAULT_POINTS = 10.0
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
"""Gradescope's visibilities a manifest may give a test (``visibility``)."""
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


def _visibility(data: dict[str, object], where: Path) -> tuple[tuple[str, str], ...]:
    """Gradescope's visibility of the exercise's tests: ``visibility = "hidden"`` for all of
    them, or a table of test names (``[visibility]``, ``test_x = "after_due_date"``)."""
    value = data.get("visibility", {})
    table: dict[str, object] = {"*": value} if isinstance(value, str) else {}
    if isinstance(value, dict):
        table = {str(k): v for k, v in value.items()}  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
    elif not isinstance(value, str):
        table = {"": None}
    for name, seen in table.items():
        if seen not in VISIBILITIES:
            msg = (
                f"{where}: `visibility` must be one of {', '.join(VISIBILITIES)}, or a table of "
                f"test names to one of them{f' (not {seen!r} for {name})' if name else ''}."
            )
            raise ManifestError(msg)
    return tuple((name, str(seen)) for name, seen in table.items())


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
    hints = _strings(data, "hints", where)
    stop_hints = data.get("stop_hints", 0)
    if isinstance(stop_hints, bool) or not isinstance(stop_hints, int):
        stop_hints = -1
    if not 0 <= stop_hints <= len(hints):
        msg = f"{where}: `stop_hints` must be a whole number from 0 to {len(hints)} (the hints)."
        raise ManifestError(msg)
    return Exercise(
        number=folder.name,
        folder=folder,
        title=str(data["title"]),
        goal=str(data["goal"]),
        files=files,
        points=float(points),
        typecheck=_inside_names(_strings(data, "typecheck", where), "typecheck", where),
        hints=hints,
        stop_hints=stop_hints,
        starter_fails_with=_strings(data, "starter_fails_with", where),
        visibility=_visibility(data, where),
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
