"""The caches never change a verdict: a kept run or test equals a fresh one, a change is judged
again, and what the machine decides (a timeout) is never kept."""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from checks import cache as kit_cache
from checks.cache import file_entry, walk_files
from checks.run.cache import RunCache, use_cache
from checks.run.copy import copies, copy_digest
from checks.run.limits import Limits
from checks.run.program import launches, run_file
from tests.support import KIT, SAMPLE_PROGRAMS, run_pytest

PROGRAMS = SAMPLE_PROGRAMS


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[RunCache]:
    """A run cache in use for the test, and none after it."""
    kept = RunCache(tmp_path / "runs")
    use_cache(kept)
    yield kept
    use_cache(None)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_a_kept_run_equals_a_fresh_one(tmp_path: Path, cache: RunCache, name: str) -> None:
    """The second run of an unchanged file is read from the cache and is the same ``Run``."""
    folder = tmp_path / "work"
    folder.mkdir()
    program = folder / "program.py"
    program.write_text(PROGRAMS[name], encoding="utf-8")
    started = launches()
    fresh = run_file(program)
    kept = run_file(program)
    assert launches() - started == 1
    assert cache.hits == 1
    assert kept == fresh


def test_a_changed_file_or_neighbour_is_run_again(tmp_path: Path, cache: RunCache) -> None:
    """Any byte of the file or of its folder, or another limit, makes a new key."""
    folder = tmp_path / "work"
    folder.mkdir()
    program = folder / "program.py"
    program.write_text("print(open('data.txt').read())\n", encoding="utf-8")
    (folder / "data.txt").write_text("one", encoding="utf-8")
    assert run_file(program).stdout == "one\n"
    (folder / "data.txt").write_text("two", encoding="utf-8")
    assert run_file(program).stdout == "two\n"
    program.write_text("print(open('data.txt').read() * 2)\n", encoding="utf-8")
    assert run_file(program).stdout == "twotwo\n"
    assert run_file(program, limits=Limits(timeout=5)).stdout == "twotwo\n"
    assert cache.hits == 0
    assert run_file(program).stdout == "twotwo\n"
    assert cache.hits == 1


def test_a_stopped_run_is_never_kept(tmp_path: Path, cache: RunCache) -> None:
    """A run stopped by its timeout depends on the machine: it runs again every time."""
    program = tmp_path / "loop.py"
    program.write_text("while True:\n    pass\n", encoding="utf-8")
    started = launches()
    for _ in range(2):
        assert run_file(program, limits=Limits(timeout=0.5)).timed_out
    assert launches() - started == 2
    assert cache.hits == 0


def test_uncached_runs_are_asked_for(tmp_path: Path, cache: RunCache) -> None:
    """``cached=False`` (a program that reads files outside its folder) always runs."""
    program = tmp_path / "p.py"
    program.write_text("print(1)\n", encoding="utf-8")
    started = launches()
    run_file(program, cached=False)
    run_file(program, cached=False)
    assert launches() - started == 2
    assert cache.hits == 0


def _check(submission: Path, cache: Path, *args: str) -> tuple[str, dict[str, int]]:
    done = run_pytest(
        "exercises/01",
        f"--submission={submission}",
        f"--checks-cache={cache}",
        "-v",
        "--color=no",
        *args,
    )
    found = re.search(
        r"files run: (\d+); runs from the cache: (\d+); tests from the cache: (\d+)", done.stdout
    )
    assert found, done.stdout + done.stderr
    counts: dict[str, int] = {
        name: int(value)
        for name, value in zip(("files", "runs", "tests"), found.groups(), strict=True)
    }
    text = re.sub(r"\(files run: .*\)|in [\d.]+s", "", done.stdout)
    return text, counts


def _student(root: Path, source: Path) -> Path:
    (root / "exercises" / "01").mkdir(parents=True)
    shutil.copyfile(source, root / "exercises" / "01" / "hello.py")
    return root


def test_a_kept_test_verdict_equals_a_fresh_one_and_a_fix_is_judged(tmp_path: Path) -> None:
    """Unchanged: the same report, nothing run. Fixed: judged again, and it passes."""
    student = _student(tmp_path / "student", KIT / "starters" / "01" / "hello.py")
    cache = tmp_path / "cache"
    fresh, first = _check(student, cache)
    kept, second = _check(student, cache)
    assert "1 failed" in fresh
    assert first["files"] >= 1
    assert first["tests"] == 0
    assert second == {"files": 0, "runs": 0, "tests": 1}
    assert kept == fresh
    shutil.copyfile(KIT / "solutions" / "01" / "hello.py", student / "exercises/01/hello.py")
    fixed, third = _check(student, cache)
    assert "1 passed" in fixed
    assert third["files"] == 1
    assert third["tests"] == 0


def test_the_same_files_elsewhere_share_a_verdict_that_names_their_own_folder(
    tmp_path: Path,
) -> None:
    """Two students' identical files: one is judged, the other's report names its own files."""
    cache = tmp_path / "cache"
    first = tmp_path / "first"
    second = tmp_path / "second"
    for student in (first, second):
        (student / "exercises" / "01").mkdir(parents=True)  # hello.py is missing
    one, _ = _check(first, cache)
    two, counts = _check(second, cache)
    assert counts["tests"] == 1
    assert str(first / "exercises" / "01" / "hello.py") in one
    assert str(second / "exercises" / "01" / "hello.py") in two
    assert str(first) not in two


def test_a_timed_out_test_is_not_kept(tmp_path: Path) -> None:
    """A failure caused by a timeout is judged again on the next check."""
    student = tmp_path / "student"
    (student / "exercises" / "01").mkdir(parents=True)
    (student / "exercises" / "01" / "hello.py").write_text("while True:\n    pass\n")
    cache = tmp_path / "cache"
    for _ in range(2):
        text, counts = _check(student, cache, "-o", "checks_timeout=1")
        assert "did not finish in time" in text
        assert counts["tests"] == 0
        assert counts["files"] == 1


def test_cache_clear_forgets_every_verdict(tmp_path: Path) -> None:
    """``--cache-clear`` (pytest's own) empties the kit's caches in pytest's cache folder."""
    student = _student(tmp_path / "student", KIT / "solutions" / "01" / "hello.py")
    where = f"cache_dir={tmp_path / 'pytest-cache'}"

    def check(*args: str) -> str:
        done = run_pytest("exercises/01", f"--submission={student}", "-v", "-o", where, *args)
        assert "1 passed" in done.stdout, done.stdout + done.stderr
        return done.stdout

    check()
    assert "tests from the cache: 1" in check()
    cleared = check("--cache-clear")
    assert "tests from the cache: 0" in cleared
    assert "files run: 1" in cleared


def test_a_graded_run_trusts_no_cache_it_was_not_given(tmp_path: Path) -> None:
    """With --gradescope and no --checks-cache, pytest's cache folder is neither read nor kept."""
    student = _student(tmp_path / "student", KIT / "solutions" / "01" / "hello.py")
    where = f"cache_dir={tmp_path / 'pytest-cache'}"
    report = f"--gradescope={tmp_path / 'results.json'}"
    for _ in range(2):
        done = run_pytest("exercises/01", f"--submission={student}", "-v", "-o", where, report)
        assert "1 passed" in done.stdout, done.stdout + done.stderr
        assert "files run: 1; runs from the cache: 0; tests from the cache: 0" in done.stdout


def test_a_stopped_driver_run_is_neither_shared_nor_kept(tmp_path: Path) -> None:
    """Exercise 07's two cache_path tests share a driver run, unless it had to be stopped:
    then each runs its own, and neither verdict is kept."""
    student = tmp_path / "student"
    shutil.copytree(KIT / "solutions" / "07", student / "exercises" / "07")
    pycache = student / "exercises" / "07" / "pycache.py"
    pycache.write_text(
        pycache.read_text(encoding="utf-8")
        + "\n\ndef cache_path(source):\n    while True:\n        pass\n",
        encoding="utf-8",
    )
    cache = tmp_path / "cache"
    for _ in range(2):
        done = run_pytest(
            "exercises/07",
            f"--submission={student}",
            f"--checks-cache={cache}",
            "-k",
            "cache_path",
            "-v",
            "-o",
            "checks_timeout=1",
        )
        assert "2 failed" in done.stdout, done.stdout + done.stderr
        assert "files run: 2; runs from the cache: 0; tests from the cache: 0" in done.stdout


def test_a_run_the_cache_answers_makes_no_copy(tmp_path: Path, cache: RunCache) -> None:
    """The cache is asked before the folder is copied: a kept run costs no throwaway copy."""
    folder = tmp_path / "work"
    (folder / "data").mkdir(parents=True)
    program = folder / "program.py"
    program.write_text("print(open('data/d.txt').read())\n", encoding="utf-8")
    (folder / "data" / "d.txt").write_text("one", encoding="utf-8")
    made = copies()
    assert run_file(program).stdout == "one\n"
    assert run_file(program).stdout == "one\n"
    assert copies() - made == 1
    assert cache.hits == 1
    (folder / "data" / "d.txt").write_text("two", encoding="utf-8")
    assert run_file(program).stdout == "two\n"
    assert copies() - made == 2


def test_a_folder_with_a_link_is_kept_by_its_copy(tmp_path: Path, cache: RunCache) -> None:
    """A link in the folder (the copy follows it): the key is read from the copy as made, so
    a change behind the link is run again."""
    folder = tmp_path / "work"
    folder.mkdir()
    program = folder / "program.py"
    program.write_text("print(open('link.txt').read())\n", encoding="utf-8")
    (folder / "data.txt").write_text("one", encoding="utf-8")
    (folder / "link.txt").symlink_to("data.txt")
    assert copy_digest(folder) is None
    assert run_file(program).stdout == "one\n"
    assert run_file(program).stdout == "one\n"
    assert cache.hits == 1
    (folder / "data.txt").write_text("two", encoding="utf-8")
    assert run_file(program).stdout == "two\n"
    assert cache.hits == 1


def test_the_digest_of_a_copy_holds_what_the_copy_holds(tmp_path: Path) -> None:
    """Equal digests for what the copy leaves out (bytecode); a new digest for any byte, name,
    empty folder, overlay or execute bit the copy would take."""
    folder = tmp_path / "work"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.py").write_text("print(1)\n", encoding="utf-8")
    (folder / "sub" / "b.txt").write_text("b", encoding="utf-8")
    overlay = tmp_path / "mine.py"
    overlay.write_text("print(2)\n", encoding="utf-8")
    first = copy_digest(folder)
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0" * 16)
    (folder / "sub" / "c.pyc").write_bytes(b"\0")
    assert copy_digest(folder) == first
    seen = {first}
    for change in (
        lambda: (folder / "sub" / "b.txt").write_text("B", encoding="utf-8"),
        (folder / "empty").mkdir,
        lambda: (folder / "a.py").chmod(0o755),
        lambda: (folder / "sub" / "b.txt").rename(folder / "sub" / "c.txt"),
    ):
        change()
        seen.add(copy_digest(folder))
    seen.add(copy_digest(folder, {"a.py": overlay}))
    seen.add(copy_digest(folder, {"sub/a.py": overlay}))
    assert None not in seen
    assert len(seen) == 7


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file counts as left alone long before it is read, so its hash is remembered."""
    monkeypatch.setattr(kit_cache, "_SETTLED_NS", -(10**18))


def _rewrite_keeping_times(path: Path, text: str) -> None:
    """Write ``text`` (of the same size) over ``path`` and set its times back as they were."""
    before = path.stat()
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size


def test_a_file_written_as_it_is_read_is_never_remembered(tmp_path: Path) -> None:
    """A file changed in the same tick of the clock as its last read, to the same size and
    times, still gets a new entry: only a file left alone for a while is remembered."""
    path = tmp_path / "answer.py"
    path.write_text("print(1)\n", encoding="utf-8")
    first = file_entry("answer.py", path)
    _rewrite_keeping_times(path, "print(2)\n")
    assert file_entry("answer.py", path) != first
    assert str(path) not in kit_cache._HASHES  # pyright: ignore[reportPrivateUsage]


@pytest.mark.usefixtures("settled")
def test_a_remembered_file_is_read_again_after_any_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A remembered hash answers while the file is untouched (nothing is read), and any write,
    mode change or replacement makes it read again, even one that keeps its size and times."""
    path = tmp_path / "answer.py"
    path.write_text("print(1)\n", encoding="utf-8")
    first = file_entry("answer.py", path)
    with monkeypatch.context() as unreadable:
        unreadable.setattr(kit_cache, "open", _no_open, raising=False)
        assert file_entry("answer.py", path) == first
    seen = {first}
    for change in (
        lambda: _rewrite_keeping_times(path, "print(2)\n"),
        lambda: path.chmod(0o755),
        lambda: _replace(path, "print(3)\n"),
    ):
        time.sleep(0.05)  # past the coarsest tick of the change time (a jiffy, up to 10 ms)
        change()
        seen.add(file_entry("answer.py", path))
    assert len(seen) == 4


def _replace(path: Path, text: str) -> None:
    """Put a new file with ``text`` in the place of ``path``, as an editor's safe save does."""
    new = path.with_name(f"new-{path.name}")
    new.write_text(text, encoding="utf-8")
    new.replace(path)


def _no_open(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("a remembered file was read")


@pytest.mark.usefixtures("settled")
def test_the_kit_digest_sees_a_distribution_installed_since(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder of ``sys.path`` is listed again once an entry is added to it."""
    packages = tmp_path / "site-packages"
    (packages / "pytest-9.0.0.dist-info").mkdir(parents=True)
    monkeypatch.setattr(sys, "path", [str(packages)])
    before = kit_cache.kit_digest(KIT)
    assert kit_cache.kit_digest(KIT) == before
    time.sleep(0.05)
    (packages / "pytest-9.0.1.dist-info").mkdir()
    assert kit_cache.kit_digest(KIT) != before


@pytest.mark.usefixtures("settled")
def test_a_remembered_folder_is_listed_again_after_any_change(tmp_path: Path) -> None:
    """A folder's listing is remembered by its status: a file added, renamed or removed, or a
    file turned into a folder, is seen at the next walk."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.py").write_text("a\n", encoding="utf-8")

    def names() -> list[str]:
        return [name for name, _ in walk_files(tmp_path)]

    assert names() == ["sub/a.py"]
    for change, expected in (
        (lambda: (tmp_path / "sub" / "b.py").write_text("b\n", encoding="utf-8"), ["a.py", "b.py"]),
        (lambda: (tmp_path / "sub" / "b.py").rename(tmp_path / "sub" / "c.py"), ["a.py", "c.py"]),
        ((tmp_path / "sub" / "a.py").unlink, ["c.py"]),
        (lambda: (tmp_path / "sub" / "c.py").unlink() or (tmp_path / "sub" / "c.py").mkdir(), []),
    ):
        time.sleep(0.05)  # past the coarsest tick of the folder's times
        change()
        assert names() == [f"sub/{name}" for name in expected]
