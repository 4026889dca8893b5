"""The one way into the child: run a file the way ``python FILE`` does, or call its functions.

This script runs in the child interpreter, the very Python under test, so that every verdict
belongs to it: read (the bytes are not source text CPython accepts), parse (``ast.parse``
refuses it), compile (the parser accepts it, the compiler refuses it), run (it started, then
failed), or ok. That verdict is decided before the file's code starts and sealed: written on a
pipe of its own (the ``seal`` descriptor of the orders), which is then closed, so that nothing
the code does later can speak on it. Only then is confinement applied (``confine.enter``) and
the code started, as ``__main__`` with its folder first on ``sys.path`` and ``sys.argv[0]`` the
file; or, for trials, loaded as a module whose functions are called (``calls.answer``).

How the run ended (the exception that stopped it, ``SystemExit`` and its code, the line of the
student's file it came from) goes on a second pipe, ``report``. The code can write there too, so
the parent takes from it only what the code could say anyway: the stage is the seal's and exit's.

Usage: ``python -E -S -u -X utf8 start.py`` (beside a private copy of the package; it calls
``main``), orders on stdin until it ends: ``limit`` (resource limits, set first: ``rlimits``),
``file`` (absolute), ``shown`` (``sys.argv[0]``), ``seal`` and ``report`` (descriptors), ``hide``
(folders off ``sys.path``), ``helpers`` (a kit-owned script may import the child package),
``confine`` (``confine.enter``'s spec), for trials ``mode=calls``, ``call`` (one per call) and
``token``; ``key=value`` items apart by NUL bytes. It imports nothing of the kit's parent side.
"""

from __future__ import annotations

import builtins
import os
import sys
import types

_audit = sys.audit
RECORD = "checks.record"
"""``seal.RECORD``: the audit event a record of the sealed channel is raised with."""

# Every import here is paid on every run of a student file: `ast`, `tokenize` and `typing`
# are left out (a file that does not compile is parsed again through compile() with
# PyCF_ONLY_AST, and tokenize is imported only for a file that may declare its encoding).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from typing import NoReturn

PYCF_ONLY_AST = 0x400
"""``ast.PyCF_ONLY_AST``: compile() then returns the syntax tree, exactly as ``ast.parse``."""

NUL_PROBE = b"x = 1\n#\0\n"
"""A file with a NUL byte in a comment: the interpreter says whether it reads such files."""

NO_CACHED_FROM = (3, 15)
"""CPython sets no ``__cached__`` in a script's globals from 3.15 on (``__spec__.cached`` stays)."""


class _Pipe:
    """A descriptor the launcher tells the parent what happened on, one ``repr`` line each."""

    __slots__ = ("_fd",)

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def send(self, **fields: object) -> None:
        # repr() of plain str/int/bool/None values, read back with ast.literal_eval: no json
        # import in the child, where every millisecond of start-up is paid on every run.
        if self._fd < 0:
            return
        data = f"{fields!r}\n".encode("utf-8", "backslashreplace")
        try:
            while data:
                data = data[os.write(self._fd, data) :]
        except OSError:
            pass

    def close(self) -> None:
        """Close the descriptor: from now on nothing can be said on it."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def _read_orders() -> dict[str, list[str]]:
    """The parent's orders: ``key=value`` items separated by NUL bytes, until stdin ends."""
    data = os.read(0, 1 << 20)
    while True:
        more = os.read(0, 1 << 20)
        if not more:
            break
        data += more
    orders: dict[str, list[str]] = {}
    for item in data.decode("utf-8", "surrogateescape").split("\0"):
        key, sep, value = item.partition("=")
        if sep:
            orders.setdefault(key, []).append(value)
    return orders


def _descriptor(given: str) -> int:
    """A descriptor the parent passed: its number, or on Windows ``h`` and a handle."""
    if given.startswith("h"):  # pragma: no cover - Windows: reviewed by reading, not run here
        import msvcrt

        return msvcrt.open_osfhandle(int(given[1:]), 0)  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType, reportUnknownVariableType]
    return int(given)


def _one(orders: dict[str, list[str]], key: str, default: str = "") -> str:
    return (orders.get(key) or [default])[0]


def _interpreter_rejects_nul() -> bool:
    """Ask this interpreter (by running it on a tiny file) whether a NUL byte stops reading."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        probe = os.path.join(folder, "nul.py")
        with open(probe, "wb") as f:
            f.write(NUL_PROBE)
        done = subprocess.run(
            [sys.executable, "-E", probe],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            check=False,
        )
    return done.returncode != 0 and b"null bytes" in done.stderr


class _Unheard:
    """A stream that takes what is written and keeps nothing."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def _refused_by(text: str, path: str, error: BaseException) -> str:
    """Which stage refused a file that does not compile (``error``): ``"compile"`` when the
    compiler ran out of depth (``during compilation``, in CPython's words; a syntax tree of
    Python objects meets its own limit sooner, on 3.11 to 3.13), else ``"parse"`` when the parser
    alone refuses the file too. Its warnings were printed by the compile that failed, as
    ``python FILE`` prints them: this second reading prints none."""
    if isinstance(error, RecursionError) and "during compilation" in str(error):
        return "compile"
    shown, sys.stderr = sys.stderr, _Unheard()
    try:
        compile(text, path, "exec", flags=PYCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, MemoryError, RecursionError):
        return "parse"
    finally:
        sys.stderr = shown
    return "compile"


def _refuse(seal: _Pipe, stage: str, error: BaseException) -> NoReturn:
    """Seal a read, parse or compile verdict, print what CPython prints, and stop."""
    line = getattr(error, "lineno", None)
    text = getattr(error, "text", None) or ""
    message = getattr(error, "msg", None) or str(error)
    seal.send(
        stage=stage,
        error=type(error).__name__,
        message=message,
        line=line,
        source_line=text.strip("\r\n"),
    )
    seal.close()
    # CPython prints a syntax error with no "Traceback" header: the code never ran. A parse or
    # compile error by the interpreter's own hook, as ``python FILE`` does (``traceback`` draws
    # a caret under a tab that the hook does not draw, on 3.10 to 3.12, and its import costs a
    # run more than the rest of its end).
    if stage == "read":
        import traceback

        sys.stderr.write("".join(traceback.format_exception_only(type(error), error)))
    else:
        _as_read_from_the_file(error)
        sys.__excepthook__(type(error), error.with_traceback(None), None)
    sys.stderr.flush()
    sys.exit(1)


def _as_read_from_the_file(error: BaseException) -> None:
    """Make a syntax error of ``compile(text)`` print as one met reading the file does. From
    3.14 such an error carries the whole source (``_metadata``), and CPython's printer looks
    for a mistyped keyword on every line of it (``Did you mean 'lambda'?``, with a warning for
    each try); one raised as ``python FILE`` reads the file carries no source, and the printer
    tries the error's own line, read from the file."""
    found = getattr(error, "_metadata", None)
    if isinstance(found, tuple) and len(found) == 3:  # pyright: ignore[reportUnknownArgumentType]
        error._metadata = (*found[:2], None)  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]


def _run_unjudged(seal: _Pipe, path: str) -> NoReturn:
    """Hand a file this interpreter reads its own way (a NUL byte on 3.10) to the interpreter.

    The program runs in a grandchild that inherits neither pipe; its verdict is sealed after.
    """
    import subprocess

    done = subprocess.run(
        [sys.executable, "-E", "-s", "-u", "-X", "utf8", path],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=False,
    )
    os.write(1, done.stdout)
    os.write(2, done.stderr)
    text = done.stderr.decode("utf-8", "replace")
    last = text.strip().splitlines()[-1] if text.strip() else ""
    if done.returncode == 1 and "Traceback (most recent call last)" not in text:
        name, _, message = last.partition(": ")
        if name in {"SyntaxError", "IndentationError", "TabError"}:
            seal.send(stage="parse", error=name, message=message, line=None, source_line="")
            seal.close()
            sys.exit(1)
    seal.send(stage="started")
    seal.close()
    sys.exit(done.returncode)


def _inside(entry: str, folders: Iterable[str]) -> bool:
    real = os.path.normcase(os.path.realpath(entry or "."))
    return any(real == f or real.startswith(f.rstrip(os.sep) + os.sep) for f in folders)


def _script_path(path: str, private: str, *, helpers: bool) -> None:
    """Put the file's folder first on ``sys.path``, as ``python FILE`` does, in place of the
    private copy the kit imported its own modules from (kept second for a kit driver)."""
    rest = [entry for entry in sys.path if entry != private]
    sys.path[:] = [os.path.dirname(path), *([private] if helpers else []), *rest]


def _hide_kit(hidden: list[str], *, helpers: bool) -> None:
    """Take the kit off ``sys.path`` and out of ``sys.modules``: the student cannot import it.

    ``helpers`` (a kit-owned driver's run) leaves the private copy of the child package where
    the driver finds it; the driver hides it (``Probe.load``) before it loads the student's.
    """
    folders = [os.path.normcase(os.path.realpath(f)) for f in hidden if f]
    sys.path[:] = [e for e in sys.path if not _inside(e, folders)]
    for entry in list(sys.path_importer_cache):
        if _inside(entry, folders):
            del sys.path_importer_cache[entry]
    sys.meta_path[:] = [
        finder for finder in sys.meta_path if "editable" not in type(finder).__module__
    ]
    if not helpers:
        from checks.child import hide_package

        hide_package()


def _run_main(
    code: types.CodeType,
    path: str,
    report: _Pipe,
    crash_line: Callable[[str, types.TracebackType | None], tuple[int | None, str]],
    refusal: Callable[[BaseException], dict[str, object]],
    *,
    driver: bool = False,
) -> None:
    """What ``python FILE`` sets up for the script, then the script itself.

    A kit's ``driver`` (any script of the kit's) runs as ``__main__`` without being
    ``sys.modules["__main__"]``: what ``import __main__`` finds is an empty module, not the
    driver's state. It returns when the driver ends well; a program's run ends the process.
    """
    main_module = types.ModuleType("__main__")
    main_module.__dict__.update(
        __file__=path, __builtins__=builtins, __package__=None, __spec__=None
    )
    if sys.version_info < NO_CACHED_FROM:
        main_module.__dict__["__cached__"] = None
    sys.modules["__main__"] = types.ModuleType("__main__") if driver else main_module
    try:
        exec(code, main_module.__dict__)
    except SystemExit as error:
        tb = error.__traceback__.tb_next if error.__traceback__ else None
        line, source_line = crash_line(path, tb)
        report.send(
            stage="exit",
            error="SystemExit",
            code=error.code
            if error.code is None or isinstance(error.code, int)
            else str(error.code),
            line=line,
            source_line=source_line,
        )
        if not (driver and error.code in (None, 0)):  # a driver's own way to end early
            raise
    except BaseException as error:  # noqa: BLE001 - every crash is the student's verdict
        _end_in_crash(error, path, report, crash_line, refusal)
    if not driver:
        sys.exit(0)


def _end_in_crash(
    error: BaseException,
    path: str,
    report: _Pipe,
    crash_line: Callable[[str, types.TracebackType | None], tuple[int | None, str]],
    refusal: Callable[[BaseException], dict[str, object]] = lambda _: {},
    excepthook: Callable[..., object] = sys.excepthook,
    end: Callable[[int], NoReturn] = os._exit,
) -> NoReturn:
    """Report a crash, print its traceback as CPython does, and end with status 1.

    A crash is never an "ok": the report goes out first (the exception's name before anything
    of the student's can run, such as its ``__str__``), the traceback is printed by the hook
    this interpreter started with (not one the program put in its place), and the process
    ends at once, so no ``atexit`` function or replaced hook can change its exit status.
    """
    tb = error.__traceback__.tb_next if error.__traceback__ else None
    name = type(error).__name__
    report.send(stage="run", error=name)
    try:
        line, source_line = crash_line(path, tb)
    except BaseException:  # noqa: BLE001 - no file could be opened (every descriptor in use)
        line, source_line = None, ""
    try:
        report.send(
            stage="run",
            error=name,
            message=str(error),
            line=line,
            source_line=source_line,
            waited_for_input=isinstance(error, EOFError),
            **refusal(error),  # what confinement refused it, when that is what stopped it
        )
        excepthook(type(error), error.with_traceback(tb), tb)
    except BaseException:  # noqa: BLE001, S110 - the crash is reported; its words were the student's
        pass
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:  # noqa: SIM105 - no contextlib import in the child, paid on every run
            stream.flush()  # pyright: ignore[reportOptionalMemberAccess]
        except BaseException:  # noqa: BLE001, S110 - a stream the program broke
            pass
    end(1)


def main() -> NoReturn:
    """Judge the file's read, parse and compile, seal that verdict, then run or call it."""
    # The child package, from its private copy (``sys.path[0]``, never the kit), before the
    # orders are read: a launcher started ahead of its run (``checks.run.spare``) has it ready.
    from checks.child import confine, rlimits
    from checks.child import seal as sealing
    from checks.child.where import crash_line, decode

    for name in ("ctypes", "resource") if sys.platform == "linux" else ():  # Landlock, limits
        __import__(name)
    orders = _read_orders()
    rlimits.apply(orders.get("limit", []))  # first: no code of the run is older than its limits
    if sys.flags.no_site:
        # Started with -S, so that no site-packages leads to the kit: what site gives a script.
        import site

        site.setquit()
        site.setcopyright()
        site.sethelper()
    seal = _Pipe(_descriptor(_one(orders, "seal", "-1")))
    report = _Pipe(_descriptor(_one(orders, "report", "-1")))
    # The program gets no input: input() meets the end of the file at once.
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115

    path = _one(orders, "file")
    given = _one(orders, "shown", path)
    calls = orders.get("call", [])
    trial = _one(orders, "mode") == "calls"
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as error:
        seal.send(
            stage="read", error=type(error).__name__, message=str(error), line=None, source_line=""
        )
        seal.close()
        sys.stderr.write(f"{sys.executable}: can't open file {given!r}: {error}\n")
        sys.exit(2)

    spec = "\0".join(orders.get("confine", []))  # what the program may reach; empty: free
    if b"\0" in data and not trial and not _interpreter_rejects_nul():
        confine.enter(spec, path, report.send)  # the grandchild inherits the confinement
        _run_unjudged(seal, path)
    try:
        text = decode(path, data)
    except SyntaxError as error:
        _refuse(seal, "read", error)
    try:
        # From the text, as ``python FILE`` compiles it: a syntax tree compiled again meets
        # limits of its own (a sum of a thousand terms is a RecursionError on 3.10 and 3.11).
        code = compile(text, path, "exec", dont_inherit=True)
    except (SyntaxError, MemoryError, RecursionError) as error:
        _refuse(seal, _refused_by(text, path, error), error)
    source = text  # a crash's line is shown as the file was compiled (a str: no container
    del text, data  # the program's gc.get_objects() finds holds it)

    # Sealed: the verdict is out and its pipe closed before a line of the student's runs.
    seal.send(stage="started")
    seal.close()
    del seal
    private = sys.path[0]
    sys.argv = [given]
    sys.orig_argv = [sys.executable, given]
    # sys.path[0] stays the private copy until the kit's own imports are done: a module the
    # copy's folder holds under a standard library name (random.py beside the file) must never
    # be imported by the kit, unconfined. The file's folder takes its place just before
    # confinement is entered, as ``python FILE`` puts it there.
    helpers = bool(_one(orders, "helpers")) and not trial
    hidden = orders.get("hide", [])
    sealed = (_descriptor(_one(orders, "facts", "-1")), _one(orders, "nonce"))
    del orders  # the nonce: nothing of it stays on a stack the student's code could walk
    if helpers:
        sys.path.insert(1, private)
        import checks.child

        checks.child.ASKED = True  # the driver's facts are for the kit: it asked for them
    if (trial or helpers) and sys.version_info < (3, 12):  # a namedtuple, an Enum, a TypeVar
        for name in ("collections", "enum", "typing"):  # (typing's own too) made at run time
            __import__(name)  # read a frame's module name: loaded before the seal, it lets them
    if trial:
        from checks.child import calls as trials

        # The calls are the kit's own text, read here before any code of the student's runs.
        asked = [trials.order(call) for call in calls]
        senders = {"loaded": [trials.answer], "answer": [trials.answer]}
        _seal_facts(sealing, *sealed, private, senders)
        del sealed
        _hide_kit(hidden, helpers=False)
        del hidden  # it names the kit's folders
        _script_path(path, private, helpers=False)
        confine.enter(spec, path, report.send)
        trials.answer(code, path, asked, source)
        _audit(RECORD, "end", None)
        _end_quietly()
    _hide_kit(hidden, helpers=helpers)
    del hidden
    if helpers:  # the driver's code trusted at once: no hold on the channel stays here
        from checks.child.probe import Probe

        senders = {"facts": [Probe.report]}
        _seal_facts(sealing, *sealed, private, senders, open_kinds=("piece", "returned"))([code])
    del sealed
    # Confined here, once: a program at once; the kit's driver (its spec says so) at its first
    # run of code from the copy other than itself, the student's module, after its own imports.
    _script_path(path, private, helpers=helpers)
    del private
    confine.enter(spec, path, report.send)
    refusal = confine.refusal
    del confine, spec
    _run_main(
        code, path, report, lambda at, tb: crash_line(at, tb, source), refusal, driver=helpers
    )
    # The driver ran to its end (a crash of the kit's own code ends the process without this).
    _audit(RECORD, "end", None)
    _end_quietly()


def _seal_facts(
    sealing: types.ModuleType,
    fd: int,
    nonce: str,
    private: str,
    senders: Mapping[str, Sequence[Callable[..., None]]],
    *,
    open_kinds: Sequence[str] = (),
) -> Callable[[Iterable[types.CodeType]], None]:
    """Open the sealed channel (``seal.install``): the kit's code so far is trusted, ``main``
    alone may end it, and each sender may say its kind of record."""
    kit = [m for n, m in sys.modules.items() if n.startswith("checks.child")]
    kit.append(sys.modules[__name__])
    return sealing.install(
        fd,
        nonce,
        {
            "end": [main.__code__],
            **{kind: [f.__code__ for f in functions] for kind, functions in senders.items()},  # pyright: ignore[reportFunctionMemberAccess]
        },
        sealing.kit_code(kit),
        folder=os.path.join(private, "checks", ""),
        open_kinds=open_kinds,
    )


def _end_quietly() -> NoReturn:
    """End the process now: what the program left behind (``atexit``, threads) says nothing."""
    for stream in (sys.stdout, sys.stderr):
        try:  # noqa: SIM105 - no contextlib import in the child, paid on every run
            stream.flush()
        except BaseException:  # noqa: BLE001, S110 - a stream the program broke
            pass
    os._exit(0)


if __name__ == "__main__":
    main()
