"""The parent's side of confinement: whether student programs are confined, what they may reach,
what confinement they got, and the words for what it refused them.

The child confines itself (``checks/child/confine.py``, Landlock on Linux) from the spec built
here and sent on its stdin. ``on`` (the default) confines where the system allows and runs
unconfined, saying so once, where it does not; ``require`` refuses to run a program that
cannot be confined; ``off`` is for a teacher's own trusted runs. On macOS the child is started
under ``sandbox-exec`` with the same rules; Windows gives no such confinement.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from checks.child import confine
from checks.child.seatbelt import seatbelt_profile
from checks.manifest import KIT_ROOT
from checks.run.copy import memory_folder

__all__ = [
    "DEFAULT_MODE",
    "MODES",
    "SANDBOX_HELP",
    "confined",
    "mode",
    "note",
    "probe",
    "refused",
    "seatbelt",
    "session_note",
    "spec_line",
    "use",
]

MODES = ("on", "require", "off")
DEFAULT_MODE = "on"
SANDBOX_HELP = (
    "confine student programs to their copy of the exercise, with no network (Landlock and "
    "seccomp on Linux, sandbox-exec "
    "on macOS): 'on' where the system allows it (the default), 'require' to stop where it "
    "cannot, 'off' for trusted runs"
)
SEATBELT = "/usr/bin/sandbox-exec"
"""macOS's sandbox launcher (deprecated by Apple, still shipped and used by build tools)."""
SEATBELT_NAME = "seatbelt (sandbox-exec)"

_mode = DEFAULT_MODE
_hidden_extra: list[Path] = []
_seen: dict[str, int] = {}
_seen_lock = threading.Lock()
"""Runs side by side (``run_each``) are counted from their threads."""

_WHY = "the checks run it in a copy of the exercise, and nothing else may change"
_WORDS = {
    "write": "your program tried to write outside its folder: {target}; " + _WHY,
    "read": (
        "your program tried to read a file outside its folder: {target}; the checks let it "
        "read only its own copy of the exercise and Python's own files"
    ),
    "reach": (
        "your program tried to reach a file outside its folder: {target}; the checks let it "
        "read only its own copy of the exercise and Python's own files, and change nothing else"
    ),
    "connect": (
        "your program tried to use the network: it opened a connection to {target}; the "
        "checks run it with no network: it must not depend on one"
    ),
    "bind": (
        "your program tried to use the network: it waited for connections on {target}; the "
        "checks run it with no network: it must not depend on one"
    ),
    "socket": (
        "your program tried to use the network: it opened a socket ({target}); the checks run "
        "it with no network (no Internet, no server on this machine, no Unix socket): it must "
        "not depend on one"
    ),
}


def use(mode: str, hidden: Sequence[Path] = ()) -> None:
    """Confine the session's runs by ``mode``, hiding ``hidden`` folders besides the kit."""
    global _mode  # noqa: PLW0603 - one mode per process, chosen by the session
    if mode not in MODES:
        msg = f"--sandbox must be one of {', '.join(MODES)}, not {mode!r}"
        raise ValueError(msg)
    _mode = mode
    _hidden_extra[:] = [Path(p).resolve() for p in hidden]
    _seen.clear()


def mode() -> str:
    """The session's mode: ``on``, ``require`` or ``off``."""
    return _mode


def probe() -> str:
    """The confinement this system gives a run (``landlock ABI 7``, ...), or why none."""
    if sys.platform == "darwin":
        return (
            "seatbelt (sandbox-exec)"
            if Path(SEATBELT).exists()
            else "not confined: no sandbox-exec"
        )
    if sys.platform == "win32":
        return "not confined: Windows has no confinement the kit can use"
    return confine.probe()


def confined(description: str) -> bool:
    """Whether a run's confinement description says it was confined."""
    return bool(description) and not description.startswith(("not confined", "off"))


def _hidden() -> list[str]:
    temporary = [Path(tempfile.gettempdir())]
    if (memory := memory_folder()) is not None:  # where runs' folders are made (``copy``)
        temporary.append(Path(memory))
    return [str(p) for p in (KIT_ROOT, Path.home(), *temporary, *_hidden_extra)]


def _spec(writes: Sequence[Path], *, driver: bool, reads: Sequence[Path] = ()) -> dict[str, object]:
    return confine.build_spec(
        write=[str(p) for p in writes],
        read=[str(p) for p in reads],
        hidden=_hidden(),
        driver=driver,
        require=_mode == "require",
    )


def spec_line(writes: Sequence[Path], *, driver: bool) -> str:
    """The line the child reads its confinement from (empty: not confined by the child).

    ``writes``: the folders the program may read and change (its copy's, and any it shares).
    """
    if _mode == "off" or sys.platform in ("darwin", "win32"):
        return ""
    return confine.encode(_spec(writes, driver=driver))


def seatbelt(writes: Sequence[Path], *, driver: bool) -> list[str]:
    """On macOS, the command that starts the child under ``sandbox-exec``; elsewhere nothing.

    The seatbelt holds from the start, so a driver run may also read the kit's library, which
    the driver imports before the student's code (Landlock confines that code alone).
    Reviewed by reading only: the kit's own tests run on Linux.
    """
    if _mode == "off" or sys.platform != "darwin" or not Path(SEATBELT).exists():
        return []
    library = [KIT_ROOT / "checks"] if driver else []
    profile = seatbelt_profile(_spec(writes, driver=driver, reads=library))
    return [SEATBELT, "-p", profile]


def note(description: str) -> None:
    """Count one run's confinement, for the session's note (none: its code never started)."""
    if description:
        with _seen_lock:
            _seen[description] = _seen.get(description, 0) + 1


def session_note() -> str:
    """One line on how this session's runs were confined (empty if none ran)."""
    if not _seen:
        return ""
    kinds = sorted(_seen, key=lambda d: -_seen[d])
    unconfined = [d for d in kinds if not confined(d)]
    if unconfined:
        why = unconfined[0].removeprefix("not confined: ")
        return (
            f"Student programs ran without confinement ({why}): only the time, output and "
            "process limits applied."
        )
    return f"Student programs ran confined to their copy ({', '.join(kinds)})."


def refused(kind: str, target: str, work: Path, folder: Path) -> str:
    """The student's words for a refusal: what the program tried, where, and why not."""
    shown = target.replace(str(work), str(folder))
    home = str(Path.home())
    if shown == home or shown.startswith(home.rstrip(os.sep) + os.sep):
        shown = "~" + shown[len(home) :]
    return _WORDS.get(kind, _WORDS["reach"]).format(target=shown)
