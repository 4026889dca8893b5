"""Measure the kit against its physical floor and print each result as a ratio.

Run with ``uv run nox -s bench`` (never part of the default sessions, never a timed test);
``-- --only grade watch`` measures some figures only. Every figure times whole commands, as a
student or a teacher types them, side by side in one run. A check (exercise 09, all ten, the
class) is timed with its floor one after the other, round after round, and its ratio is the
median of the rounds' ratios: this machine's speed drifts by a third within minutes, and a
round's commands ran within seconds of each other. The floors: one bare pytest start on a
trivial test, one pyright run on one file, and one Python start-up per run of a student file.
The figures in start-ups are taken the same way, each round with the median of several
start-ups timed right beside it; ``checks watch``'s saves, in one session, with start-ups timed
right before and after it.

The figures of issue 25: exercise 09 cold and unchanged, all ten cold; a class of 20 distinct
submissions graded by ``checks grade`` against one pytest run per submission; ``checks watch``
from a save of exercise 01 to its new verdict on the screen (driven in tmux, as a student sees
it, a second after the last verdict was shown) in Python start-ups; the first ``checks`` (the
progress table) of a fresh copy, with no ``.pytest_cache``, no ``.checks`` and no bytecode. And one run of a student file through the kit
(``run_file``: the throwaway copy, the child's environment and confinement) in Python
start-ups: what each confinement or sealing step adds to every run shows there first.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

KIT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
"""What every measured command runs with: a student's shell, where Python keeps its bytecode
(``__pycache__``) between runs. A shell that sets PYTHONDONTWRITEBYTECODE makes every start
compile pytest, the kit and the tests again, the kit's more than a bare pytest's."""
GOALS: dict[str, tuple[str, float] | None] = {
    "09 cold / floor": ("<=", 1.3),
    "09 unchanged / bare pytest": ("<=", 1.5),
    "all ten cold / floor": ("<=", 1.5),
    "20 pytest runs / checks grade": (">=", 10.0),
    "20 named students: pytest / grade": (">=", 5.0),
    "watch save to screen / start-up": ("<=", 3.0),
    "first checks of a copy / start-up": ("<=", 32.0),
    "one student run / start-up": None,
}
"""The goals of issues 7 and 25. The first checks of a copy: 3 s where a start-up takes 93 ms.
One student run has none: it shows what confinement and sealing add to every run."""
FIGURES = ("nine", "all", "grade", "watch", "first", "run")
"""The groups of figures ``--only`` can choose."""

STUDENTS = (
    "Ada Okafor", "Bilal Haddad", "Chen Wei", "Dara Nwosu", "Elif Yilmaz", "Farid Rahimi",
    "Grace Mensah", "Hugo Lefebvre", "Ines Duarte", "Jonas Berg", "Kavya Iyer", "Luca Romano",
    "Mei Tanaka", "Nadia Petrova", "Omar Saleh", "Priya Nair", "Quentin Moreau", "Rosa Alvarez",
    "Sami Virtanen", "Tomasz Nowak",
)  # fmt: skip
"""The class: every file a student hands in carries its author's name."""
SIGNED_SUFFIXES = (".py", ".gitignore")
"""The student files a name is written into, as a last comment line."""
WATCH_SAVES = 7
"""Saves of exercise 01 timed in ``checks watch`` (after one warm-up save)."""
READING = 1.0
"""Seconds between a verdict on the screen and the next save: a student reads it, then edits.
``checks watch`` prepares the next check in that time (pytest's start of a session and its
collection), as it does while a student types; a save within a fraction of a second of the last
verdict waits for that preparation too."""
SCREEN_WAIT = 120.0
"""Seconds the bench waits for ``checks watch`` to show a screen before it gives up."""
QUIT_WAIT = 10.0
"""Seconds a watched command gets to quit on ``q`` before its tmux server is ended."""
SCREEN_POLL = 0.005
"""Seconds between two looks at the tmux pane."""
_COPY_IGNORED = (".git", ".venv", ".nox", ".pytest_cache", ".checks", "__pycache__", "*.pyc")

_RUNS = re.compile(r"files run: (\d+)")
STARTS = 5
"""Python start-ups timed in each round of a figure whose floor counts them (their median), and
on each side of the watched session."""
RUNS_PER_ROUND = 20
"""Runs of a student file (``run_file``) timed in one round of the one-run figure (their median)."""


def _time(
    command: Sequence[str], *, cwd: Path = KIT, before: Callable[[], None] | None = None
) -> tuple[float, str]:
    if before is not None:
        before()
    start = time.perf_counter()
    done = subprocess.run(
        command, cwd=cwd, env=ENV, capture_output=True, text=True, errors="replace", check=False
    )
    return time.perf_counter() - start, done.stdout


@dataclass(frozen=True)
class Step:
    """One command of a round: where it runs, and what is done before it (not timed)."""

    command: Sequence[str]
    cwd: Path = KIT
    before: Callable[[], None] | None = None


def rounds(steps: Sequence[Step], repeat: int) -> list[list[tuple[float, str]]]:
    """Time ``steps`` one after the other, ``repeat`` times over (after one warm-up round): the
    time and output of each step, round by round. The steps of a round run within seconds of
    each other, so a ratio taken round by round holds while the machine's speed drifts between
    rounds, as it does here by a third within minutes."""
    for step in steps:
        _time(step.command, cwd=step.cwd, before=step.before)
    return [
        [_time(step.command, cwd=step.cwd, before=step.before) for step in steps]
        for _ in range(repeat)
    ]


def _ratio(tops: Sequence[float], bottoms: Sequence[float]) -> float:
    """The median of the ratios taken round by round."""
    return statistics.median(top / bottom for top, bottom in zip(tops, bottoms, strict=True))


def _floors_of(timed: Sequence[Sequence[tuple[float, str]]], at: int, runs: int = 0) -> list[float]:
    """Each round's floor, from its steps at ``at`` on: bare pytest, pyright, then Python
    start-ups, counted ``runs`` times (their median in the round)."""
    return [
        r[at][0]
        + r[at + 1][0]
        + (runs * statistics.median(t for t, _ in r[at + 2 :]) if runs else 0)
        for r in timed
    ]


def _startups_of(timed: Sequence[Sequence[tuple[float, str]]], at: int) -> list[float]:
    """Each round's Python start-up: the median of its steps at ``at`` on."""
    return [statistics.median(t for t, _ in r[at:]) for r in timed]


def _submission(root: Path, numbers: Sequence[str]) -> Path:
    """A student's copy holding the reference solutions of ``numbers``."""
    for number in numbers:
        shutil.copytree(KIT / "solutions" / number, root / "exercises" / number, dirs_exist_ok=True)
    return root


def _mark(root: Path, mark: str) -> None:
    """Change every student Python file under ``root`` by a last comment line."""
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"\n# bench \S+\n$", "\n", text)
        path.write_text(text + f"\n# bench {mark}\n", encoding="utf-8")


def _touch_python_files(root: Path) -> Callable[[], None]:
    """A step that changes every student Python file, so no cache can answer."""
    counter = iter(range(10**9))
    salt = os.urandom(4).hex()

    def touch() -> None:
        _mark(root, f"{salt}-{next(counter)}")

    return touch


def class_member(root: Path, index: int, numbers: Sequence[str]) -> Path:
    """The copy of the ``index``-th student of the class: the first few exercises solved, the
    next one half done (its first files solved, the others as the starter has them), the rest
    starters; every file signed with the student's name, as a real class's are."""
    solved = index % (len(numbers) + 1)
    for position, number in enumerate(numbers):
        target = root / "exercises" / number
        starter, solution = KIT / "starters" / number, KIT / "solutions" / number
        if position <= solved:
            shutil.copytree(solution, target, dirs_exist_ok=True)
        if position >= solved:
            names = sorted(path.name for path in solution.iterdir())
            kept = names[: len(names) // 2] if position == solved else []
            for path in starter.iterdir():
                if path.name in kept:
                    continue
                if path.is_dir():
                    shutil.copytree(path, target / path.name, dirs_exist_ok=True)
                else:
                    target.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, target / path.name)
    name = STUDENTS[index % len(STUDENTS)]
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name.endswith(SIGNED_SUFFIXES):
            text = path.read_text(encoding="utf-8")
            path.write_text(f"{text.rstrip(chr(10))}\n# {name}, student {index}\n", "utf-8")
    return root


def fresh_copy(target: Path) -> Path:
    """A copy of the kit as a student gets it: no caches, no bytecode, no study folder."""
    shutil.copytree(KIT, target, ignore=shutil.ignore_patterns(*_COPY_IGNORED), symlinks=True)
    return target


def _forget(copy: Path) -> Callable[[], None]:
    """A step that makes ``copy`` fresh again: its caches, study folder and bytecode removed."""

    def forget() -> None:
        for name in (".pytest_cache", ".checks"):
            shutil.rmtree(copy / name, ignore_errors=True)
        for cache in list(copy.rglob("__pycache__")):
            shutil.rmtree(cache, ignore_errors=True)

    return forget


class Pane:
    """A terminal in a tmux server of the bench's own, running one command."""

    def __init__(self, command: Sequence[str], cwd: Path) -> None:
        self.socket = f"checks-bench-{os.getpid()}"
        self._tmux(
            "new-session", "-d", "-x", "100", "-y", "60", "-c", str(cwd), shlex.join(command)
        )
        self.path = self._tmux("display-message", "-p", "#{socket_path}").strip()
        """The server's socket, removed with it."""

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            env=ENV,
            capture_output=True,
            text=True,
            errors="replace",
            check=False,
        )
        return done.stdout

    def text(self) -> str:
        """What the pane shows now."""
        return self._tmux("capture-pane", "-p", "-J")

    def wait_for(self, words: str) -> float:
        """Wait until the pane shows ``words``; the moment it did (``time.perf_counter``)."""
        deadline = time.perf_counter() + SCREEN_WAIT
        while time.perf_counter() < deadline:
            if words in self.text():
                return time.perf_counter()
            time.sleep(SCREEN_POLL)
        msg = f"the pane never showed {words!r}; it shows:\n{self.text()}"
        raise RuntimeError(msg)

    def close(self) -> None:
        """Quit what runs in the pane as a student does (``q``), then end the tmux server."""
        self._tmux("send-keys", "q")
        deadline = time.perf_counter() + QUIT_WAIT
        while time.perf_counter() < deadline and self._tmux("list-sessions").strip():
            time.sleep(SCREEN_POLL * 10)
        self._tmux("kill-server")
        if self.path:
            Path(self.path).unlink(missing_ok=True)


def watch_saves(copy: Path, saves: int) -> list[float]:
    """Seconds from each save of exercise 01 to its new verdict on ``checks watch``'s screen."""
    hello = copy / "exercises" / "01" / "hello.py"
    salt = os.urandom(3).hex()
    pane = Pane([PYTHON, "-m", "checks", "watch"], copy)
    times: list[float] = []
    try:
        pane.wait_for("exercise 01")
        pane.wait_for("Checked at")
        for save in range(saves + 1):
            time.sleep(READING)
            mark = f"save {salt} {save}"
            hello.write_text(f'print("{mark}")\n', encoding="utf-8")
            start = time.perf_counter()
            shown = pane.wait_for(mark)
            if save:  # the first save is the warm-up
                times.append(shown - start)
    finally:
        pane.close()
    return times


def _startups(count: int) -> list[float]:
    """``count`` Python start-ups, timed now."""
    return [_time([PYTHON, "-c", "pass"])[0] for _ in range(count)]


_RUN_ONE = """
import statistics, sys, time
from pathlib import Path
from checks.run.program import run_file
file = Path(sys.argv[1])
times = []
for _ in range(int(sys.argv[2]) + 1):
    start = time.perf_counter()
    run = run_file(file, cached=False)
    times.append(time.perf_counter() - start)
print(statistics.median(times[1:]), run.stage)
"""


def _floors(base: Path) -> tuple[Step, Step]:
    """Bare pytest on one trivial test, and pyright on one file."""
    pyright = str(Path(PYTHON).parent / ("pyright.exe" if os.name == "nt" else "pyright"))
    trivial = base / "trivial"
    trivial.mkdir()
    (trivial / "test_trivial.py").write_text("def test_trivial():\n    pass\n", encoding="utf-8")
    (trivial / "one.py").write_text("x: int = 1\n", encoding="utf-8")
    # The plugins the kit's pyproject.toml turns off are off in the floor too: a pytest with no
    # Hypothesis installed pays nothing for it.
    off = _plugins_off()
    bare = Step([PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", *off], cwd=trivial)
    return bare, Step([pyright, "--outputjson", "one.py"], cwd=trivial)


def _plugins_off() -> list[str]:
    """The ``-p no:NAME`` pairs of the kit's ``addopts``, read from its pyproject.toml."""
    data = tomllib.loads((KIT / "pyproject.toml").read_text(encoding="utf-8"))
    addopts: list[str] = data["tool"]["pytest"]["addopts"]
    pairs = itertools.pairwise(addopts)
    return [
        word
        for flag, name in pairs
        if flag == "-p" and name.startswith("no:")
        for word in (flag, name)
    ]


def _grade_class(
    base: Path, numbers: Sequence[str], students: int, repeat: int
) -> dict[str, tuple[float, str]]:
    """Grade a class of copies of the solutions, and one of named students, with ``checks
    grade``, and the named class with one pytest run per submission: round by round."""
    same, named = base / "same", base / "named"
    for index in range(students):
        _submission(same / f"student{index:02d}", numbers)
        class_member(named / f"student{index:02d}", index, numbers)
    out = base / "grades"
    same_times: list[float] = []
    named_times: list[float] = []
    separate_times: list[float] = []
    for _ in range(max(1, repeat // 2)):
        for times, group in ((same_times, same), (named_times, named)):
            shutil.rmtree(out, ignore_errors=True)
            folders = sorted(group.iterdir())
            grade = [PYTHON, "-m", "checks", "grade", *map(str, folders), "--out", str(out)]
            times.append(_time(grade)[0])
        start = time.perf_counter()
        for folder in sorted(named.iterdir()):
            command = [PYTHON, "-m", "pytest", "exercises", "--submission", str(folder), "-q"]
            _time([*command, "-p", "no:cacheprovider"])
        separate_times.append(time.perf_counter() - start)
    separate = statistics.median(separate_times)
    results: dict[str, tuple[float, str]] = {}
    for name, times in (
        ("20 pytest runs / checks grade", same_times),
        ("20 named students: pytest / grade", named_times),
    ):
        grade = statistics.median(times)
        detail = f"{separate:.2f} s vs {grade:.2f} s for {students} submissions"
        results[name] = (_ratio(separate_times, times), detail)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print the ratios with their goals."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="runs per median (default 5)")
    parser.add_argument("--students", type=int, default=20, help="submissions to grade")
    parser.add_argument(
        "--only", nargs="+", choices=FIGURES, default=FIGURES, help="the figures to measure"
    )
    args = parser.parse_args(argv)
    repeat: int = args.repeat
    only: set[str] = set(args.only)
    numbers = sorted(p.name for p in (KIT / "solutions").iterdir() if p.is_dir())
    results: dict[str, tuple[float, str]] = {}

    with tempfile.TemporaryDirectory(prefix="checks-bench-") as scratch:
        base = Path(scratch)
        bare, pyright_one = _floors(base)
        starts = [Step([PYTHON, "-c", "pass"])] * STARTS
        print("each figure of a check: the check and its floor timed one after the other, round")
        print("after round, its ratio the median of the rounds' ratios; start-ups are timed beside")
        print("each round of the figures in start-ups, and before and after the watched session")
        print("(bytecode kept: PYTHONDONTWRITEBYTECODE unset)")

        if "nine" in only:
            nine = _submission(base / "nine", ["09"])
            check_nine = [PYTHON, "-m", "pytest", "exercises/09", "--submission", str(nine), "-q"]
            # Cold: every file changed; unchanged: the same check again, right after.
            cold = Step(check_nine, before=_touch_python_files(nine))
            timed = rounds([cold, Step(check_nine), bare, pyright_one], repeat)
            colds, warms = [r[0][0] for r in timed], [r[1][0] for r in timed]
            bares, floor = [r[2][0] for r in timed], _floors_of(timed, 2)
            detail = f"{statistics.median(colds):.3f} s vs {statistics.median(floor):.3f} s"
            results["09 cold / floor"] = (_ratio(colds, floor), detail)
            detail = f"{statistics.median(warms):.3f} s vs {statistics.median(bares):.3f} s"
            results["09 unchanged / bare pytest"] = (_ratio(warms, bares), detail)

        if "all" in only:
            everything = _submission(base / "all", numbers)
            check_all = [PYTHON, "-m", "pytest", "exercises", "--submission", str(everything), "-v"]
            cold_all = Step(check_all, before=_touch_python_files(everything))
            timed = rounds([cold_all, bare, pyright_one, *starts], repeat)
            found = [_RUNS.search(r[0][1]) for r in timed]
            runs = round(statistics.median(int(f.group(1)) if f else 0 for f in found))
            alls, floor = [r[0][0] for r in timed], _floors_of(timed, 1, runs)
            detail = (
                f"{statistics.median(alls):.3f} s vs {statistics.median(floor):.3f} s "
                f"({runs} files run)"
            )
            results["all ten cold / floor"] = (_ratio(alls, floor), detail)

        if "grade" in only:
            results.update(_grade_class(base, numbers, args.students, repeat))

        if "watch" in only:
            # Start-ups timed right before and right after the watched session, not during it:
            # what ``checks watch`` does between saves would slow them and flatter the ratio.
            startups = _startups(STARTS)
            saves = watch_saves(fresh_copy(base / "watched"), WATCH_SAVES)
            startups += _startups(STARTS)
            startup, save = statistics.median(startups), statistics.median(saves)
            spread = f"{min(saves):.3f} to {max(saves):.3f} s"
            detail = f"{save:.3f} s vs {startup:.3f} s ({len(saves)} saves, {spread})"
            results["watch save to screen / start-up"] = (save / startup, detail)

        if "first" in only:
            first_copy = fresh_copy(base / "first")
            first = Step([PYTHON, "-m", "checks"], cwd=first_copy, before=_forget(first_copy))
            timed = rounds([first, *starts], repeat)
            firsts, startups = [r[0][0] for r in timed], _startups_of(timed, 1)
            detail = (
                f"{statistics.median(firsts):.3f} s vs {statistics.median(startups):.3f} s "
                "(no caches, no bytecode; uv sync not counted)"
            )
            results["first checks of a copy / start-up"] = (_ratio(firsts, startups), detail)

        if "run" in only:
            hello = base / "hello"
            hello.mkdir()
            (hello / "hello.py").write_text('print("Hello, Python!")\n', encoding="utf-8")
            one = Step([PYTHON, "-c", _RUN_ONE, str(hello / "hello.py"), str(RUNS_PER_ROUND)])
            timed = rounds([one, *starts], repeat)
            said = [r[0][1].split() for r in timed]
            ones = [float(words[0]) if words else float("nan") for words in said]
            startups = _startups_of(timed, 1)
            detail = (
                f"{statistics.median(ones):.3f} s vs {statistics.median(startups):.3f} s "
                f"(run_file, uncached, {RUNS_PER_ROUND} runs a round: {' '.join(said[-1][1:])})"
            )
            results["one student run / start-up"] = (_ratio(ones, startups), detail)

    failed = False
    print()
    print(f"{'measure':36} {'ratio':>7}  goal     medians")
    for name, (ratio, detail) in results.items():
        target = GOALS[name]
        if target is None:
            print(f"{name:36} {ratio:7.2f}  {'':7}  {detail}")
            continue
        sense, goal = target
        met = ratio <= goal if sense == "<=" else ratio >= goal
        failed |= not met
        print(f"{name:36} {ratio:7.2f}  {sense} {goal:<4}  {detail}  {'met' if met else 'NOT MET'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
