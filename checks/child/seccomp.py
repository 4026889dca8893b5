"""Refuse a student's program every socket that could reach out, and what would outlive its run:
a Linux seccomp filter.

This module runs in the child, on the Python under test (any Python from 3.10), beside
Landlock and under the same no-new-privileges (``confine.apply`` calls ``install`` right after
Landlock's own restriction); it imports the standard library, and takes libc as ``landlock``
loads it for the process. The filter, a small classic-BPF program handed to
``prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER)``, holds for this process and every process it
starts, and nothing can lift it. It answers:

- ``socket()`` of any family (IPv4 and IPv6 of any protocol, MPTCP, UDP, raw, packet, netlink,
  Unix sockets by path or abstract): refused with ``EACCES``;
- ``socketpair()`` of any family but ``AF_UNIX``: refused. A pair of connected Unix sockets
  reaches nothing outside the process tree that made it, and the standard library needs one:
  ``asyncio``'s event loop wakes itself through one, ``multiprocessing.Pipe`` is one;
- ``io_uring_setup()`` (and the other io_uring calls): refused, since an io_uring opens
  sockets without a ``socket()`` system call the filter would see;
- what would outlive the run on the teacher's machine, which no sweep of its processes ends:
  System V IPC (``shmget``, ``semget``, ``msgget``), POSIX message queues (``mq_open``),
  kernel keys (``add_key``, ``request_key``, ``keyctl``), and the ``ioctl`` commands and the
  ``file_setattr`` call that set a file's flags (an immutable file cannot be removed with the
  run's folder): refused;
- any system call made through another architecture's table (32-bit calls of a 64-bit
  process, x32): refused. The filter checks the architecture it was built for first, and a
  machine whose table the kit does not know gets no filter at all (``install`` says why, and
  the run is then not confined).

Refused calls fail with ``EACCES``, a ``PermissionError`` in Python, named to the student by
``confine.refusal`` from the audit event that came before it (``socket.__new__``).

What it leaves: pipes, files (Landlock's), and the standard library's own pairs of sockets.
``multiprocessing`` works with its ``fork`` and ``spawn`` start methods; its ``forkserver``
method (the default on Linux from Python 3.14) and its ``Manager`` listen on a Unix socket
and are refused: a program for this course never needs them.
"""

from __future__ import annotations

import os
import sys

from checks.child import landlock

__all__ = ["SECCOMP_NAME", "install", "probe", "ready"]

TYPE_CHECKING = False
if TYPE_CHECKING:
    import ctypes

SECCOMP_NAME = "seccomp"
"""How the filter is named in a run's confinement (``landlock ABI 7, seccomp``)."""

_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
"""``AUDIT_ARCH_*`` of each machine whose table the kit knows."""
_SYSCALLS = {
    "x86_64": {
        "socket": 41,
        "socketpair": 53,
        "ioctl": 16,
        "shmget": 29,
        "semget": 64,
        "msgget": 68,
        "mq_open": 240,
        "add_key": 248,
        "request_key": 249,
        "keyctl": 250,
    },
    "aarch64": {
        "socket": 198,
        "socketpair": 199,
        "ioctl": 29,
        "shmget": 194,
        "semget": 190,
        "msgget": 186,
        "mq_open": 180,
        "add_key": 217,
        "request_key": 218,
        "keyctl": 219,
    },
}
"""The numbers of the calls the filter looks at, on each machine whose table the kit knows."""
_REFUSED = ("socket", "shmget", "semget", "msgget", "mq_open", "add_key", "request_key", "keyctl")
"""Calls refused whatever their arguments."""
_IO_URING = (425, 426, 427)
"""``io_uring_setup``, ``io_uring_enter``, ``io_uring_register``: one number on every table."""
_FLAG_SETTERS = (0x40086602, 0x40046602, 0x401C5820)
"""``ioctl`` commands that set a file's flags: ``FS_IOC_SETFLAGS``, ``FS_IOC32_SETFLAGS``,
``FS_IOC_FSSETXATTR`` (an immutable or append-only file cannot be removed after the run)."""
_FILE_SETATTR = 469
"""``file_setattr`` (Linux 6.17), which sets the same flags as a call of its own: one number on
every table."""
_X32_BIT = 0x40000000
"""Set in the number of an x32 system call (x86_64's second table)."""
_AF_UNIX = 1
_made: list[tuple[ctypes.Structure, object]] = []
"""The filter as ``prctl`` takes it and the filter's table, once made (``ready``)."""

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_EACCES = 13

# Classic BPF: load a word at an offset of ``seccomp_data``, jump if equal or greater, return.
_LD_ABS = 0x00 | 0x00 | 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ = 0x05 | 0x10 | 0x00  # BPF_JMP | BPF_JEQ | BPF_K
_JGE = 0x05 | 0x30 | 0x00  # BPF_JMP | BPF_JGE | BPF_K
_RET = 0x06 | 0x00  # BPF_RET | BPF_K
_NR, _ARCH, _ARG0, _ARG1 = 0, 4, 16, 24
"""Offsets in ``seccomp_data``: the call's number, its architecture, its first and second
arguments' low 32 bits (both machines are little-endian)."""


def _machine() -> str:
    return os.uname().machine if hasattr(os, "uname") else ""


def probe() -> str:
    """Whether this system can take the filter: ``""``, or why not."""
    if not sys.platform.startswith("linux"):
        return f"seccomp is Linux's, and this is {sys.platform}"
    if _machine() not in _SYSCALLS:
        return f"the kit does not know the system calls of {_machine() or 'this machine'}"
    return ""


def _program() -> list[tuple[int, int, int, int]]:
    """The filter, as ``(code, jump if true, jump if false, value)`` instructions."""
    machine = _machine()
    calls = _SYSCALLS[machine]
    refuse = _SECCOMP_RET_ERRNO | _EACCES
    # Jumps go forward to a label: "refuse", "allow", "pair" (a socketpair's family), "ioctl"
    # (an ioctl's command); each is resolved to the count of instructions it skips.
    code: list[tuple[int, int | str, int | str, int]] = [
        (_LD_ABS, 0, 0, _ARCH),
        (_JEQ, 0, "refuse", _AUDIT_ARCH[machine]),
        (_LD_ABS, 0, 0, _NR),
    ]
    if machine == "x86_64":
        code.append((_JGE, "refuse", 0, _X32_BIT))
    code += [(_JEQ, "refuse", 0, calls[name]) for name in _REFUSED]
    code += [(_JEQ, "refuse", 0, nr) for nr in (*_IO_URING, _FILE_SETATTR)]
    code += [(_JEQ, "pair", 0, calls["socketpair"]), (_JEQ, "ioctl", 0, calls["ioctl"])]
    labels: dict[str, int] = {}
    code.append((_RET, 0, 0, _SECCOMP_RET_ALLOW))
    labels["pair"] = len(code)  # a socketpair: AF_UNIX alone
    code += [(_LD_ABS, 0, 0, _ARG0), (_JEQ, "allow", "refuse", _AF_UNIX)]
    labels["ioctl"] = len(code)  # an ioctl: any command but those that set a file's flags
    code.append((_LD_ABS, 0, 0, _ARG1))
    code += [(_JEQ, "refuse", 0, command) for command in _FLAG_SETTERS]
    labels["allow"] = len(code)
    code.append((_RET, 0, 0, _SECCOMP_RET_ALLOW))
    labels["refuse"] = len(code)
    code.append((_RET, 0, 0, refuse))

    def skip(at: int, target: int | str) -> int:
        return target if isinstance(target, int) else labels[target] - at - 1

    return [(op, skip(at, yes), skip(at, no), k) for at, (op, yes, no, k) in enumerate(code)]


def ready() -> ctypes.Structure:
    """The filter as ``prctl`` takes it (a ``sock_fprog``): made once per process,
    by the fork server before its first fork where it has loaded ``ctypes`` ahead
    (``confine.ready``). Only on a machine ``probe`` accepts."""
    if not _made:
        import ctypes

        class Filter(ctypes.Structure):
            _fields_ = (
                ("code", ctypes.c_uint16),
                ("jt", ctypes.c_uint8),
                ("jf", ctypes.c_uint8),
                ("k", ctypes.c_uint32),
            )

        class Program(ctypes.Structure):
            _fields_ = (("len", ctypes.c_uint16), ("filter", ctypes.POINTER(Filter)))

        instructions = _program()
        table = (Filter * len(instructions))(*(Filter(*i) for i in instructions))
        # The table lives as long as the program that points to it: both are kept here.
        _made.append((Program(len(instructions), table), table))
    return _made[0][0]


def install() -> str:
    """Install the filter on this process and all it starts: ``""``, or why it could not be."""
    why = probe()
    if why:
        return why
    import ctypes

    program, libc = ready(), landlock.libc()
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return f"no-new-privileges refused ({os.strerror(ctypes.get_errno())})"
    done = libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0)
    if done != 0:
        return f"the seccomp filter was refused ({os.strerror(ctypes.get_errno())})"
    return ""
