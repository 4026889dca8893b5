"""Landlock's system calls through ctypes: the kernel's ABI, the structures the calls take, and
libc, each made once per process.

Runs in the child, on the Python under test (any Python from 3.10), and imports the standard
library only. ``confine`` decides the rules and applies them; this module only knows the calls.
What it makes is the same in every run (the kernel's answers do not change), so it is made once
per process, and by the fork server before its first fork where it has loaded ``ctypes`` ahead
(``confine.ready``): a forked launcher only uses it. Making it opens nothing: ``dlopen(NULL)``,
the call that asks for the ABI, and memory.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import ctypes
    from collections.abc import Callable

__all__ = [
    "ADD_RULE",
    "CREATE_RULESET",
    "RESTRICT_SELF",
    "RULE_PATH_BENEATH",
    "found",
    "libc",
    "structures",
    "why",
]

# Landlock's system call numbers: the same on every architecture of the common table, which
# all but a few old ones share (their numbers are offset: Landlock is left alone there).
_OFF_TABLE = ("alpha", "mips", "ia64")
CREATE_RULESET, ADD_RULE, RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1

_UNAVAILABLE = {
    "ENOSYS": "this kernel has no Landlock (Linux 5.13 or later has it)",
    "EOPNOTSUPP": "Landlock is turned off in this kernel",
    "EPERM": "the system (a container?) does not allow Landlock here",
}

_found: list[tuple[Callable[..., int], int] | str] = []
"""Landlock's system call and the kernel's ABI (or why there is none), once asked."""
_libc: list[ctypes.CDLL] = []
"""libc (``dlopen(NULL)``), once loaded."""
_shapes: list[tuple[type[ctypes.Structure], type[ctypes.Structure]]] = []
"""The structures of Landlock's calls, once made."""


def found() -> tuple[Callable[..., int], int] | str:
    """Landlock's system call and the kernel's ABI, or why Landlock cannot be had."""
    if not _found:
        _found.append(_ask())
    return _found[0]


def libc() -> ctypes.CDLL:
    """libc (``dlopen(NULL)``), with ``errno`` kept for ``ctypes.get_errno``: the one copy of
    the process, Landlock's and the seccomp filter's (``seccomp.install``)."""
    if not _libc:
        import ctypes

        loaded = ctypes.CDLL(None, use_errno=True)
        _ = loaded.prctl  # looked up once: a CDLL keeps each function it was asked for
        _libc.append(loaded)
    return _libc[0]


def structures() -> tuple[type[ctypes.Structure], type[ctypes.Structure]]:
    """``landlock_ruleset_attr`` and ``landlock_path_beneath_attr`` (packed)."""
    if not _shapes:
        import ctypes

        class RulesetAttr(ctypes.Structure):
            _fields_ = (
                ("handled_access_fs", ctypes.c_uint64),
                ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64),
            )

        class PathBeneath(ctypes.Structure):
            # _pack_ is the MSVC layout's rule (3.14 warns when it is left implicit, 3.19 will
            # refuse it): with no bit fields, the same 12 bytes as GCC's __attribute__((packed)).
            _layout_ = "ms"
            _pack_ = 1
            _fields_ = (("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32))

        _shapes.append((RulesetAttr, PathBeneath))
    return _shapes[0]


def why(errno: int) -> str:
    """Why Landlock refused, in words, from the ``errno`` of its call."""
    import errno as codes

    name = codes.errorcode.get(errno, str(errno))
    return _UNAVAILABLE.get(name, f"Landlock refused ({name}: {os.strerror(errno)})")


def _ask() -> tuple[Callable[..., int], int] | str:
    if not sys.platform.startswith("linux"):
        return f"Landlock is Linux's, and this is {sys.platform}"
    if os.uname().machine.startswith(_OFF_TABLE):
        return f"the kit does not know Landlock's system calls on {os.uname().machine}"
    import ctypes

    syscall = libc().syscall
    syscall.restype = ctypes.c_long
    abi = int(syscall(CREATE_RULESET, None, ctypes.c_size_t(0), _CREATE_RULESET_VERSION))
    if abi < 0:
        return why(ctypes.get_errno())
    return syscall, abi
