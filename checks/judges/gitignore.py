"""A ``.gitignore`` judged the way git reads it: exercise 07's third part.

A project's ``.gitignore`` must hide its bytecode (every ``__pycache__/`` folder, every
``.pyc`` file) and nothing of its own (sources, README, data). It is judged in a fresh project
holding exactly the files asked about: with ``git check-ignore --no-index`` where git is
installed, with the ``pathspec`` library where not.

It imports ``expect`` and the timeout of the kit's children (``checks.judges.pyc``), nothing
else of the kit.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from checks.judges import expect
from checks.judges.pyc import CHILD_TIMEOUT
from checks.run.environment import child_environment

__all__ = [
    "MUST_IGNORE",
    "MUST_KEEP",
    "Judge",
    "expect_gitignore_ignores",
    "expect_gitignore_keeps",
    "find_git",
    "ignored",
]

MUST_IGNORE = {
    "__pycache__/helper.{tag}.pyc": "bytecode of an imported module",
    "__pycache__/helper.{tag}.pyc.140523": "a half-written .pyc an interrupted import left",
    "pkg/__pycache__/tool.{tag}.pyc": "bytecode in a __pycache__ folder deeper down",
    "pkg/__pycache__/tool.{tag}.pyc.140524": "a half-written .pyc deeper down",
    "old.pyc": "a .pyc outside __pycache__, as Python 2 wrote them",
    "pkg/legacy.pyc": "a .pyc outside __pycache__, deeper down",
}
"""Files of a project that its ``.gitignore`` must hide from git (``{tag}``: the cache tag),
with what each one is. Files only: git tracks files, so a folder is ignored when all of it is.
"""

MUST_KEEP = {
    "main.py": "a source file",
    "helper.py": "a source file",
    "pycache.py": "a source file whose name holds 'pycache'",
    "pkg/__init__.py": "a package's source",
    "pkg/tool.py": "a source file deeper down",
    "tests/test_helper.py": "a test",
    "gui.pyw": "a Windows script (.pyw), a source too",
    "stubs/helper.pyi": "a type stub (.pyi), hints for pyright",
    "README.md": "the project's README",
    "docs/index.md": "documentation",
    "notes.txt": "a text file",
    "requirements.txt": "the list of libraries the project needs",
    "data/config.json": "data the program reads",
    "pyproject.toml": "the project's settings",
    ".gitignore": "the .gitignore itself",
}
"""Files of a project that git must still see, with what each one is: a ``.gitignore`` that
hides bytecode and also these hides more than the README asks (``*.txt``, ``docs/``, ``*.py?``,
which matches ``.pyi`` and ``.pyw`` too).
"""


@dataclass(frozen=True)
class Judge:
    """What decides which paths a ``.gitignore`` hides: git itself, or the pathspec library."""

    git: str | None
    """The git program; ``None``: the ``pathspec`` library (``GitIgnoreSpec``)."""

    def __str__(self) -> str:
        if self.git is None:
            return "the pathspec library (git is not installed here)"
        return "git itself (`git check-ignore --no-index`)"


@functools.cache
def find_git() -> str | None:
    """The git program if it is installed and works, else ``None``."""
    found = shutil.which("git")
    if found is None:
        return None
    try:
        done = subprocess.run(
            [found, "--version"], capture_output=True, timeout=CHILD_TIMEOUT, check=False
        )
    except OSError:
        return None
    return found if done.returncode == 0 else None


def _must_ignore() -> dict[str, str]:
    tag = sys.implementation.cache_tag or "cpython"
    return {path.format(tag=tag): what for path, what in MUST_IGNORE.items()}


def ignored(gitignore: Path, paths: Iterable[str], *, judge: Judge | None = None) -> set[str]:
    """Which of the files ``paths`` (``/``-separated) ``gitignore`` hides from git.

    ``gitignore`` is laid at the root of a fresh project holding exactly those files. The judge
    is git where it is installed, else pathspec; pass one to choose.
    """
    judge = judge or Judge(git=find_git())
    return set(_ignored(gitignore.read_bytes(), tuple(paths), judge))


@functools.lru_cache(maxsize=256)
def _ignored(data: bytes, wanted: tuple[str, ...], judge: Judge) -> frozenset[str]:
    """``ignored`` for a ``.gitignore``'s bytes: the same bytes always get the same answer."""
    if judge.git is None:
        from pathspec import GitIgnoreSpec

        text = data.decode("utf-8-sig", errors="replace")
        spec = GitIgnoreSpec.from_lines(text.splitlines())
        return frozenset(p for p in wanted if spec.match_file(p))
    with tempfile.TemporaryDirectory(prefix="checks-gitignore-") as scratch:
        root = Path(scratch) / "project"
        for path in wanted:
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).touch()
        (root / ".gitignore").write_bytes(data)
        empty = Path(scratch) / "empty"
        empty.touch()
        env = child_environment(home=Path(scratch), temporary=Path(scratch))
        env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=str(empty))
        git = [judge.git, "-c", f"core.excludesFile={empty}"]
        _git([*git, "init", "-q"], root, env, "")
        out = _git(
            [*git, "check-ignore", "--no-index", "--stdin", "-z"], root, env, "\0".join(wanted)
        )
    said = set(out.split("\0"))
    return frozenset(p for p in wanted if p in said)


def _git(command: list[str], cwd: Path, env: dict[str, str], stdin: str) -> str:
    done = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=CHILD_TIMEOUT,
        check=False,
    )
    if done.returncode not in (0, 1):
        msg = f"git failed (exit {done.returncode}): {done.stderr}"
        raise RuntimeError(msg)
    return done.stdout


def expect_gitignore_ignores(gitignore: Path, *, judge: Judge | None = None) -> None:
    """Require that ``gitignore`` hides everything in ``__pycache__/`` and every ``.pyc`` file."""
    judge = judge or Judge(git=find_git())
    must_ignore = _must_ignore()
    hidden = ignored(gitignore, must_ignore, judge=judge)
    missed = {p: what for p, what in must_ignore.items() if p not in hidden}
    if not missed:
        return
    width = max(map(len, missed))
    expect.fail(
        "project/.gitignore should keep bytecode out of git, but git would still see:\n"
        + "\n".join(f"    {p:{width}}  ({what})" for p, what in missed.items())
        + f"\n\n(judged by {judge}, in a project holding those files)\n\n"
        "Next: one line ignores every folder named __pycache__, wherever it is (a name "
        "followed by / means a folder), and with it all it holds; another ignores every file "
        "whose name ends in .pyc, wherever it is (* stands for any name). Check the spelling: "
        "two underscores on each side of pycache."
    )


def expect_gitignore_keeps(gitignore: Path, *, judge: Judge | None = None) -> None:
    """Require that ``gitignore`` leaves the project's own files (sources, README) to git."""
    judge = judge or Judge(git=find_git())
    hides = ignored(gitignore, MUST_KEEP, judge=judge)
    hidden = {p: what for p, what in MUST_KEEP.items() if p in hides}
    if not hidden:
        return
    width = max(map(len, hidden))
    expect.fail(
        "project/.gitignore hides files a project must keep in git:\n"
        + "\n".join(f"    {p:{width}}  ({what})" for p, what in hidden.items())
        + f"\n\n(judged by {judge}, in a project holding those files)\n\n"
        "Next: ignore only the bytecode: __pycache__ folders and .pyc files, nothing else. "
        "A pattern matches more than you may think: * matches every file, *.py? matches .pyi "
        "and .pyw files too, and a line such as *.txt or docs/ hides files that are not bytecode."
    )
