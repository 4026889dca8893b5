"""Measure the kit against its physical floor and print each result as a ratio.

Run with ``uv run nox -s bench`` (never part of the default sessions, never a timed test).
Every figure is the median of several runs of a whole command, as a student or a teacher
types it. The floors: one bare pytest start on a trivial test, one pyright run on one file,
and one Python start-up per run of a student file.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

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
    "  the same, 20 distinct copies": None,
}
"""The goals of issue 7. The last line has none: it shows what no cache can share."""

_RUNS = re.compile(r"files run: (\d+)")


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


def median_of(
    command: Sequence[str],
    repeat: int,
    *,
    cwd: Path = KIT,
    before: Callable[[], None] | None = None,
) -> float:
    """The median wall time of ``command`` over ``repeat`` runs (after one warm-up run)."""
    return _medians(command, repeat, cwd=cwd, before=before)[0]


def _medians(
    command: Sequence[str],
    repeat: int,
    *,
    cwd: Path = KIT,
    before: Callable[[], None] | None = None,
) -> tuple[float, int]:
    """The median wall time of ``command`` and the median count of files it ran."""
    _time(command, cwd=cwd, before=before)
    times: list[float] = []
    runs: list[int] = []
    for _ in range(repeat):
        seconds, output = _time(command, cwd=cwd, before=before)
        times.append(seconds)
        found = _RUNS.search(output)
        runs.append(int(found.group(1)) if found else 0)
    return statistics.median(times), round(statistics.median(runs))


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


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print the four ratios with their goals."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="runs per median (default 5)")
    parser.add_argument("--students", type=int, default=20, help="submissions to grade")
    args = parser.parse_args(argv)
    repeat: int = args.repeat
    pyright = str(Path(PYTHON).parent / ("pyright.exe" if os.name == "nt" else "pyright"))
    numbers = sorted(p.name for p in (KIT / "solutions").iterdir() if p.is_dir())
    results: dict[str, tuple[float, float, str]] = {}

    with tempfile.TemporaryDirectory(prefix="checks-bench-") as scratch:
        base = Path(scratch)
        trivial = base / "trivial"
        trivial.mkdir()
        (trivial / "test_trivial.py").write_text(
            "def test_trivial():\n    pass\n", encoding="utf-8"
        )
        (trivial / "one.py").write_text("x: int = 1\n", encoding="utf-8")
        bare = median_of(
            [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider"], repeat, cwd=trivial
        )
        pyright_one = median_of([pyright, "--outputjson", "one.py"], repeat, cwd=trivial)
        startup = median_of([PYTHON, "-c", "pass"], repeat)
        floor = bare + pyright_one
        print(
            f"bare pytest {bare:.3f} s, pyright on one file {pyright_one:.3f} s, "
            f"python start {startup:.3f} s (bytecode kept: PYTHONDONTWRITEBYTECODE unset)"
        )

        nine = _submission(base / "nine", ["09"])
        touch = _touch_python_files(nine)
        check_nine = [PYTHON, "-m", "pytest", "exercises/09", "--submission", str(nine), "-q"]
        cold = median_of(check_nine, repeat, before=touch)
        warm = median_of(check_nine, repeat)
        results["09 cold / floor"] = (cold, floor, f"{cold:.3f} s vs {floor:.3f} s")
        results["09 unchanged / bare pytest"] = (warm, bare, f"{warm:.3f} s vs {bare:.3f} s")

        everything = _submission(base / "all", numbers)
        touch_all = _touch_python_files(everything)
        check_all = [PYTHON, "-m", "pytest", "exercises", "--submission", str(everything), "-v"]
        all_cold, runs = _medians(check_all, repeat, before=touch_all)
        all_floor = floor + runs * startup
        results["all ten cold / floor"] = (
            all_cold,
            all_floor,
            f"{all_cold:.3f} s vs {all_floor:.3f} s ({runs} files run)",
        )

        # Two classes: copies of the solutions as they are, and copies whose every file ends
        # with a comment naming the student, so that no cache can share a verdict between two
        # students. Each round renames its marks: nothing is left from the round before.
        same, distinct = base / "same", base / "distinct"
        for index in range(args.students):
            _submission(same / f"student{index:02d}", numbers)
            _submission(distinct / f"student{index:02d}", numbers)
        out = base / "grades"
        same_times: list[float] = []
        distinct_times: list[float] = []
        separate_times: list[float] = []
        for round_ in range(max(1, repeat // 2)):
            for folder in sorted(distinct.iterdir()):
                _mark(folder, f"{folder.name}-{round_}-{os.urandom(4).hex()}")
            for times, students in ((same_times, same), (distinct_times, distinct)):
                shutil.rmtree(out, ignore_errors=True)
                folders = sorted(students.iterdir())
                grade = [PYTHON, "-m", "checks", "grade", *map(str, folders), "--out", str(out)]
                times.append(_time(grade)[0])
            folders = sorted(distinct.iterdir())
            start = time.perf_counter()
            for folder in folders:
                subprocess.run(
                    [
                        PYTHON,
                        "-m",
                        "pytest",
                        "exercises",
                        "--submission",
                        str(folder),
                        "-q",
                        "-p",
                        "no:cacheprovider",
                    ],
                    cwd=KIT,
                    env=ENV,
                    capture_output=True,
                    check=False,
                )
            separate_times.append(time.perf_counter() - start)
        separate = statistics.median(separate_times)
        for name, times in (
            ("20 pytest runs / checks grade", same_times),
            ("  the same, 20 distinct copies", distinct_times),
        ):
            grade = statistics.median(times)
            results[name] = (
                separate,
                grade,
                f"{separate:.2f} s vs {grade:.2f} s for {args.students} submissions",
            )

    failed = False
    print()
    print(f"{'measure':32} {'ratio':>7}  goal     medians")
    for name, (top, bottom, detail) in results.items():
        ratio = top / bottom if bottom else float("inf")
        target = GOALS[name]
        if target is None:
            print(f"{name:32} {ratio:7.2f}  {'':7}  {detail}")
            continue
        sense, goal = target
        met = ratio <= goal if sense == "<=" else ratio >= goal
        failed |= not met
        print(f"{name:32} {ratio:7.2f}  {sense} {goal:<4}  {detail}  {'met' if met else 'NOT MET'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
