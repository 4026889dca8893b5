"""A launcher that forks launchers (Linux): a run pays for a fork, not for Python's start.

Started once per interpreter by the parent (``checks.run.forks``), in a session of its own,
with the environment every run of that interpreter is started with (its run's own folders
aside), a Unix socket of records as its standard input and pipes as its output and error, as a
launcher has. It loads the child package's modules every launcher loads before its orders
(``launch``, ``confine``, ``rlimits``, ``seal``, ``where``), ``site`` and ``resource`` (started
with ``driver``, for the kit's drivers: also the standard library modules those import,
``AHEAD_DRIVER``), reads no student file and runs nothing of anyone's. ``ctypes`` too, but
only where importing it opens no file, as a forked child of this server tries first; with it,
what confinement makes alike in every run (``confine.ready``: libc, Landlock's ABI, the
structures and the seccomp filter, which open nothing). Where libffi keeps its own library
file open from its import on (Debian's libffi 8.5 does), each launcher imports ``ctypes``
itself: a descriptor inherited from here would either stay one open file shared by every run
(its offset a channel from run to run) or, closed in the launcher as every descriptor it was
not handed is, leave libffi a number that the next file opened takes.

Then, for each request (one record: the run's folder to start from and its environment, apart
by NUL bytes, with the launcher's descriptors beside it: its standard input, output and error,
then the pipes of its seal, its report and its facts) it forks twice. The grandchild is the
run's launcher: it starts a session of its own, takes the descriptors as a launcher started by
``Popen`` has them and closes every other (this server's socket first of all), moves to the
run's folder, takes the run's environment (with what the interpreter added to its own at its
start, as a C locale's ``LC_CTYPE``), says its process id and its pipes' numbers, and returns
from ``serve``; the script then calls ``launch.main``, which reads its orders as any launcher
does. The middle process ends at once, so the launcher's parent is the parent that asked (a
subreaper), which waits for it as for any launcher: its exit status comes from the system, not
from this server. A request cut short (``MSG_TRUNC``, ``MSG_CTRUNC``) is answered ``-``.

This server never hears a run's orders (they come on the run's own socket, which it only hands
on) and keeps no descriptor of a run once it has forked. End of input ends it.

What differs from a launcher started on its own: the interpreter's start-up state is this
server's. Its hash seed among it: ``python FILE`` draws one for each run, the runs this server
forks share one, so a set of strings prints in the same order in each of them, as under a fixed
``PYTHONHASHSEED``; and addresses (``id``) repeat from run to run. ``sys.modules`` holds the same
modules in another order; ``/proc/self/environ`` and ``/proc/self/cmdline`` show what this
server was started with (its own folder, ``serve.py``). This module, ``_socket`` and ``gc``,
which only this server needs, are taken out of ``sys.modules`` before the launcher goes on.

What this server made before its first fork is frozen (``gc.freeze``): the cyclic collector of
a launcher never walks it, which a collection would otherwise do at the run's end at least
(touching every object's header, so that the system copies each page of them for that run
alone). It is the interpreter's and the kit's, never the student's: every object the run makes
is collected as in a fresh launcher; ``gc.get_freeze_count()`` tells them apart, and
``gc.get_objects()`` leaves the frozen out.

Imports the standard library only; runs on the Python under test (3.10 on), outside the venv.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import _socket

REQUEST_CAP = 1 << 20
"""The most bytes of one request (a folder and an environment from the short list)."""
DESCRIPTORS_CAP = 8
"""The most descriptors one request hands on: input, output, error, seal, report, facts."""
STANDARD = 3
"""The first descriptors of a request are the launcher's standard input, output and error."""
AHEAD = (
    *(f"checks.child.{name}" for name in ("launch", "confine", "rlimits", "seal", "where")),
    "site",
)
"""What ``launch.main`` imports: the child modules before it reads its orders, then ``site`` (the
launcher is started with ``-S`` and sets up what ``site`` gives a script itself; ``python FILE``
has imported ``site`` too). Loaded once, here: ``site`` reads nothing of the run's when imported
with ``-S``, where its ``main`` does not run."""
AHEAD_LINUX = ("resource",)
"""What it imports on Linux beside (``ctypes`` where it opens no file: see above)."""
OPENS_NO_FILE = ("ctypes",)
"""What it imports on Linux when a forked child that imported it holds no new descriptor."""
AHEAD_DRIVER = (
    *("ast", "collections", "collections.abc", "contextlib", "dis", "enum", "importlib.util"),
    *("inspect", "io", "json", "linecache", "pathlib", "random", "runpy", "threading"),
    *("tokenize", "traceback", "types", "typing"),
)  # fmt: skip
"""What the kit's drivers import of the standard library, loaded once in their own server
(started with ``driver``): the drivers' imports, those of the child modules they use, and what
the launcher loads for them (``collections``, ``enum``, ``typing`` before 3.12). A driver's run
takes every standard library name from the interpreter, never from the copy's folder
(``shadows.guard``), so a module loaded here is the one it would import. Standard library modules
only, none of which reads the environment or the clock into its state when imported (``random``
seeds itself again in each forked process); the child package's own modules read the run's
environment (``capture``: its temporary folder) and are left to each launcher. Trials are not
forked from here: a tried module's ``import json`` takes a ``json.py`` beside it, as ``python
FILE`` does. A module missing here costs its import in every driver's run, nothing else."""
_CUT = 0x8 | 0x20
"""``MSG_CTRUNC | MSG_TRUNC`` (Linux): a record or its descriptors did not fit."""


def serve(driver: bool = False) -> None:
    """Fork a launcher for each request on standard input; return only in a launcher. A server
    for the kit's drivers (``driver``) loads ``AHEAD_DRIVER`` too."""
    loaded = set(sys.modules)
    import _socket
    import gc

    own = {*(set(sys.modules) - loaded), __name__}  # only this server's: no launcher has them
    for name in AHEAD + (AHEAD_LINUX if sys.platform == "linux" else ()):
        __import__(name)
    for name in OPENS_NO_FILE if sys.platform == "linux" else ():
        if _opens_no_file(name):
            __import__(name)
    sys.modules["checks.child.confine"].ready()  # with ctypes loaded: what every run makes alike
    for name in AHEAD_DRIVER if driver else ():
        __import__(name)
    gc.collect()
    gc.freeze()
    started_with = dict(os.environ)  # with what the interpreter added at its start
    channel = _socket.socket(fileno=0)
    space = _socket.CMSG_LEN(DESCRIPTORS_CAP * 4)
    while True:
        try:
            data, ancillary, flags, _address = channel.recvmsg(REQUEST_CAP, space)
        except OSError:
            os._exit(1)
        handed = [
            int.from_bytes(payload[i : i + 4], sys.byteorder)
            for level, kind, payload in ancillary
            if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS
            for i in range(0, len(payload) - len(payload) % 4, 4)
        ]
        if not data and not handed:
            os._exit(0)
        if flags & _CUT or len(handed) < STANDARD:
            for fd in handed:
                os.close(fd)
            try:
                channel.sendall(b"-\n")
            except OSError:
                os._exit(1)
            continue
        words = data.decode("utf-8", "surrogateescape").split("\0")
        said_r, said_w = os.pipe()
        middle = os.fork()
        if middle == 0:
            try:
                if os.fork() == 0:
                    os.close(said_r)
                    _become_launcher(channel, handed, words, said_w, own, started_with)
                    return  # in the launcher: the script goes on to launch.main
            except BaseException:  # noqa: BLE001 - nothing may go on in the middle process
                os._exit(1)
            os._exit(0)
        os.close(said_w)
        for fd in handed:
            os.close(fd)
        said = b""
        while chunk := os.read(said_r, 4096):
            said += chunk
        os.close(said_r)
        os.waitpid(middle, 0)
        try:
            channel.sendall((said or b"-") + b"\n")
        except OSError:
            os._exit(1)


def _opens_no_file(name: str) -> bool:
    """Whether importing ``name`` leaves no new descriptor open: tried in a forked child, which
    then ends, so that nothing of the try stays here."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            before = _open_descriptors()
            __import__(name)
            os.write(write, b"1" if _open_descriptors() <= before else b"0")
        finally:
            os._exit(0)
    os.close(write)
    said = os.read(read, 1)
    os.close(read)
    os.waitpid(child, 0)
    return said == b"1"


def _open_descriptors() -> set[int]:
    """This process's open descriptors (the listing's own, closed by then, left out)."""
    found: set[int] = set()
    for name in os.listdir("/proc/self/fd"):
        try:
            os.fstat(int(name))
        except OSError:
            continue  # the listing's own descriptor, closed already
        found.add(int(name))
    return found


def _become_launcher(
    channel: _socket.socket,
    handed: list[int],
    words: list[str],
    said: int,
    own: set[str],
    started_with: dict[str, str],
) -> None:
    """In the grandchild: become the launcher ``Popen`` would have started, or end."""
    try:
        os.setsid()
        channel.detach()  # its descriptor, 0, is the launcher's input once replaced below
        for target in range(STANDARD):
            os.dup2(handed[target], target)
        pipes = handed[STANDARD:]
        for fd in pipes:
            os.set_inheritable(fd, True)
        for fd in _open_descriptors() - {*range(STANDARD), *pipes, said}:
            os.close(fd)  # the request's own, this server's: nothing else was open
        folder, *environment = words
        os.chdir(folder)
        given: dict[str, str] = {}
        for item in environment:
            key, _, value = item.partition("=")
            given[key] = value
        os.environ.clear()
        # The run's environment, and what the interpreter added to the one it was started with
        # (the parent's is the same but for the run's folders): a fresh launcher adds it too.
        os.environ.update({**{k: v for k, v in started_with.items() if k not in given}, **given})
        for name in own:
            sys.modules.pop(name, None)
        report = " ".join(str(n) for n in (os.getpid(), *pipes))
        os.write(said, report.encode("ascii"))
        os.close(said)
    except BaseException:  # noqa: BLE001 - the parent hears no process id and starts its own
        os._exit(1)
