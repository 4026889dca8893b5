"""Read each exercise's manifest (``exercises/NN/exercise.toml``): the one source of its title,
goal, student files, points, type-checked files and hints for the plugin, the CLI and grading.
"""

from __future__ import annotations

import difflib
import functools
import sys
from dataclasses import dataclass
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
    "SCHEMA",
    "VISIBILITIES",
    "Key",
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


@dataclass(frozen=True)
class Key:
    """One key a manifest may hold: its name, the kind of value, whether it must be there."""

    name: str
    kind: str
    """The value's kind in a teacher's words (``text``, ``list of text``...)."""
    required: bool
    meaning: str


SCHEMA = (
    Key("title", "text", True, "the exercise's title, shown in the progress table and reports"),
    Key("goal", "text", True, "one line: what passing means, shown beside the next exercise"),
    Key(
        "files",
        "list of text",
        True,
        "the files (or folders, ending in `/`) the student edits: the only ones graded",
    ),
    Key("points", "number", False, "what the exercise is worth (10 when not given)"),
    Key("typecheck", "list of text", False, "the student files pyright checks"),
    Key("hints", "list of text", False, "hints, one more each time `checks hint NN` is asked"),
    Key(
        "stop_hints",
        "whole number",
        False,
        "how many of the first hints are about a file that still stops at a stage (watch skips "
        "them once it no longer stops; 0 when not given)",
    ),
    Key(
        "starter_fails_with",
        "list of text",
        False,
        "words the starter's failure output must show: the reason its README gives",
    ),
    Key(
        "visibility",
        "text, or a table of test names to text",
        False,
        f"Gradescope's visibility of the tests: one of {', '.join(VISIBILITIES)}",
    ),
)
"""Every key an ``exercise.toml`` may hold; any other key is refused, named with the nearest."""


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
        msg = (
            f'{where}: `{key}` must be a list of text in quotes, such as {key} = ["a.py"], '
            f"not {value!r}; write it so, then try again."
        )
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


def _known_keys(data: dict[str, object], where: Path) -> None:
    """ManifestError naming the first key the schema does not know, and the key it resembles."""
    names = [key.name for key in SCHEMA]
    for key in data:
        if key in names:
            continue
        near = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
        if near:
            msg = f"{where}: unknown key `{key}`; did you mean `{near[0]}`? Rename it, then try again."
        else:
            msg = (
                f"{where}: unknown key `{key}`; a manifest may hold only "
                f"{', '.join(f'`{n}`' for n in names)}. Remove it, then try again."
            )
        raise ManifestError(msg)
    for key in SCHEMA:
        if key.required and key.name not in data:
            msg = f"{where}: `{key.name}` is missing; add {key.name} = ... ({key.meaning})."
            raise ManifestError(msg)


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
    _known_keys(data, where)
    for key in ("title", "goal"):
        if not isinstance(data.get(key), str) or not data[key]:
            msg = (
                f'{where}: `{key}` must be text in quotes, such as {key} = "...", not '
                f"{data[key]!r}; write it so, then try again."
            )
            raise ManifestError(msg)
    files = _inside_names(_strings(data, "files", where), "files", where)
    if not files:
        msg = f"{where}: `files` must name at least one file the student edits."
        raise ManifestError(msg)
    points = data.get("points", DEFAULT_POINTS)
    if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
        msg = (
            f"{where}: `points` must be a number of at least 0, such as points = 10, "
            f"not {points!r}; write it so, then try again."
        )
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
