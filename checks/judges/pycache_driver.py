"""Exercise 07's driver, run on the student's files: what their functions returned, as data.

The student's ``pycache.py`` and ``answers.py`` run in the kit's driver
(``exercises/07/driver.py``), in a child like every student run (``run_file``: a throwaway
copy, a timeout, limits). It reads a request laid beside it (which functions to call, on which
sample files), calls the student's functions and sends one record on the sealed channel
(``Probe.report``, ``checks/child/seal.py``), which nothing the student's code prints, patches
or registers can write: a run whose records were tampered with fails the test, saying so.
This module runs it once for each question (two checks that ask the same question of the same
files share one run), notes which sample files the run changed, and decodes the report into
``Report`` and ``Returned``; the judges in ``checks.judges.pycache`` word the verdicts.

It imports the vocabulary (``checks.cache``, ``checks.model``), the parent side of a run
(``checks.run.program``), the attempt, the probes' reading of the channel
(``checks.judges.probe``) and the samples (``checks.judges.pyc``), nothing above.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from checks.cache import digest_path
from checks.judges.attempt import Attempt
from checks.judges.probe import read_facts
from checks.judges.pyc import Samples
from checks.model import Run
from checks.run.cache import was_stopped
from checks.run.program import run_file

__all__ = [
    "DRIVER",
    "REQUEST",
    "Report",
    "Returned",
    "as_dict",
    "drive",
]

DRIVER = "driver.py"
"""The kit's driver in ``exercises/07``: calls the student's functions, reports what they gave."""

REQUEST = "request.json"
"""The file laid beside the driver that says what to try and on which files."""


def as_dict(value: object) -> dict[str, object]:
    """A JSON object as a dict; an empty one for anything else."""
    return cast("dict[str, object]", value) if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Returned:
    """What one call of a student's function gave: a value as the driver encoded it, or an error.

    The driver encodes a value as ``{"bool": ...}``, ``{"int": ...}``, ``{"bytes": hex}``,
    ``{"str": ...}``, ``{"path": ...}``, ``{"fields": {...}}`` (a header) or
    ``{"type": ..., "repr": ...}`` (anything else).
    """

    value: dict[str, object] | None
    error: str | None

    @classmethod
    def decode(cls, item: object) -> Returned:
        """One call's answer from the driver's JSON; neither value nor error if it gave none."""
        answer = as_dict(item)
        error = answer.get("error")
        return cls(
            value=as_dict(answer["value"]) if "value" in answer else None,
            error=error if isinstance(error, str) else None,
        )

    def shown(self) -> str:
        """The value as a message shows it."""
        return _shown(self.value) if self.value is not None else "nothing"


@dataclass(frozen=True)
class Report:
    """What the driver said about one check of the student's files."""

    run: Run
    data: dict[str, object]

    def load_error(self, module: str) -> str | None:
        """Why ``module`` (``pycache`` or ``answers``) could not be imported, if it could not."""
        error = as_dict(self.data.get(module)).get("error")
        return error if isinstance(error, str) else None

    def calls(self, key: str, count: int) -> list[Returned]:
        """What each of ``count`` calls of one function gave, in the order of the request."""
        found = self.data.get(key)
        items = cast("list[object]", found) if isinstance(found, list) else []
        return [Returned.decode(items[i] if i < len(items) else None) for i in range(count)]

    def deeds(self) -> list[tuple[str, str]]:
        """What the student's functions did beyond reading (compiled, wrote...), by function."""
        found: list[tuple[str, str]] = []
        for key, name in _CALLED.items():
            calls = self.data.get(key)
            for call in cast("list[object]", calls) if isinstance(calls, list) else []:
                did = as_dict(call).get("did")
                for deed in cast("list[object]", did) if isinstance(did, list) else []:
                    if (name, str(deed)) not in found:
                        found.append((name, str(deed)))
        return found

    def constant(self, name: str) -> Returned:
        """The value of a constant in ``answers.py``."""
        return Returned.decode(as_dict(self.data.get("answers")).get(name))


_CALLED = {
    "cache_path": "cache_path",
    "other_cache_path": "cache_path",
    "read_header": "read_header",
    "is_stale": "is_stale",
}
"""The driver's report keys that hold calls of the student's functions, and whose calls."""


def _shown(value: dict[str, object]) -> str:
    if "fields" in value:
        fields = as_dict(value["fields"])
        inner = ", ".join(f"{k}={_shown(as_dict(v))}" for k, v in fields.items())
        return f"{value.get('type', 'header')}({inner})"
    if "bytes" in value:
        return repr(bytes.fromhex(str(value["bytes"])))
    if "path" in value:
        return str(value["path"])
    for kind in ("bool", "int", "str"):
        if kind in value:
            return repr(value[kind])
    return f"{value.get('repr', '?')} (a {value.get('type', 'value')})"


_tried: dict[tuple[str, ...], tuple[Run, dict[str, object] | None, list[str]]] = {}
"""Driver runs by what decides them: two tests asking the same of the same files share one.

The samples' folder is part of the key, and every check makes its own, so nothing is shared
between two sessions; within one, the tests that ask the same question of the same samples
(both ``cache_path`` checks, both ``is_stale`` checks) get the same run, and the same verdict.
"""


def _try(
    attempt: Attempt,
    overlays: dict[str, Path],
    request: dict[str, object],
    samples: Samples | None,
) -> tuple[Run, dict[str, object] | None, list[str]]:
    """Run the driver once: the run, the report it gave (if any), the sample files it changed."""
    before = samples.fingerprint() if samples else {}
    with tempfile.TemporaryDirectory(prefix="checks-pycache-") as scratch:
        orders = Path(scratch) / REQUEST
        orders.write_text(json.dumps(request), encoding="utf-8")
        run = run_file(
            Path(DRIVER),
            folder=attempt.folder,
            overlays={**overlays, REQUEST: orders},
            limits=attempt.limits,
            cached=False,  # the driver reads the samples, outside its folder: no key holds them
            helpers=True,  # the kit's driver: its report travels on the sealed channel
            shared=[samples.folder] if samples else (),  # confined, it still sees them
        )
    data = read_facts(run)  # fails the test if the student's code tampered with the channel
    changed: list[str] = []
    if samples and samples.fingerprint() != before:
        moved = set(before.items()) ^ set(samples.fingerprint().items())
        changed = sorted({name for name, _ in moved})
    return run, data, changed


def drive(
    attempt: Attempt, request: dict[str, object], samples: Samples | None
) -> tuple[Run, dict[str, object] | None, list[str]]:
    """Run the driver on ``request`` once: the run, its report (if any), the sample files changed.

    A run that was not stopped is kept for the same request on the same files, and given again.
    """
    overlays = attempt.overlays()
    key = (
        str(attempt.folder),
        repr(attempt.limits),
        json.dumps(request),
        str(samples.folder) if samples else "",
        *(f"{name}:{digest_path(path)}" for name, path in sorted(overlays.items())),
        digest_path(attempt.folder / DRIVER),
    )
    tried = _tried.get(key) or _try(attempt, overlays, request, samples)
    if not was_stopped(tried[0]):
        _tried[key] = tried  # a stopped run is tried again: the machine may have decided it
    return tried
