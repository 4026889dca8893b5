"""Confine a student's program to its throwaway copy: Linux Landlock, from the standard library.

This module runs in the child, on the Python under test (any Python from 3.10), before the
student's code starts; it imports nothing of the kit and needs nothing installed. ``apply``
takes the spec the parent built (``build_spec``) and asks the kernel, through Landlock, that
this process and every process it starts may from now on:

- read and write only the run's own folder (the throwaway copy and a private temporary folder);
- read and execute only what the Python under test needs to start and import its standard
  library (its ``base_prefix`` and ``base_exec_prefix`` trees, never a virtual environment's
  ``site-packages``, which may lie inside the kit), the system's programs and shared libraries
  (``/usr``, ``/lib``...), a few files of ``/etc`` the loader and the standard library read,
  and any extra folder the parent names (the sample files of exercise 07);
- use ``/dev/null``, ``/dev/zero``, ``/dev/random`` and ``/dev/urandom``;
- bind and connect no TCP socket (Landlock ABI 4 and later), connect to no abstract Unix
  socket and signal no process outside its own sandbox (ABI 6 and later);
- open no socket at all, of any family or protocol, and no io_uring: a seccomp filter
  (``seccomp.install``), installed right after Landlock under the same no-new-privileges.
  A run is confined only when both hold.

A tree that would hold a folder the parent hides (the kit, the home folder, the system's
temporary folder) is allowed piece by piece around it, so that a Python installed above the
kit still imports its standard library while the kit stays unreadable. Landlock's rules only
ever add restrictions; nothing the program does can lift them.

Each Landlock ABI handles more rights than the one before; the rights asked for are masked by
the ABI the kernel reports, as Landlock's documentation says. Where Landlock cannot be had (no
such system call, Landlock disabled, a container's seccomp filter refusing it: ``ENOSYS``,
``EOPNOTSUPP``, ``EPERM``), ``apply`` says why and the run goes on with the kit's other limits.

Why a small ``ctypes`` module of our own rather than a binding from PyPI (``landlock``,
``landlockpy``, ``py-landlock``...): the code runs in the child, on whichever Python is under
test, where nothing of the kit's virtual environment may be imported (the child must not even
be able to read it), so a binding would have to be installed into every Python under test;
the bindings on PyPI are young (pre-releases or a few months old) and would add upkeep for
three system calls and three structures that the kernel keeps stable by design.
"""

from __future__ import annotations

import os
import sys

from checks.child import landlock, seccomp, shadows

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

__all__ = [
    "SPEC_VERSION",
    "apply",
    "build_spec",
    "decode",
    "encode",
    "enter",
    "inside",
    "probe",
    "python_trees",
    "ready",
    "refusal",
    "strings",
]

SPEC_VERSION = 1
"""The shape of the spec the parent sends; a spec of another shape is refused."""

SYSTEM_TREES = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin")
"""Folders of the system read (and executed) by any program: programs, shared libraries."""

ETC_FILES = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/nsswitch.conf",
    "/etc/passwd",
    "/etc/group",
    "/etc/mime.types",
    "/etc/gitconfig",
)
"""Files of ``/etc`` the loader and the standard library read; nothing else of ``/etc``."""

DEVICES_READ_WRITE = ("/dev/null",)
DEVICES_READ = ("/dev/zero", "/dev/random", "/dev/urandom")

_PR_SET_NO_NEW_PRIVS = 38

# Access rights on files and folders, with the ABI that brought each.
_EXECUTE = 1 << 0
_WRITE_FILE = 1 << 1
_READ_FILE = 1 << 2
_READ_DIR = 1 << 3
_MAKE_CHAR = 1 << 6
_MAKE_BLOCK = 1 << 11
_ABI_1_FS = (1 << 13) - 1
_REFER = 1 << 13  # ABI 2
_TRUNCATE = 1 << 14  # ABI 3
_IOCTL_DEV = 1 << 15  # ABI 5
_FILE_ONLY = _EXECUTE | _WRITE_FILE | _READ_FILE | _TRUNCATE | _IOCTL_DEV
"""The rights a rule on a file (not a folder) may carry."""
_NET_TCP = (1 << 0) | (1 << 1)  # ABI 4: bind and connect
_SCOPED = (1 << 0) | (1 << 1)  # ABI 6: abstract Unix sockets and signals

_READ = _EXECUTE | _READ_FILE | _READ_DIR
_DEVICE = _READ_FILE | _WRITE_FILE | _TRUNCATE | _IOCTL_DEV


def build_spec(
    *,
    write: Sequence[str],
    hidden: Sequence[str],
    read: Sequence[str] = (),
    driver: bool = False,
    require: bool = False,
) -> dict[str, object]:
    """The spec the parent sends to the child: what the program may write, read, never see.

    Args:
        write: folders the program may read and change (its copy, its temporary folder).
        hidden: folders no allowed tree may hold (the kit, the home folder, the temporary one).
        read: more folders or files it may read (the samples a driver hands to it).
        driver: the file run is the kit's driver, which imports the kit before it loads the
            student's code: confine at that first load rather than at once.
        require: refuse to run the code at all where it cannot be confined.
    """
    real = os.path.realpath
    return {
        "version": SPEC_VERSION,
        "write": [real(p) for p in write],
        "read": [real(p) for p in read],
        "hidden": [real(p) for p in hidden],
        "driver": driver,
        "require": require,
    }


_LISTS = ("write", "read", "hidden")
_FLAGS = ("driver", "require")


def encode(spec: dict[str, object]) -> str:
    """The spec as one line of ``key=value`` fields apart by NUL (no json import in the child)."""
    fields = [f"version={spec.get('version')}"]
    fields += [f"{flag}={int(bool(spec.get(flag)))}" for flag in _FLAGS]
    fields += [f"{key}={value}" for key in _LISTS for value in strings(spec.get(key))]
    line = "\0".join(fields)
    if "\n" in line:
        msg = "a folder of the run has a line break in its name"
        raise ValueError(msg)
    return line


def decode(line: str) -> dict[str, object]:
    """The spec that ``encode`` wrote."""
    spec: dict[str, object] = {key: [] for key in _LISTS}
    for field in line.rstrip("\n").split("\0"):
        key, _, value = field.partition("=")
        if key in _LISTS:
            spec[key].append(value)  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
        elif key in _FLAGS:
            spec[key] = value == "1"
        elif key == "version":
            spec[key] = int(value) if value.isdigit() else None
    return spec


def inside(path: str, root: str) -> bool:
    """Whether ``path`` is ``root`` or lies below it (paths already made real)."""
    return path == root or path.startswith(root.rstrip("/") + "/")


def python_trees() -> list[str]:
    """What the Python under test reads to start and to import its standard library."""
    trees = {sys.base_prefix, sys.base_exec_prefix}
    trees.add(os.path.dirname(os.path.realpath(sys.executable)))
    trees.add(os.path.dirname(os.__file__))  # the standard library itself, wherever it is
    return sorted(os.path.realpath(t) for t in trees if t)


def _read_rules(spec: dict[str, object]) -> list[str]:
    """Every path that may be read, with the hidden folders carved out of the trees.

    A tree inside a hidden folder is allowed (a Python installed in the home folder); a tree
    that holds one is allowed piece by piece around it (a Python whose prefix holds the kit).
    """
    hidden = strings(spec.get("hidden"))
    allowed: list[str] = []
    # A loop over a stack, not a recursive inner function: such a function is a reference
    # cycle that would keep the hidden folders' names alive until the collector runs, where
    # the student's code could find them (gc.get_objects).
    trees = (*SYSTEM_TREES, *python_trees(), *strings(spec.get("read")))
    pending = [tree for tree in trees if os.path.lexists(tree)]
    if sys.prefix != sys.base_prefix:  # a virtual environment: a second Python reads its cfg
        pending.append(os.path.join(sys.prefix, "pyvenv.cfg"))
    pending.reverse()
    while pending:
        real = os.path.realpath(pending.pop())
        if real in hidden:
            continue
        if not any(inside(h, real) for h in hidden):
            allowed.append(real)
            continue
        try:
            names = os.listdir(real)
        except OSError:
            continue
        pending.extend(os.path.join(real, name) for name in reversed(names))
    return allowed


def strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]


def ready() -> None:
    """Make ahead what confining makes alike in every run: libc, Landlock's ABI and structures
    (``landlock``) and the seccomp filter. The fork server calls this before its first fork
    where it has loaded ``ctypes`` ahead, so that a forked launcher only uses them. Opens
    nothing: ``dlopen(NULL)``, the Landlock call that asks for the ABI, and memory."""
    if "ctypes" in sys.modules and not isinstance(landlock.found(), str):
        landlock.structures()
        if not seccomp.probe():  # a machine whose table the kit does not know gets no filter
            seccomp.ready()


def probe() -> str:
    """What confinement this system gives: ``"landlock ABI N, seccomp"``, or why there is none."""
    found = landlock.found()
    if isinstance(found, str):
        return f"not confined: {found}"
    why = seccomp.probe()
    if why:
        return f"not confined: {why} (files only: landlock ABI {found[1]})"
    return f"landlock ABI {found[1]}, {seccomp.SECCOMP_NAME}"


def apply(spec: dict[str, object]) -> str:
    """Confine this process (and what it starts) by ``spec``; say how, or why it could not."""
    if spec.get("version") != SPEC_VERSION:
        return "not confined: the kit's parent and child disagree on the spec"
    found = landlock.found()
    if isinstance(found, str):
        return f"not confined: {found}"
    syscall, abi = found
    import ctypes

    fs = _ABI_1_FS | (_REFER if abi >= 2 else 0) | (_TRUNCATE if abi >= 3 else 0)
    fs |= _IOCTL_DEV if abi >= 5 else 0
    net = _NET_TCP if abi >= 4 else 0
    scoped = _SCOPED if abi >= 6 else 0

    ruleset_attr, path_beneath = landlock.structures()
    attr = ruleset_attr(fs, net, scoped)
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    ruleset = int(syscall(landlock.CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), 0))
    if ruleset < 0:
        return f"not confined: {landlock.why(ctypes.get_errno())}"
    try:
        rules: list[tuple[Iterable[str], int]] = [
            (_read_rules(spec), _READ),
            (ETC_FILES, _READ),
            (DEVICES_READ, _READ_FILE),
            (DEVICES_READ_WRITE, _DEVICE),
            (strings(spec.get("write")), fs & ~(_MAKE_CHAR | _MAKE_BLOCK | _IOCTL_DEV)),
        ]
        for paths, access in rules:
            for path in paths:
                _add_rule(syscall, ruleset, path, access & fs, path_beneath)
        libc = landlock.libc()
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return f"not confined: {landlock.why(ctypes.get_errno())}"
        if int(syscall(landlock.RESTRICT_SELF, ruleset, 0)) != 0:
            return f"not confined: {landlock.why(ctypes.get_errno())}"
    finally:
        os.close(ruleset)
    why = seccomp.install()
    if why:
        return f"not confined: {why} (files only: landlock ABI {abi})"
    return f"landlock ABI {abi}, {seccomp.SECCOMP_NAME}"


def _add_rule(
    syscall: Callable[..., int], ruleset: int, path: str, access: int, beneath: type
) -> None:
    """Allow ``access`` beneath ``path`` (a file gets only the rights a file can have)."""
    try:
        fd = os.open(path, getattr(os, "O_PATH", 0) | os.O_CLOEXEC)
    except OSError:
        return  # a path this system does not have
    try:
        import ctypes
        import stat

        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            access &= _FILE_ONLY
        rule = beneath(access, fd)
        syscall(landlock.ADD_RULE, ruleset, landlock.RULE_PATH_BENEATH, ctypes.byref(rule), 0)
    finally:
        os.close(fd)


REQUIRED_EXIT = 3
"""Exit status of a child that was told to require confinement and could not have it."""

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_WRITE_EVENTS = frozenset(
    {
        "os.mkdir", "os.remove", "os.rmdir", "os.rename", "os.replace", "os.symlink", "os.link",
        "os.chmod", "os.chown", "os.truncate", "os.utime", "shutil.rmtree", "shutil.copyfile",
        "shutil.copymode", "shutil.copystat", "shutil.move",
    }
)  # fmt: skip
_READ_EVENTS = frozenset({"os.listdir", "os.scandir", "glob.glob"})
_NET_EVENTS = {"socket.connect": "connect", "socket.bind": "bind"}
_FAMILIES = {1: "AF_UNIX", 2: "AF_INET", 10: "AF_INET6", 16: "AF_NETLINK", 17: "AF_PACKET"}
_KINDS = {1: "SOCK_STREAM", 2: "SOCK_DGRAM", 3: "SOCK_RAW", 5: "SOCK_SEQPACKET"}
_TYPE_FLAGS = 0o4000 | 0o2000000
"""``SOCK_NONBLOCK`` and ``SOCK_CLOEXEC``, taken off a socket's type to name it."""
_tried: dict[str, str] = {}
"""What the program last tried on each path (``read``, ``write``) or address, to name a refusal."""
_TRIED_KEPT = 256
_NET_KEY = "\0net"  # keys no path can be
_CONFINED_KEY = "\0confined"


def _watch(event: str, args: tuple[object, ...]) -> None:
    """Audit hook: remember what the program tries, so that a refusal can be named."""
    if event == "open" and args:
        mode, flags = (*args[1:3], None, 0)[:2]
        writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & _WRITE_FLAGS
        )
        _note(args[0], "write" if writes else "read")
    elif event in _WRITE_EVENTS or event in _READ_EVENTS:
        for path in args[:2]:
            _note(path, "write" if event in _WRITE_EVENTS else "read")
    elif event in _NET_EVENTS and len(args) >= 2:
        address = args[1]
        shown = repr(address)
        if isinstance(address, tuple) and len(address) >= 2:  # pyright: ignore[reportUnknownArgumentType]
            shown = f"{address[0]}:{address[1]}"
        _tried[_NET_KEY] = f"{_NET_EVENTS[event]} {shown}"
    elif event == "socket.__new__" and len(args) >= 3:
        family, kind = args[1], args[2]
        if isinstance(family, int) and isinstance(kind, int):
            named = _FAMILIES.get(family, f"family {family}")
            kind &= ~_TYPE_FLAGS
            _tried[_NET_KEY] = f"socket {named}, {_KINDS.get(kind, f'type {kind}')}"


def _note(path: object, kind: str) -> None:
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if isinstance(path, str) and path:
        if len(_tried) > _TRIED_KEPT:
            kept = {key: value for key, value in _tried.items() if key.startswith("\0")}
            _tried.clear()
            _tried.update(kept)
        _tried[os.path.abspath(path)] = kind


def refusal(error: BaseException) -> dict[str, object]:
    """What a ``PermissionError`` of a confined program was refused: ``refused`` and ``target``.

    Empty for any other error, and for a program that was not confined.
    """
    if not isinstance(error, PermissionError) or not _tried.get(_CONFINED_KEY):
        return {}
    names = [n for n in (error.filename, error.filename2) if isinstance(n, (str, bytes))]
    for name in names:
        path = os.path.abspath(os.fsdecode(name))
        return {"refused": _tried.get(path, "reach"), "target": path}
    net = _tried.get(_NET_KEY)
    if net:
        kind, _, address = net.partition(" ")
        return {"refused": kind, "target": address}
    return {}


def enter(spec_text: str, main_file: str, send: Callable[..., None]) -> None:
    """The child's one way into confinement, from the spec line the parent sent.

    A program is confined at once. The kit's driver (``spec["driver"]``) first imports what it
    needs; it is confined at the first code it runs from its folder other than itself (the
    student's module), seen by an audit hook, or before any module found in its folder loads
    (``shadows.guard``, which also keeps the standard library's names out of that folder: a
    compiled module raises no audit event). ``send(confinement=...)`` says what applied; a
    spec that requires confinement where there is none ends the process before any code runs.
    """
    if not spec_text.strip():
        return  # confinement is off for this run
    spec = decode(spec_text)
    if not spec.get("driver"):
        _confine(spec, send)
        return
    roots = strings(spec.get("write"))
    me = os.path.realpath(main_file)
    pending = [True]

    def now() -> None:
        if pending:
            pending.clear()
            _confine(spec, send)

    def at_first_load(event: str, args: tuple[object, ...]) -> None:
        if not pending or event != "exec" or not args:
            return
        name = getattr(args[0], "co_filename", "")
        # "<frozen ntpath>" and "<string>" are no files: only a real path names where code is.
        real = os.path.realpath(name) if isinstance(name, str) and os.path.isabs(name) else ""
        if real and real != me and any(inside(real, root) for root in roots):
            now()

    sys.addaudithook(at_first_load)
    # A compiled module raises no "exec" event: the driver's imports are watched too.
    shadows.guard(os.path.dirname(me), now)


def _confine(spec: dict[str, object], send: Callable[..., None]) -> None:
    done = apply(spec)
    send(confinement=done)
    if done.startswith("landlock"):
        _tried[_CONFINED_KEY] = "yes"
        # git stops when it cannot read the home folder's config: give it none to read.
        os.environ.setdefault("GIT_CONFIG_GLOBAL", os.devnull)
        sys.addaudithook(_watch)
    elif spec.get("require"):
        sys.stderr.write(f"The program was not run: it could not be confined ({done}).\n")
        sys.stderr.flush()
        os._exit(REQUIRED_EXIT)
