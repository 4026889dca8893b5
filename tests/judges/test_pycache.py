"""The facts of ``checks/judges/pyc.py`` and ``gitignore.py``, checked against CPython and git.

The samples must be real (where importlib says, with this Python's magic number, stale exactly
when CPython itself recompiles them), the experiment must give CPython's answer whatever the
shell sets, and the two ``.gitignore`` judges (git, pathspec) must agree on every ``.gitignore``
the kit ships: the starter, the solution and each case.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from checks.judges.gitignore import (
    MUST_IGNORE,
    MUST_KEEP,
    Judge,
    expect_gitignore_ignores,
    expect_gitignore_keeps,
    find_git,
    ignored,
)
from checks.judges.pyc import (
    FLAG_CHECK_SOURCE,
    FLAG_HASH_BASED,
    cache_from_source,
    experiment,
    header_of,
    make_samples,
    matches_source,
)
from tests.support import KIT, run_pytest

SHELL = {
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONPYCACHEPREFIX": "",  # filled in with a folder by the fixture
    "SOURCE_DATE_EPOCH": "1700000000",
}
"""What a student's shell may set to change where, whether and how bytecode is written."""

GITIGNORES = sorted(
    [
        KIT / "exercises" / "07" / "project" / ".gitignore",
        KIT / "solutions" / "07" / "project" / ".gitignore",
        *(KIT / "tests" / "cases" / "07").glob("*/project/.gitignore"),
    ]
)

MORE_GITIGNORES = {
    "trailing_spaces": b"__pycache__/   \n*.pyc \n",
    "negated": b"*.pyc\n!old.pyc\n__pycache__/\n",
    "reinclude_in_ignored_folder": b"__pycache__/\n!__pycache__/helper.*.pyc\n*.pyc\n",
    "double_star": b"**/__pycache__/**\n**/*.py[co]\n",
    "comment_and_escape": b"# __pycache__/\n\\#*.pyc\n*.pyc\n",
    "crlf_bom": b"\xef\xbb\xbf__pycache__/\r\n*.pyc\r\n",
    "anchored_in_folder": b"pkg/__pycache__/\n*.pyc\n",
    "everything_but_sources": b"*\n!*.py\n!*/\n!README.md\n!.gitignore\n",
}

HAS_GIT = find_git() is not None


@pytest.fixture
def shell(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Set what a student's shell may set; the folder PYTHONPYCACHEPREFIX points at."""
    prefix = tmp_path / "prefix"
    for name, value in SHELL.items():
        monkeypatch.setenv(name, value or str(prefix))
    return prefix


def _cpython_recompiles(source: Path) -> bool:
    """Import ``source`` in a fresh child Python: whether CPython rewrote its cached pyc."""
    pyc = Path(importlib.util.cache_from_source(str(source)))
    before = pyc.read_bytes()
    subprocess.run(
        [sys.executable, "-E", "-c", f"import {source.stem}"],
        cwd=source.parent,
        check=True,
        capture_output=True,
    )
    return pyc.read_bytes() != before


def test_samples_are_real_pycs_where_importlib_says(shell: Path, tmp_path: Path) -> None:
    """The samples are real pycs, in __pycache__ beside their sources, whatever the shell sets."""
    samples = make_samples(tmp_path / "samples")
    for sample in samples.items:
        assert sample.pyc.read_bytes()[:16] == (sample.header.magic + sample.pyc.read_bytes()[4:16])
        if sample.foreign:
            assert sample.header.magic != importlib.util.MAGIC_NUMBER
            continue
        assert sample.header.magic == importlib.util.MAGIC_NUMBER
        assert sample.pyc.parent == sample.source.parent / "__pycache__"
        assert sample.pyc.name == f"{Path(sample.name).name}.{sys.implementation.cache_tag}.pyc"
        assert sample.cached_at == sample.pyc
    assert not shell.exists(), "PYTHONPYCACHEPREFIX reached the kit's child"
    flags = {s.name: s.header.flags for s in samples.items}
    assert flags["fresh"] == 0
    assert flags["checked"] == FLAG_HASH_BASED | FLAG_CHECK_SOURCE
    assert flags["unchecked"] == FLAG_HASH_BASED


def test_samples_are_distinct(tmp_path: Path) -> None:
    """No two timestamp samples share an mtime or a size, so no fixed number fits them all."""
    samples = make_samples(tmp_path / "samples")
    timestamp = [s.header for s in samples.items if not s.header.hash_based and not s.foreign]
    assert len({h.mtime for h in timestamp}) == len(timestamp)
    assert len({h.size for h in timestamp}) == len(timestamp)


def test_staleness_agrees_with_cpython(tmp_path: Path) -> None:
    """A sample is stale exactly when CPython itself, importing it, compiles it again."""
    samples = make_samples(tmp_path / "samples")
    for sample in samples.items:
        unchecked = sample.header.hash_based and not sample.header.flags & FLAG_CHECK_SOURCE
        if sample.stale is None or unchecked or "/" in sample.name:
            continue
        assert matches_source(sample.source, sample.pyc) is not sample.stale
        assert _cpython_recompiles(sample.source) is sample.stale, sample.name


def test_header_of_reads_the_bytes(tmp_path: Path) -> None:
    """header_of reads mtime and size of a timestamp pyc, and the hash of a hash-based one."""
    samples = make_samples(tmp_path / "samples")
    fresh = next(s for s in samples.items if s.name == "fresh")
    stat = fresh.source.stat()
    assert (fresh.header.mtime, fresh.header.size) == (int(stat.st_mtime), stat.st_size)
    checked = next(s for s in samples.items if s.name == "checked")
    assert checked.header.source_hash == importlib.util.source_hash(checked.source.read_bytes())
    assert header_of(checked.pyc) == checked.header


@pytest.mark.usefixtures("shell")
def test_cache_from_source_follows_the_tag(tmp_path: Path) -> None:
    """cache_from_source asks a clean child: no pycache prefix, and the tag it is given."""
    source = tmp_path / "a.b.py"
    assert cache_from_source([source]) == [
        tmp_path / "__pycache__" / f"a.b.{sys.implementation.cache_tag}.pyc"
    ]
    assert cache_from_source([source], tag="other-7") == [
        tmp_path / "__pycache__" / "a.b.other-7.pyc"
    ]


def test_experiment_gives_cpythons_answer(shell: Path, tmp_path: Path) -> None:
    """The script run gets no pyc, the module it imports does, even if the shell says otherwise."""
    seen = experiment(tmp_path / "experiment")
    assert not seen.main_script_gets_pyc
    assert seen.imported_module_gets_pyc
    assert seen.cached == (f"helper.{sys.implementation.cache_tag}.pyc",)
    assert not shell.exists()


def _judges() -> list[Judge]:
    return [Judge(git=None), *([Judge(git=find_git())] if HAS_GIT else [])]


@pytest.mark.parametrize("judge", _judges(), ids=str)
def test_solution_gitignore_passes_with_either_judge(judge: Judge) -> None:
    """The solution's .gitignore hides the bytecode and keeps the project, by git and pathspec."""
    gitignore = KIT / "solutions" / "07" / "project" / ".gitignore"
    expect_gitignore_ignores(gitignore, judge=judge)
    expect_gitignore_keeps(gitignore, judge=judge)


def test_pathspec_judge_is_named_in_the_message(tmp_path: Path) -> None:
    """Judged by the library, a failure says so, even where git is installed."""
    gitignore = tmp_path / ".gitignore"
    gitignore.write_text("*.pyc\n", encoding="utf-8")
    with pytest.raises(pytest.fail.Exception, match="pathspec library"):
        expect_gitignore_ignores(gitignore, judge=Judge(git=None))


def test_no_git_means_pathspec(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Where git is not on PATH, find_git says so and the library judges."""
    monkeypatch.setenv("PATH", str(tmp_path))
    find_git.cache_clear()
    try:
        assert find_git() is None
        gitignore = tmp_path / ".gitignore"
        gitignore.write_text("__pycache__/\n", encoding="utf-8")
        assert ignored(gitignore, ["__pycache__/a.pyc", "main.py"]) == {"__pycache__/a.pyc"}
    finally:
        find_git.cache_clear()


@pytest.mark.skipif(not HAS_GIT, reason="git is not installed")
@pytest.mark.parametrize(
    "gitignore",
    GITIGNORES + list(MORE_GITIGNORES),
    ids=lambda g: str(g.relative_to(KIT)) if isinstance(g, Path) else g,
)
def test_git_and_pathspec_agree(gitignore: Path | str, tmp_path: Path) -> None:
    """Both judges hide the same paths for every .gitignore the kit ships, and some odd ones."""
    if isinstance(gitignore, str):
        path = tmp_path / ".gitignore"
        path.write_bytes(MORE_GITIGNORES[gitignore])
        gitignore = path
    tag = sys.implementation.cache_tag
    probes = [p.format(tag=tag) for p in MUST_IGNORE] + list(MUST_KEEP)
    by_git = ignored(gitignore, probes, judge=Judge(git=find_git()))
    by_library = ignored(gitignore, probes, judge=Judge(git=None))
    assert by_git == by_library


def test_git_ignores_user_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A global excludes file of the user's does not count: only the student's .gitignore does."""
    if not HAS_GIT:
        pytest.skip("git is not installed")
    home = tmp_path / "home"
    (home / ".config" / "git").mkdir(parents=True)
    (home / ".config" / "git" / "ignore").write_text("*.pyc\n__pycache__/\n", encoding="utf-8")
    (home / ".gitconfig").write_text("[core]\n\texcludesFile = ~/.config/git/ignore\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    gitignore = tmp_path / ".gitignore"
    gitignore.write_text("# nothing yet\n", encoding="utf-8")
    probes = ["old.pyc", "__pycache__/a.pyc"]
    assert ignored(gitignore, probes, judge=Judge(git=find_git())) == set()


CORE_ONLY = '''"""Exercise 07 with the core done and going further not started."""

import sys
from pathlib import Path


def cache_path(source: Path) -> Path:
    """Where CPython caches the bytecode of `source`."""
    return source.parent / "__pycache__" / f"{source.stem}.{sys.implementation.cache_tag}.pyc"


def read_header(pyc: Path):
    """Not written yet."""
    raise NotImplementedError


def is_stale(source: Path, pyc: Path) -> bool:
    """Not written yet."""
    raise NotImplementedError
'''

GOING_FURTHER = {
    "test_read_header",
    "test_is_stale_timestamp_pycs",
    "test_is_stale_hash_based_pycs",
}
"""The checks of 07's "going further" part: the core's points must not depend on them."""


def test_the_core_does_not_depend_on_going_further(tmp_path: Path) -> None:
    """With the core done and going further not started, only going further's checks fail."""
    target = tmp_path / "exercises" / "07"
    shutil.copytree(KIT / "solutions" / "07", target)
    (target / "pycache.py").write_text(CORE_ONLY, encoding="utf-8")
    done = run_pytest("exercises/07", "--submission", str(tmp_path), "-rf")
    failed = {
        line.split("::")[1].split(" ")[0]
        for line in done.stdout.splitlines()
        if line.startswith("FAILED ")
    }
    assert failed == GOING_FURTHER, done.stdout
    text = (KIT / "exercises" / "07" / "test_pycache.py").read_text(encoding="utf-8")
    # Each test's weight (points(n), 1 when none), or no share at all for a guard.
    weights = {
        name: 0.0 if "mark.guard" in marks else float(next(iter(points), 1))
        for marks, name in re.findall(r"((?:@pytest\.mark\.[^\n]*\n)*)def (test_\w+)", text)
        for points in [re.findall(r"points\(([\d.]+)\)", marks)]
    }
    assert len(weights) == 8, weights
    further = sum(float(w) for name, w in weights.items() if name in GOING_FURTHER)
    core = sum(float(w) for name, w in weights.items() if name not in GOING_FURTHER)
    assert (core, further) == (8.0, 2.0), "the README says the core is 8 of 10 points"
