"""Reports written to disk: a whole file or nothing, so a reader never sees half of one.

It imports nothing of the kit.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

__all__ = ["atomic_write", "write_json"]


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write a report as UTF-8 JSON, all at once (a reader never sees half a file)."""
    atomic_write(path, lambda handle: json.dump(data, handle, ensure_ascii=False, indent=2))


def atomic_write(path: Path, fill: Callable[[TextIO], object]) -> None:
    """Write a whole file or nothing, with the permissions any file ``open`` makes gets (the
    umask's), so every report a run writes has the same ones."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
        try:
            # Text that cannot be encoded (a lone surrogate) is written as its escape, never
            # a crash that would cost a student the report.
            handle = temporary.open("x", encoding="utf-8", errors="backslashreplace", newline="")
        except FileExistsError:
            continue
        break
    try:
        with handle:
            fill(handle)
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
