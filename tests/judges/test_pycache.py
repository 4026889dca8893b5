"""The facts of ``checks/judges/pyc.py`` and ``gitignore.py``, checked against CPython and git.

The samples must be real (where importlib says, with this Python's magic number, stale exactly
when CPython itself recompiles them), the experiment must give CPython's answer whatever the
shell sets, and the two ``.gitignore`` judges (git, pathspec) must agree on every ``.gitignore``
the kit ships: the starter, the solution and each case.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.judges import pycache
from checks.judges.clean import cache_from_source
from checks.judges.gitignore import (
    Judge,
    draw_project,
    expect_gitignore_ignores,
    expect_gitignore_keeps,
    find_git,
    ignored,
)
from checks.judges.pyc import (
    FLAG_CHECK_SOURCE,
    FLAG_HASH_BASED,
    Header,
    Samples,
    header_of,
    make_samples,
    matches_source,
)
from checks.judges.pycache import experiment
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


_IMPORT = """\
import importlib.util, sys
spec = importlib.util.spec_from_file_location("sample", sys.argv[1])
spec.loader.exec_module(importlib.util.module_from_spec(spec))
"""
"""Import one source file by its path, whatever its name, as the import system does."""

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
"""The seeds the kit's values are drawn from (``CHECKS_SEED``)."""


def _cpython_recompiles(source: Path) -> bool:
    """Import ``source`` in a fresh child Python: whether CPython rewrote its cached pyc.

    CPython never checks an unchecked hash-based pyc; whether it still matches its source is
    asked of CPython by marking it checked first (flags 3), so that its own check runs.
    """
    pyc = Path(importlib.util.cache_from_source(str(source)))
    data = pyc.read_bytes()
    if header_of(pyc).flags == FLAG_HASH_BASED:
        data = data[:4] + (FLAG_HASH_BASED | FLAG_CHECK_SOURCE).to_bytes(4, "little") + data[8:]
        pyc.write_bytes(data)
    subprocess.run(
        [sys.executable, "-E", "-c", _IMPORT, str(source)],
        check=True,
        capture_output=True,
    )
    return pyc.read_bytes() != data


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
    flags = {s.label: s.header.flags for s in samples.items}
    assert flags["fresh"] == 0
    assert flags["checked"] == FLAG_HASH_BASED | FLAG_CHECK_SOURCE
    assert flags["unchecked"] == FLAG_HASH_BASED


_BOTH_WAYS = """\
import json, marshal, os, shutil, sys
from pathlib import Path
from checks.judges import clean

base = Path(sys.argv[1])
modes = ["TIMESTAMP", "CHECKED_HASH", "UNCHECKED_HASH"]


def sources():
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    made = []
    for number, mode in enumerate(modes):
        source = base / f"sample{number}.py"
        text = f'"Sample {number}."\\r\\nVALUE = {number}\\r\\nassert VALUE >= 0\\r\\n'
        source.write_bytes(text.encode())
        os.utime(source, ns=(10**18, 10**18))
        made.append((source, mode))
    return made


def seen(compiled):
    rows = []
    for written, cached in compiled:
        data = Path(written).read_bytes()
        code = marshal.loads(data[16:])
        # The size too: a Python that drops columns (-X no_debug_ranges) drops them when it
        # loads code as well, so only the file's size shows them gone.
        rows.append([os.path.relpath(written, base), os.path.relpath(cached, base), data[:16].hex(),
                     len(data), code.co_code.hex(), repr(code.co_consts), list(code.co_names)])
    return rows


here = seen(clean.compiled(sources()))
asked = [[str(source), mode] for source, mode in sources()]
child = seen(json.loads(clean._python(clean._COMPILE, json.dumps(asked))))
print(json.dumps([here, child]))
"""
"""Compile the same sources in this process (``_compiled``), then in the clean child: what each
way wrote (the ``.pyc``'s place, header and code) and where ``cache_from_source`` caches."""


@pytest.mark.parametrize(
    "flags",
    [(), ("-O",), ("-X", "no_debug_ranges"), ("-X", "pycache_prefix={prefix}")],
    ids=["plain", "optimized", "no-debug-ranges", "cache-prefix"],
)
def test_samples_compiled_here_are_what_a_clean_child_compiles(
    flags: tuple[str, ...], tmp_path: Path
) -> None:
    """The samples compiled in the kit's own process are what the clean child writes (the same
    places, headers, sizes and code: its asserts, its columns), under the flags that change how a
    Python compiles (``-O``, ``-X no_debug_ranges``; the others come as these do, from the
    environment) or where it caches (``-X pycache_prefix``, under which the child is asked)."""
    prefix = tmp_path / "prefix"
    here, child = _both_ways(_BOTH_WAYS, flags, prefix, tmp_path / "samples")
    assert here == child
    assert not prefix.exists()


def _both_ways(script: str, flags: tuple[str, ...], prefix: Path, folder: Path) -> list[Any]:
    """Run ``script`` on ``folder`` in a Python under ``flags`` (``{prefix}`` filled in): what it
    found in its own process and what the clean child it asked found, as it printed them."""
    # -B: the kit's own imports leave no bytecode (under the prefix, say); py_compile still writes.
    command = [sys.executable, "-B", *(f.format(prefix=prefix) for f in flags), "-c", script]
    done = subprocess.run(
        [*command, str(folder)],
        env={"PYTHONPATH": str(KIT), "PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


_TAGS_BOTH_WAYS = """\
import json, sys
from pathlib import Path
from checks.judges import clean

base = Path(sys.argv[1])
sources = [base / name for name in ("a.py", "b.c.py", "d/e.pyw", ".f.py", "g", "h.txt.py")]
tags = [None, "kit-other-99", "pypy310-pp73", "x.y"]
here = [[str(p) for p in clean.cache_from_source(sources, tag=tag)] for tag in tags]
asked = json.dumps([str(s) for s in sources])
child = [json.loads(clean._python(clean._CACHE_FROM_SOURCE, asked, tag or "")) for tag in tags]
print(json.dumps([here, child]))
"""
"""Ask where each source is cached in this process (``cache_from_source``), then in the clean
child, for this Python's tag and others."""


@pytest.mark.parametrize(
    "flags",
    [(), ("-O",), ("-OO",), ("-X", "pycache_prefix={prefix}")],
    ids=["plain", "optimized", "twice-optimized", "cache-prefix"],
)
def test_caches_found_here_are_where_a_clean_child_finds_them(
    flags: tuple[str, ...], tmp_path: Path
) -> None:
    """Where a source is cached, asked in the kit's own process with a tag, is the clean child's
    answer (no cache prefix, no optimization) under the flags that change this process's
    answer: ``-O``, ``-OO``, ``-X pycache_prefix``."""
    here, child = _both_ways(_TAGS_BOTH_WAYS, flags, tmp_path / "prefix", tmp_path)
    assert here == child
    assert all("kit-other-99" in path for path in here[1])


def test_samples_are_distinct(tmp_path: Path) -> None:
    """No two timestamp samples share an mtime or a size, so no fixed number fits them all."""
    samples = make_samples(tmp_path / "samples")
    timestamp = [s.header for s in samples.items if not s.header.hash_based and not s.foreign]
    assert len({h.mtime for h in timestamp}) == len(timestamp)
    assert len({h.size for h in timestamp}) == len(timestamp)


@settings(max_examples=3, deadline=None, database=None)
@given(seed=SEEDS)
def test_staleness_agrees_with_cpython(seed: int) -> None:
    """A sample is stale exactly when CPython itself, importing it, compiles it again.

    Every kind of pyc, every change (an mtime set back, within its second), CRLF and BOM
    sources, for any seed. An unchecked pyc is asked as a checked one (README step 5).
    """
    with tempfile.TemporaryDirectory() as scratch:
        samples = make_samples(Path(scratch) / "samples", seed=seed)
        kinds = {s.header.kind for s in samples.items if s.stale}
        assert kinds == {"timestamp", "checked hash-based", "unchecked hash-based"}
        for sample in samples.items:
            if sample.stale is None:
                continue
            assert matches_source(sample.source, sample.pyc) is not sample.stale
            assert _cpython_recompiles(sample.source) is sample.stale, (sample.label, seed)


def test_samples_are_drawn_from_the_seed(tmp_path: Path) -> None:
    """The same seed draws the same samples (names, order, mtimes, sizes); another, others."""
    one = make_samples(tmp_path / "one" / "samples", seed=7)
    again = make_samples(tmp_path / "again" / "samples", seed=7)
    other = make_samples(tmp_path / "other" / "samples", seed=8)

    def drawn(samples: Samples) -> list[tuple[str, str, Header]]:
        return [(s.name, s.label, s.header) for s in samples.items]

    assert drawn(one) == drawn(again)
    assert drawn(one) != drawn(other)
    assert "seed 7" in one.replay()
    made = [s for s in one.items if not s.foreign]
    assert not {s.label for s in made} & {Path(s.name).name for s in made}


def test_header_of_reads_the_bytes(tmp_path: Path) -> None:
    """header_of reads mtime and size of a timestamp pyc, and the hash of a hash-based one."""
    samples = make_samples(tmp_path / "samples")
    fresh = next(s for s in samples.items if s.label == "fresh")
    stat = fresh.source.stat()
    assert (fresh.header.mtime, fresh.header.size) == (int(stat.st_mtime), stat.st_size)
    checked = next(s for s in samples.items if s.label == "checked")
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


def test_experiment_gives_cpythons_answer(
    shell: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The script run gets no pyc, the module it imports does, even if the shell says otherwise."""
    monkeypatch.setattr(pycache, "_SEEN", {})  # run here, under this shell, not kept from before
    seen = experiment(tmp_path / "experiment")
    assert not seen.main_script_gets_pyc
    assert seen.imported_module_gets_pyc
    assert seen.cached == (f"helper.{sys.implementation.cache_tag}.pyc",)
    assert not shell.exists()


def test_experiment_runs_once_per_interpreter_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker checks one submission after another: the experiment runs once for them all, and
    again for another environment of the child."""
    monkeypatch.setattr(pycache, "_SEEN", {})
    first = experiment(tmp_path / "one")
    assert experiment(tmp_path / "two") == first
    assert (tmp_path / "one" / "main.py").is_file()
    assert not (tmp_path / "two").exists()
    given = pycache.child_environment
    monkeypatch.setattr(pycache, "child_environment", lambda python: {**given(python), "X": "1"})
    assert experiment(tmp_path / "three") == first
    assert (tmp_path / "three" / "main.py").is_file()
    monkeypatch.setattr(pycache, "_SEEN", {})
    (tmp_path / "four" / "__pycache__").mkdir(parents=True)  # not new: seen, not kept
    experiment(tmp_path / "four")
    assert pycache._SEEN == {}


def _judges() -> list[Judge]:
    return [Judge(git=None), *([Judge(git=find_git())] if HAS_GIT else [])]


@pytest.mark.parametrize("judge", _judges(), ids=str)
def test_solution_gitignore_passes_with_either_judge(judge: Judge) -> None:
    """The solution's .gitignore hides the bytecode and keeps the project, by git and pathspec."""
    gitignore = KIT / "solutions" / "07" / "project" / ".gitignore"
    expect_gitignore_ignores(gitignore, judge=judge)
    expect_gitignore_keeps(gitignore, judge=judge)


WRONG_GITIGNORES = {
    "anchored": (b"/__pycache__/\n*.pyc\n*.pyc.*\n", "ignore"),
    "template": (b"__pycache__/\n*.py[cod]\nbuild/\ndist/\n*.log\n.env\n*.so\n", "keep"),
    "extensions": (b"__pycache__/\n*.pyc\n*.so\n", "keep"),
    "pyd": (b"__pycache__/\n*.py[cod]\n", "keep"),
    "secrets": (b"__pycache__/\n*.pyc\n.env\n", "keep"),
    "logs": (b"__pycache__/\n*.pyc\n*.log\n", "keep"),
    "build": (b"__pycache__/\n*.pyc\nbuild/\n", "keep"),
    "dist": (b"__pycache__/\n*.pyc\ndist/\n", "keep"),
    "pycache_anywhere": (b"*pycache*\n*.pyc\n", "keep"),
}
"""Wrong .gitignores, and which half of the check they fail (what they miss, what they hide)."""


@settings(max_examples=100, deadline=None, database=None)
@given(seed=SEEDS)
def test_drawn_projects_tell_right_from_wrong(seed: int) -> None:
    """For any seed, the solution's .gitignore passes and each wrong one fails (by pathspec)."""
    project = draw_project(seed)
    assert not set(project.ignore) & set(project.keep)
    judge = Judge(git=None)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / ".gitignore"
        path.write_bytes((KIT / "solutions" / "07" / "project" / ".gitignore").read_bytes())
        assert ignored(path, project.ignore, judge=judge) == set(project.ignore)
        assert ignored(path, project.keep, judge=judge) == set()
        for text, half in WRONG_GITIGNORES.values():
            path.write_bytes(text)
            expect = expect_gitignore_ignores if half == "ignore" else expect_gitignore_keeps
            with pytest.raises(pytest.fail.Exception, match=f"seed {seed}"):
                expect(path, judge=judge, project=project)


@pytest.mark.skipif(not HAS_GIT, reason="git is not installed")
@settings(max_examples=2, deadline=None, database=None)
@given(seed=SEEDS)
def test_git_and_pathspec_agree_on_drawn_projects(seed: int) -> None:
    """Both judges hide the same drawn paths for the wrong .gitignores, whatever the seed.

    (Each .gitignore the kit ships meets a drawn project in ``test_git_and_pathspec_agree``.)
    """
    project = draw_project(seed)
    probes = [*project.ignore, *project.keep]
    texts = [t for t, _ in WRONG_GITIGNORES.values()]
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / ".gitignore"
        for text in texts:
            path.write_bytes(text)
            by_git = ignored(path, probes, judge=Judge(git=find_git()))
            assert by_git == ignored(path, probes, judge=Judge(git=None)), (text, seed)


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
    project = draw_project()
    probes = [*project.ignore, *project.keep]
    by_git = ignored(gitignore, probes, judge=Judge(git=find_git()))
    by_library = ignored(gitignore, probes, judge=Judge(git=None))
    assert by_git == by_library, project.seed


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


def test_git_judges_in_one_repository_a_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each .gitignore judged by git costs one git process: the repository is made once, and
    again if anything in it changed (a file left there, a setting, a part removed); the
    project is laid out fresh for each."""
    if not HAS_GIT:
        pytest.skip("git is not installed")
    from checks.judges import gitignore

    commands: list[list[str]] = []
    real = gitignore._git  # counting the git processes

    def counted(command: list[str], *args: object) -> str:
        commands.append(command)
        return real(command, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(gitignore, "_git", counted)
    monkeypatch.setattr(gitignore, "_repositories", {}, raising=False)
    gitignore._ignored.cache_clear()  # the same words are judged once a process
    judge = Judge(git=find_git())
    probes = ["a.pyc", "__pycache__/b.cpython-311.pyc", "main.py", "docs/x.md"]
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / ".gitignore"
        answers = {}
        for text in ("*.pyc\n", "__pycache__/\n", "*\n", "# none\n"):
            path.write_text(text, encoding="utf-8")
            answers[text] = ignored(path, probes, judge=judge)
        assert answers == {
            "*.pyc\n": {"a.pyc", "__pycache__/b.cpython-311.pyc"},
            "__pycache__/\n": {"__pycache__/b.cpython-311.pyc"},
            "*\n": set(probes),
            "# none\n": set(),
        }
        assert [("init" in c, "check-ignore" in c) for c in commands] == [
            (True, False),
            *[(False, True)] * 4,
        ]

        def repository() -> Path:
            (home, _), *_ = gitignore._repositories.values()
            return home / "repository" / ".git"

        # An unconfined run leaves an excludes file in the repository: it is made again.
        (repository() / "info").mkdir()
        (repository() / "info" / "exclude").write_text("*.md\n", encoding="utf-8")
        path.write_text("# nothing here either\n", encoding="utf-8")  # new words: not memoized
        assert ignored(path, probes, judge=judge) == set()
        # A setting that hides files too.
        with (repository() / "config").open("a", encoding="utf-8") as config:
            config.write("[core]\n\texcludesFile = /dev/null\n\tignoreCase = true\n")
        path.write_text("DOCS/\n", encoding="utf-8")
        assert ignored(path, probes, judge=judge) == set()
        # A cleaner of old files takes part of it, then all of it.
        shutil.rmtree(repository() / "refs")
        path.write_text("*.md\n", encoding="utf-8")
        assert ignored(path, probes, judge=judge) == {"docs/x.md"}
        shutil.rmtree(repository().parent.parent)
        path.write_text("docs/\n", encoding="utf-8")
        assert ignored(path, probes, judge=judge) == {"docs/x.md"}
        assert [("init" in c) for c in commands[5:]] == [True, False] * 4


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
