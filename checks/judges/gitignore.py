"""A ``.gitignore`` judged the way git reads it: exercise 07's third part.

A project's ``.gitignore`` must hide its bytecode (every ``__pycache__/`` folder, every
``.pyc`` file) and nothing else (sources, README, data, and also build output, logs, ``.env``
and extension modules: the README says "nothing else"). It is judged in a fresh project
holding exactly the files asked about, drawn for each run (``draw_project``): with
``git check-ignore --no-index`` where git is installed, with the ``pathspec`` library where not.

It imports ``expect``, the drawing of values (``checks.judges.drawn``) and the timeout of the
kit's children (``checks.judges.clean``), nothing else of the kit.
"""

from __future__ import annotations

import atexit
import functools
import os
import random
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from checks.judges import expect
from checks.judges.clean import CHILD_TIMEOUT
from checks.judges.drawn import draw_name, draw_seed, replay
from checks.run.environment import child_environment

__all__ = [
    "Judge",
    "Project",
    "draw_project",
    "expect_gitignore_ignores",
    "expect_gitignore_keeps",
    "find_git",
    "ignored",
]

_OTHER_TAGS = ("cpython-310", "cpython-312", "cpython-313", "cpython-314", "pypy310-pp73")
"""Cache tags of other Pythons: a project may hold bytecode any of them wrote."""


@dataclass(frozen=True)
class Project:
    """The files of a project a ``.gitignore`` is judged in, drawn for one run, with what each is.

    One of each kind every run (so a pattern that hides a kind is caught every run), under
    drawn names at drawn depths (so no fixed list of paths can be matched one by one).
    """

    ignore: dict[str, str]
    """Files git must not see: bytecode, and whatever a ``__pycache__`` folder holds."""
    keep: dict[str, str]
    """Files git must still see: the project's own, and all that is not bytecode."""
    seed: int


def draw_project(seed: int | None = None) -> Project:
    """The files of a project: bytecode to ignore, and all the rest, which git must keep."""
    seed = draw_seed() if seed is None else seed
    rng = random.Random(seed)
    taken: set[str] = set()

    def name() -> str:
        return draw_name(rng, taken)

    def folders(low: int = 1) -> str:
        return "".join(f"{name()}/" for _ in range(rng.randint(low, 3)))

    tag = sys.implementation.cache_tag or "cpython"
    pid = rng.randrange(10**4, 10**9)  # an interrupted import leaves NAME.pyc.NUMBER behind
    ignore = {
        f"__pycache__/{name()}.{tag}.pyc": "bytecode of an imported module",
        f"{folders()}__pycache__/{name()}.{tag}.pyc": "bytecode in a __pycache__ folder deeper down",
        f"{folders(0)}__pycache__/{name()}.{rng.choice(_OTHER_TAGS)}.pyc": "bytecode another "
        "Python wrote",
        f"{folders(0)}__pycache__/{name()}.{tag}.opt-{rng.randint(1, 2)}.pyc": "bytecode of "
        "python -O",
        f"__pycache__/{name()}.{tag}.pyc.{pid}": "a half-written .pyc an interrupted import left",
        f"{folders()}__pycache__/{name()}.{tag}.pyc.{pid + 1}": "a half-written .pyc deeper down",
        f"{folders()}__pycache__/{name()}": "another file in a __pycache__ folder deeper down "
        "(the whole folder goes)",
        f"{name()}.pyc": "a .pyc outside __pycache__, as Python 2 wrote them",
        f"{folders()}{name()}.pyc": "a .pyc outside __pycache__, deeper down",
    }
    module, package = name(), name()
    version = f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}"
    keep = {
        f"{name()}.py": "a source file",
        f"{folders()}{name()}.py": "a source file deeper down",
        f"{package}/__init__.py": "a package's source",
        f"{name()}_pycache.py": "a source file whose name holds 'pycache'",
        f"pycache_{name()}/{name()}.py": "a source in a folder whose name holds 'pycache'",
        f"tests/test_{name()}.py": "a test",
        f"{folders(0)}{name()}.pyw": "a Windows script (.pyw), a source too",
        f"{folders(0)}{name()}.pyi": "a type stub (.pyi), hints for pyright",
        "README.md": "the project's README",
        f"docs/{folders(0)}{name()}.md": "documentation",
        f"{name()}.txt": "a text file",
        "requirements.txt": "the list of libraries the project needs",
        f"data/{name()}.json": "data the program reads",
        f"{folders(0)}{name()}.csv": "data the program reads",
        "pyproject.toml": "the project's settings",
        ".gitignore": "the .gitignore itself",
        f"build/lib/{package}/{name()}.py": "build output (build/): not bytecode",
        f"dist/{package}-{version}.tar.gz": "a built package (dist/): not bytecode",
        f"{folders(0)}{name()}.log": "a log file: not bytecode",
        ".env": "settings and secrets (.env): not bytecode",
        f"{folders()}{module}.{tag}-x86_64-linux-gnu.so": "a compiled extension module (.so): "
        "not bytecode",
        f"{folders(0)}{name()}.cp311-win_amd64.pyd": "a compiled extension module for Windows "
        "(.pyd): not bytecode",
    }
    return Project(ignore=ignore, keep=keep, seed=seed)


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
        git, env = _repository(judge.git)
        command = [*git, f"--work-tree={root}", "check-ignore", "--no-index", "--stdin", "-z"]
        out = _git(command, root, env, "\0".join(wanted))
    said = set(out.split("\0"))
    return frozenset(p for p in wanted if p in said)


_repositories: dict[str, tuple[Path, list[tuple[str, int, bytes]]]] = {}
"""Each git's repository home, and all it held once made (``_held``)."""
_repositories_lock = threading.Lock()


def _repository(git: str) -> tuple[list[str], dict[str, str]]:
    """The command and environment of a git that judges a project laid out anywhere
    (``--work-tree``): its repository, made once a process (``git init`` costs as much as the
    check itself), empty, with no settings of the user's or the system's and no excludes file.

    Before each use, the repository's folder must hold exactly what it held once made: a run
    that could write there (unconfined: ``--sandbox off``, Windows) could leave an
    ``info/exclude`` or a setting that hides files from every later judgement, and a cleaner of
    old temporary files could take part of it. Otherwise it is made again, as on first use.
    """
    with _repositories_lock:
        made = _repositories.get(git)
        if made is None or _held(made[0]) != made[1]:
            if made is not None:
                shutil.rmtree(made[0], ignore_errors=True)
            home = Path(tempfile.mkdtemp(prefix="checks-git-"))
            atexit.register(shutil.rmtree, home, ignore_errors=True)
            (home / "empty").touch()
            command, env = _git_in(git, home)
            _git([*command, "init", "-q", "--template=", str(home / "repository")], home, env, "")
            made = _repositories[git] = (home, _held(home))
    home = made[0]
    command, env = _git_in(git, home)
    return [*command, f"--git-dir={home / 'repository' / '.git'}"], env


def _held(home: Path) -> list[tuple[str, int, bytes]]:
    """Every entry under ``home``: its path, its mode, and a file's bytes or a link's target."""
    found: list[tuple[str, int, bytes]] = []
    for folder, names, files in os.walk(home):  # links are listed, never followed
        for path in sorted(Path(folder) / name for name in [*names, *files]):
            mode = path.lstat().st_mode
            data = path.read_bytes() if stat.S_ISREG(mode) else b""
            if stat.S_ISLNK(mode):
                data = str(path.readlink()).encode()
            found.append((str(path.relative_to(home)), mode, data))
    return found


def _git_in(git: str, home: Path) -> tuple[list[str], dict[str, str]]:
    empty = home / "empty"
    env = child_environment(home=home, temporary=home)
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=str(empty))
    return [git, "-c", f"core.excludesFile={empty}"], env


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


def expect_gitignore_ignores(
    gitignore: Path, *, judge: Judge | None = None, project: Project | None = None
) -> None:
    """Require that ``gitignore`` hides everything in ``__pycache__/`` and every ``.pyc`` file.

    Judged on ``project`` (else one drawn for this call).
    """
    judge = judge or Judge(git=find_git())
    project = project or draw_project()
    hidden = ignored(gitignore, project.ignore, judge=judge)
    missed = {p: what for p, what in project.ignore.items() if p not in hidden}
    if not missed:
        return
    width = max(map(len, missed))
    expect.fail(
        "project/.gitignore should keep bytecode out of git, but git would still see:\n"
        + "\n".join(f"    {p:{width}}  ({what})" for p, what in missed.items())
        + f"\n\n(judged by {judge}, in a project holding those files)\n{replay(project.seed)}\n\n"
        "Next: one line ignores every folder named __pycache__, wherever it is (a name "
        "followed by / means a folder), and with it all it holds; another ignores every file "
        "whose name ends in .pyc, wherever it is (* stands for any name). Check the spelling: "
        "two underscores on each side of pycache."
    )


def expect_gitignore_keeps(
    gitignore: Path, *, judge: Judge | None = None, project: Project | None = None
) -> None:
    """Require that ``gitignore`` leaves all that is not bytecode (sources, README...) to git.

    Judged on ``project`` (else one drawn for this call).
    """
    judge = judge or Judge(git=find_git())
    project = project or draw_project()
    hides = ignored(gitignore, project.keep, judge=judge)
    hidden = {p: what for p, what in project.keep.items() if p in hides}
    if not hidden:
        return
    width = max(map(len, hidden))
    expect.fail(
        "project/.gitignore hides files a project must keep in git:\n"
        + "\n".join(f"    {p:{width}}  ({what})" for p, what in hidden.items())
        + f"\n\n(judged by {judge}, in a project holding those files)\n{replay(project.seed)}\n\n"
        "Next: ignore only the bytecode: __pycache__ folders and .pyc files, nothing else (the "
        "README's step 3). A pattern matches more than you may think: * matches every file, "
        "*.py? matches .pyi and .pyw files too, *.py[cod] matches .pyd files (compiled "
        "extension modules, not bytecode), and a line such as *.txt, docs/, build/, *.log or "
        ".env hides files that are not bytecode. A template .gitignore for Python projects "
        "ignores much more than this exercise asks."
    )
