"""Pyright's findings as data: one run, the JSON read rightly, a cache that is never stale."""

from __future__ import annotations

import ast
import contextlib
import sys
import threading
from pathlib import Path

import psutil
import pytest

from checks.run import typecheck
from checks.run.typecheck import TypecheckError, in_plain_words, run_pyright, suppressions

WRONG_CALL = "def add(a: int, b: int) -> int:\n    return a + b\n\n\nadd('2', '3')\n"
RIGHT_CALL = "def add(a: int, b: int) -> int:\n    return a + b\n\n\nadd(2, 3)\n"


def test_findings_carry_rule_and_position(tmp_path: Path) -> None:
    """A wrong call is reported as reportArgumentType at its line and column (from 1)."""
    program = tmp_path / "wrong.py"
    program.write_text(WRONG_CALL, encoding="utf-8")
    findings = run_pyright([program])[program.resolve()]
    assert {(f.rule, f.line, f.column) for f in findings} == {
        ("reportArgumentType", 5, 5),
        ("reportArgumentType", 5, 10),
    }


def test_one_run_for_many_files(tmp_path: Path) -> None:
    """Many files are checked in one pyright launch."""
    files = []
    for number in range(5):
        folder = tmp_path / f"f{number}"
        folder.mkdir()
        files.append(folder / "p.py")
        files[-1].write_text(WRONG_CALL if number % 2 else RIGHT_CALL, encoding="utf-8")
    launches: list[int] = []
    found = run_pyright(files, launched=lambda: launches.append(1))
    assert len(launches) == 1
    assert [len(found[f.resolve()]) for f in files] == [0, 2, 0, 2, 0]


def test_cache_answers_unchanged_and_rejudges_changed(tmp_path: Path) -> None:
    """An unchanged file is answered from the cache with the same findings; a changed one is not."""
    program = tmp_path / "p.py"
    cache = tmp_path / "cache"
    program.write_text(WRONG_CALL, encoding="utf-8")
    launches: list[int] = []
    fresh = run_pyright([program], cache=cache, launched=lambda: launches.append(1))
    again = run_pyright([program], cache=cache, launched=lambda: launches.append(1))
    assert len(launches) == 1
    assert again == fresh
    program.write_text(RIGHT_CALL, encoding="utf-8")
    changed = run_pyright([program], cache=cache, launched=lambda: launches.append(1))
    assert len(launches) == 2
    assert changed[program.resolve()] == []
    (tmp_path / "helper.py").write_text("x = 1\n", encoding="utf-8")
    run_pyright([program], cache=cache, launched=lambda: launches.append(1))
    assert len(launches) == 3, "a new file beside it may change what it imports"


def test_pyright_that_cannot_run_is_an_error(tmp_path: Path) -> None:
    """A pyright that gives no report is an error, never 'no findings'."""
    program = tmp_path / "p.py"
    program.write_text(RIGHT_CALL, encoding="utf-8")
    kit = tmp_path / "kit-without-config"
    kit.mkdir()
    with pytest.raises(TypecheckError, match="without a report"):
        run_pyright([program], root=kit)


def test_identical_files_share_one_check_and_keep_their_own_names(tmp_path: Path) -> None:
    """Two students' identical files: one is checked, each gets findings that name its file."""
    files = []
    for student in ("ann", "bob"):
        folder = tmp_path / student
        folder.mkdir()
        files.append(folder / "p.py")
        files[-1].write_text(WRONG_CALL, encoding="utf-8")
    found = run_pyright(files, cache=tmp_path / "cache")
    for file in files:
        assert {f.file for f in found[file.resolve()]} == {file.resolve()}
        assert [(f.rule, f.line) for f in found[file.resolve()]] == [
            ("reportArgumentType", 5),
            ("reportArgumentType", 5),
        ]


def test_a_cancelled_run_is_an_error_and_stores_nothing(tmp_path: Path) -> None:
    """The session cancels a pyright run no test asked for: it ends, and nothing is kept."""
    program = tmp_path / "p.py"
    program.write_text(WRONG_CALL, encoding="utf-8")
    cache = tmp_path / "cache"
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(TypecheckError, match="cancelled"):
        run_pyright([program], cache=cache, cancel=cancel)
    assert not list(cache.glob("*.json"))


# Pyright's own command is a Python wrapper that runs node as its child; this one does the same,
# with a child that holds the output pipes and never ends on its own.
WRAPPER = """\
import subprocess, sys, time
from pathlib import Path
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
Path(sys.argv[1]).write_text(str(child.pid))
time.sleep(3600)
"""


HANG = 600.0
"""Seconds after which a cancelled run that has not ended is taken for hung."""


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.skipif(sys.platform == "win32", reason="the wrapper's child is killed as a job")
def test_a_cancelled_run_ends_every_process_pyright_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cancelling kills the wrapper and node both: killing the wrapper alone left node running,
    and the run then waited for node to close the pipes it had inherited."""
    (tmp_path / "wrapper.py").write_text(WRAPPER, encoding="utf-8")
    started = tmp_path / "node.pid"
    command = [sys.executable, str(tmp_path / "wrapper.py"), str(started)]
    monkeypatch.setattr(typecheck, "pyright_command", lambda: command)
    program = tmp_path / "p.py"
    program.write_text(RIGHT_CALL, encoding="utf-8")
    cancel = threading.Event()
    raised: list[BaseException] = []

    def check() -> None:
        try:
            run_pyright([program], cancel=cancel)
        except TypecheckError as error:
            raised.append(error)

    checking = threading.Thread(target=check, daemon=True)
    checking.start()
    node: psutil.Process | None = None
    try:
        while node is None:
            assert checking.is_alive(), "the wrapper ended before it started its child"
            if started.exists() and started.read_text():
                node = psutil.Process(int(started.read_text()))
            else:
                checking.join(0.05)
        cancel.set()
        # Before, the run waited for node to close its pipes: a hang, which pytest's timeout
        # (or this join) turns into a failure.
        checking.join(HANG)
        assert not checking.is_alive(), "the cancelled run waits for node, left running"
        assert "cancelled" in str(raised[0])
        assert not _alive(node), "node was left"
    finally:
        if node is not None:
            with contextlib.suppress(psutil.Error):
                node.kill()


@pytest.mark.parametrize(
    ("line", "silences"),
    [
        ("x: int = 'a'  # type: ignore", True),
        ("x: int = 'a'  # type:ignore[assignment]", True),
        ("x: int = 'a'  # pyright: ignore[reportAssignmentType]", True),
        ("# pyright: basic", True),
        ("x = 1  # note # type: ignore", True),
        ("x = '# type: ignore'", False),
        ("# say no `# type: ignore` comments", False),
        ("# pyright is a type checker", False),
    ],
)
def test_suppressions_are_found_in_comments_only(tmp_path: Path, line: str, silences: bool) -> None:
    """Only comments that pyright itself would obey count as silencing it."""
    program = tmp_path / "p.py"
    program.write_text(line + "\n", encoding="utf-8")
    assert bool(suppressions(program)) is silences


INVOICE = """\
ORDER: list[tuple[str, float, int]] = [
    ("notebook", 2.50, "4"),
    ("pen", "1.20", 3),
]
"""


def test_findings_in_plain_words_name_each_value_on_its_own_line(tmp_path: Path) -> None:
    """Each wrong value is named on its own line, as text where the hint wants a number."""
    program = tmp_path / "invoice.py"
    program.write_text(INVOICE, encoding="utf-8")
    findings = run_pyright([program])[program.resolve()]
    said = in_plain_words(findings, ast.parse(INVOICE))
    assert any(s.startswith("line 2: '4' is text") and "int" in s for s in said), said
    assert any(s.startswith("line 3: '1.20' is text") and "float" in s for s in said), said
    called = in_plain_words(run_pyright([_wrong_call(tmp_path)])[_wrong_call(tmp_path)], None)
    assert any("'2' is text" in s and "parameter a" in s for s in called), called


def _wrong_call(tmp_path: Path) -> Path:
    program = tmp_path / "wrong.py"
    program.write_text(WRONG_CALL, encoding="utf-8")
    return program.resolve()
