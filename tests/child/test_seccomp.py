"""The seccomp filter, installed in a child: what it refuses, and what it leaves alone."""

from __future__ import annotations

import ctypes
import json
import subprocess
import sys

import pytest

from checks.child import confine, landlock, seccomp
from tests.support import KIT

pytestmark = pytest.mark.skipif(bool(seccomp.probe()), reason=f"no filter here: {seccomp.probe()}")

# Each call is made through libc, after the filter is installed; what comes back is the errno of
# each (0: it was made). What was made is removed at once, so nothing is left even where the
# filter lets it through.
CALLS = r"""
import ctypes, fcntl, json, os, struct, sys, tempfile
from checks.child import seccomp
assert seccomp.install() == ""
libc = ctypes.CDLL(None, use_errno=True)
IPC_PRIVATE, IPC_CREAT, IPC_RMID = 0, 0o1000, 0
said = {}

def made(name, result, undo=None):
    said[name] = 0 if result >= 0 else ctypes.get_errno()
    if result >= 0 and undo is not None:
        undo(result)

made("shmget", libc.shmget(IPC_PRIVATE, ctypes.c_size_t(4096), IPC_CREAT | 0o600),
     lambda i: libc.shmctl(i, IPC_RMID, None))
made("semget", libc.semget(IPC_PRIVATE, 1, IPC_CREAT | 0o600),
     lambda i: libc.semctl(i, 0, IPC_RMID))
made("msgget", libc.msgget(IPC_PRIVATE, IPC_CREAT | 0o600),
     lambda i: libc.msgctl(i, IPC_RMID, None))
made("mq_open", libc.mq_open(b"/checks-test-queue", os.O_CREAT | os.O_RDWR, 0o600, None),
     lambda q: libc.mq_unlink(b"/checks-test-queue"))
made("add_key", libc.syscall(int(sys.argv[1]), b"user", b"checks-test", b"k", ctypes.c_size_t(1), -4),
     lambda k: libc.syscall(int(sys.argv[2]), 3, k))  # KEYCTL_REVOKE
made("keyctl", libc.syscall(int(sys.argv[2]), 0, -4, 0))  # KEYCTL_GET_KEYRING_ID of the user's
with tempfile.TemporaryFile() as file:
    for name, command in (("FS_IOC_SETFLAGS", 0x40086602), ("FS_IOC32_SETFLAGS", 0x40046602),
                          ("FS_IOC_FSSETXATTR", 0x401C5820)):
        made(name, libc.ioctl(file.fileno(), command, ctypes.byref(ctypes.c_int(0))))
    attr = ctypes.create_string_buffer(32)
    made("file_setattr", libc.syscall(469, file.fileno(), b"", attr, ctypes.c_size_t(24), 0x1000))
    made("FS_IOC_GETFLAGS", libc.ioctl(file.fileno(), 0x80086601, ctypes.byref(ctypes.c_int(0))))
    reader, writer = os.pipe()
    made("FIONREAD", libc.ioctl(reader, 0x541B, ctypes.byref(ctypes.c_int(0))))
    made("write", os.write(writer, b"x"))
print(json.dumps(said))
"""

KEY_CALLS = {"x86_64": (248, 250), "aarch64": (217, 219)}


def test_calls_that_outlive_a_run_are_refused_and_others_are_not() -> None:
    """System V IPC, POSIX message queues and kernel keys outlive the process that made them
    (the run's sweep cannot end them), and an immutable flag keeps a file from being removed:
    all refused with EACCES. Reading a file's flags, a pipe's ioctl, a write: left alone. (A
    call refused for another reason, such as a file system with no flags, says so with its own
    errno, never 0.)"""
    add_key, keyctl = KEY_CALLS[seccomp._machine()]
    done = subprocess.run(
        [sys.executable, "-c", CALLS, str(add_key), str(keyctl)],
        cwd=KIT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout)
    refused = ["shmget", "semget", "msgget", "mq_open", "add_key", "keyctl"]
    refused += ["FS_IOC_SETFLAGS", "FS_IOC32_SETFLAGS", "FS_IOC_FSSETXATTR", "file_setattr"]
    assert {name: said[name] for name in refused} == dict.fromkeys(refused, 13)
    assert said["FIONREAD"] == 0
    assert said["write"] == 0
    assert said["FS_IOC_GETFLAGS"] != 13


# What the fork server makes ahead (``confine.ready``), then a run's confinement in a child of it.
READY = r"""
import ctypes, json, os, socket
from checks.child import confine, landlock, seccomp
before = sorted(os.listdir("/proc/self/fd"))
confine.ready()
opened = sorted(os.listdir("/proc/self/fd")) != before
made = [bool(landlock._found), bool(landlock._libc), bool(landlock._shapes), bool(seccomp._made)]
child = os.fork()
if child == 0:
    done = confine.apply({"version": confine.SPEC_VERSION, "write": []})
    try:
        socket.socket()
        refused = False
    except PermissionError:
        refused = True
    try:
        open("/proc/self/status").close()
        read = True
    except PermissionError:
        read = False
    print(json.dumps({"done": done, "refused": refused, "read": read}), flush=True)
    os._exit(0)
os.waitpid(child, 0)
print(json.dumps({"opened": opened, "made": made}))
"""


def test_what_the_fork_server_makes_ahead_opens_nothing_and_still_confines() -> None:
    """``confine.ready`` (the fork server's, before its first fork) makes libc, Landlock's ABI,
    its structures and the filter with no descriptor opened; a forked child confined with them
    is refused a socket (the filter) and a file outside its rules (Landlock)."""
    if isinstance(landlock.found(), str):
        pytest.skip(f"no Landlock here: {landlock.found()}")
    done = subprocess.run(
        [sys.executable, "-c", READY], cwd=KIT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    child, server = (json.loads(line) for line in done.stdout.splitlines())
    assert server == {"opened": False, "made": [True, True, True, True]}
    assert child["done"].startswith("landlock ABI"), child
    assert child["done"].endswith(seccomp.SECCOMP_NAME), child
    assert child["refused"] is True
    assert child["read"] is False


def test_what_is_made_ahead_skips_a_filter_the_machine_cannot_take(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A machine whose system calls the kit does not know gets no filter: making things ahead
    makes none for it, and raises nothing (the fork server would end before its first fork)."""
    monkeypatch.setattr(seccomp, "_machine", lambda: "riscv64")
    monkeypatch.setattr(seccomp, "_made", [])
    confine.ready()
    assert seccomp._made == []
    assert seccomp.install().startswith("the kit does not know the system calls of riscv64")


def test_landlocks_structures_have_the_kernels_layout() -> None:
    """``landlock_path_beneath_attr`` is packed: 12 bytes, the descriptor at offset 8 (made
    with no warning on any Python: 3.14 warns on an implicit layout, and the tests make
    warnings errors)."""
    ruleset, beneath = landlock.structures()
    assert ctypes.sizeof(beneath) == 12
    assert beneath.parent_fd.offset == 8  # pyright: ignore[reportAttributeAccessIssue]
    assert ctypes.sizeof(ruleset) == 24
