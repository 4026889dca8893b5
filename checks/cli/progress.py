"""A student's progress: the table of exercises, the next one to do, and the hints seen so far.

Whether an exercise is done is always read from the student's files (``checks.run.verdict``). The
one shortcut: an exercise whose folder is the one the kit shipped, its starter untouched
(``checks.starter.sealed_starter``), is not started, and the kit's own tests prove that such a
starter fails, so the table needs no run to say so. That shortcut only ever says "fails": a
file the student can write (``starters/sealed.json``) never makes anything pass. The one thing remembered is how many hints of each exercise the student has asked for, kept in the
study folder ``.checks/`` at the kit's root, beside the verdict cache and the backups that
``checks reset`` makes. Deleting that folder loses nothing but the hint count.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from checks.cli.terminal import Terminal
from checks.model import Exercise, ExerciseResult, Outcome, TestResult
from checks.reports import score_exercise
from checks.run.verdict import STUDY_FOLDER, VERDICTS_FILE, Runner, judge
from checks.starter import sealed_starter

__all__ = [
    "BACKUPS_FOLDER",
    "STUDY_FOLDER",
    "Hint",
    "check",
    "check_title",
    "checking_note",
    "failure_report",
    "failures_summary",
    "next_hint",
    "next_steps",
    "next_up",
    "standing",
    "study_folder",
    "table",
]


BACKUPS_FOLDER = "backups"
"""Where, inside the study folder, ``checks reset`` keeps the student's files."""

_NEXT_MARK = "  <- next"
_DONE = "done"
_NOT_YET = "not yet"
_NOT_STARTED = (
    "Exercise {number} is not started: its files are still the starter's, which never passes."
)
_HINTS_FILE = "hints.json"
_CHAINED = (
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
)


def study_folder(root: Path) -> Path:
    """The study folder of the kit at ``root``, made (and git-ignored) if it is missing."""
    folder = root / STUDY_FOLDER
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / ".gitignore").write_text(
            "# Made by `checks`: nothing here is shared.\n*\n", encoding="utf-8"
        )
    return folder


def check(
    exercises: Sequence[Exercise],
    root: Path,
    *,
    stop: threading.Event | None = None,
    announce: Callable[[list[Exercise]], None] | None = None,
    starters: bool = False,
    runner: Runner | None = None,
    later: list[Callable[[], None]] | None = None,
) -> dict[str, ExerciseResult] | None:
    """The verdict of each exercise on the student's files (cached by content), the tests run
    by ``runner`` when one is given (a warm pytest process); ``later`` as ``judge`` has it.

    With ``starters``, an exercise whose folder is sealed as shipped (its starter, the kit's
    tests) is not run: it is not started (``ExerciseResult.untouched``, no tests), which is all a
    table needs to show.
    """
    known = {
        e.number: ExerciseResult(e, untouched=True)
        for e in exercises
        if starters and _untouched(e, root)
    }
    todo = [exercise for exercise in exercises if exercise.number not in known]
    found: dict[str, ExerciseResult] = {}
    if todo:
        cache = study_folder(root) / VERDICTS_FILE
        judged = judge(
            todo, root=root, cache=cache, stop=stop, announce=announce, runner=runner, later=later
        )
        if judged is None:
            return None
        found = judged
    return {e.number: known.get(e.number) or found[e.number] for e in exercises}


def _untouched(exercise: Exercise, root: Path) -> bool:
    """Whether ``exercise``'s folder is the sealed one: its starter, under the kit's tests."""
    try:
        return sealed_starter(exercise, root)
    except OSError:
        return False


def checking_note(todo: Sequence[Exercise]) -> str:
    """What to say while the tests of ``todo`` run."""
    numbers = [exercise.number for exercise in todo]
    if len(numbers) == 1:
        return f"Checking exercise {numbers[0]}..."
    return f"Checking exercises {', '.join(numbers[:-1])} and {numbers[-1]}..."


def next_up(exercises: Sequence[Exercise], results: dict[str, ExerciseResult]) -> Exercise | None:
    """The first exercise, in order, that does not pass yet."""
    for exercise in exercises:
        if not results[exercise.number].passed:
            return exercise
    return None


def _core_done(result: ExerciseResult) -> bool:
    """Whether an exercise with a going-further part passes every check of its core."""
    core = [test for test in result.tests if not test.going_further]
    return len(core) < len(result.tests) and all(t.outcome is Outcome.PASSED for t in core)


def standing(result: ExerciseResult) -> str:
    """Where an exercise stands: ``done``, ``core done, 8/10``, ``not yet, 3/10`` or ``not yet``."""
    if result.passed:
        return _DONE
    scored = score_exercise(result.exercise, result.tests)
    points = f"{scored.score:g}/{scored.max_score:g}"
    if _core_done(result):
        return f"core done, {points}"
    return f"{_NOT_YET}, {points}" if scored.score > 0 else _NOT_YET


def table(exercises: Sequence[Exercise], results: dict[str, ExerciseResult], term: Terminal) -> str:
    """The progress table: where each exercise stands (points when partly done), and the count."""
    done = sum(results[exercise.number].passed for exercise in exercises)
    upcoming = next_up(exercises, results)
    words = {exercise.number: standing(results[exercise.number]) for exercise in exercises}
    column = max((len(word) for word in words.values()), default=0)
    lines = [term.paint(f"Your progress: {done} of {len(exercises)} exercises done", "bold"), ""]
    for exercise in exercises:
        word = f"{words[exercise.number]:{column}}"
        arrow = _NEXT_MARK if exercise is upcoming else ""
        head = f"  {exercise.number}  {word}  "
        title = exercise.title
        room = term.width - len(head) - len(arrow)
        if len(title) > room:
            title = title[: max(room - 3, 1)] + "..."
        colour = "yellow" if word.startswith(_NOT_YET) else "green"
        mark = term.paint(word, colour)
        lines.append(f"  {exercise.number}  {mark}  {title}{term.paint(arrow, 'cyan')}")
    return "\n".join(lines)


def next_steps(
    exercise: Exercise | None, term: Terminal, total: int, *, solutions: bool = True
) -> str:
    """What to do next: the exercise's goal and how to check it, or the end of the road.

    At the end, the reference solutions are offered only where the copy holds ``solutions``.
    """
    if exercise is None:
        compare = (
            "`uv run checks solution NN` shows the reference solution of any of them, to "
            "compare with yours."
            if solutions
            else "This copy came without the reference solutions: your teacher has them."
        )
        done = term.paint(term.wrap(f"All {total} exercises pass. Well done! {compare}"), "green")
        return f"{done}\n{term.wrap('`uv run checks` shows the table of all of them.')}"
    folder = f"exercises/{exercise.number}"
    files = ", ".join(f"{folder}/{name}" for name in exercise.files)
    read = (
        f"Read {folder}/README.md, then edit"
        if (exercise.folder / "README.md").exists()
        else "Edit"
    )
    lines = [
        term.paint(f"Your next exercise: {exercise.number}, {exercise.title}", "bold"),
        term.wrap(exercise.goal, indent="  "),
        term.wrap(f"{read} {files} and check it with:", indent="  "),
        "    " + term.paint(exercise.test_command, "cyan"),
        term.wrap(
            "or run `uv run checks watch`, which checks it again each time you save "
            f"(and `uv run checks hint {exercise.number}` when you are stuck).",
            indent="  ",
        ),
    ]
    return "\n".join(lines)


def check_title(test: TestResult) -> str:
    """A test's name as a student reads it: ``test_keeps_its_functions`` -> keeps its functions."""
    name = test.name.removeprefix("test_")
    name, bracket, rest = name.partition("[")
    return name.replace("_", " ") + (f" [{rest}" if bracket else "")


def _message(test: TestResult) -> str:
    """A test's failure message without pytest's noise (chained exceptions, blank edges)."""
    text = test.message
    for marker in _CHAINED:
        if marker in text:
            text = text.rsplit(marker, 1)[1]
    text = text.strip("\n")
    if not text.strip():
        return f"(the test {test.name} failed without a message)"
    return text


def _failing(result: ExerciseResult) -> list[TestResult]:
    return [test for test in result.tests if test.outcome is not Outcome.PASSED]


def failure_report(result: ExerciseResult, term: Terminal) -> str:
    """Why an exercise does not pass: the first failing check in full, the others by name."""
    if result.untouched and not result.tests:
        return term.wrap(_NOT_STARTED.format(number=result.exercise.number))
    if not result.tests:
        return term.wrap(
            f"Exercise {result.exercise.number} has no tests yet, so nothing can say it is done."
        )
    failing = _failing(result)
    if not failing:
        return term.paint("Every check passes.", "green")
    first = failing[0]
    count = f"{len(failing)} of {len(result.tests)} checks fail"
    lines = [
        term.paint(f"Not yet: {count}.", "yellow", "bold"),
        "",
        term.paint(f"{check_title(first)}:", "bold"),
        term.wrap(_message(first)),
    ]
    if len(failing) > 1:
        others = ", ".join(check_title(test) for test in failing[1:])
        lines += ["", term.wrap(f"Also failing: {others}. Fix the first one first.")]
    return "\n".join(lines)


def failures_summary(result: ExerciseResult) -> list[str]:
    """One line per failing check: its name and the first line of its message."""
    if result.untouched and not result.tests:
        return [_NOT_STARTED.format(number=result.exercise.number)]
    if not result.tests:
        return ["the exercise has no tests yet"]
    return [
        f"{check_title(test)}: {_message(test).lstrip().splitlines()[0]}"
        for test in _failing(result)
    ]


@dataclass(frozen=True)
class Hint:
    """One hint of an exercise, numbered from 1, and whether it was shown before."""

    exercise: Exercise
    number: int
    text: str
    again: bool

    @property
    def last(self) -> bool:
        """Whether no hint comes after this one."""
        return self.number == len(self.exercise.hints)


def _hints_seen(root: Path) -> dict[str, int]:
    path = root / STUDY_FOLDER / _HINTS_FILE
    try:
        data: object = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    seen: dict[str, int] = {}
    for number, count in data.items():  # pyright: ignore[reportUnknownVariableType]
        if isinstance(number, str) and isinstance(count, int):
            seen[number] = count
    return seen


def next_hint(exercise: Exercise, root: Path, *, stops: bool | None = None) -> Hint | None:
    """The next hint of ``exercise`` (the last one again once all were seen); None if none.

    ``stops`` says whether the failing check still stops at a stage (None: not known); when it
    no longer does, the exercise's ``stop_hints`` (about where it stops) are passed over.
    """
    if not exercise.hints:
        return None
    seen = _hints_seen(root)
    count = seen.get(exercise.number, 0)
    if stops is False:
        count = max(count, min(exercise.stop_hints, len(exercise.hints) - 1))
    number = min(count + 1, len(exercise.hints))
    seen[exercise.number] = number
    path = study_folder(root) / _HINTS_FILE
    path.write_text(json.dumps(seen, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return Hint(exercise, number, exercise.hints[number - 1], again=count >= number)
