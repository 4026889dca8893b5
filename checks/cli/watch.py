"""``checks watch``: check the current exercise again each time one of its files is saved.

The current exercise is the first one that does not pass. Its verdict and the teaching message
of its first failing test are shown; every save of one of its files checks it again, and once it
passes ``watch`` says so and moves on to the next. Keys: ``e`` opens the exercise's files in the
student's editor (``checks.cli.editor``), ``h`` the next hint (one that fits where the file is:
past the hints about stopping once it no longer stops), ``l`` the progress table, ``q`` quit
(Ctrl-C works too). Once every exercise passes, ``watch`` says so and, on a terminal, waits for
a key before it ends.

Saves are noticed two ways. ``watchfiles`` reports file events as they happen (it polls by
itself where it knows events do not arrive, such as WSL, and always with ``--poll``); and every
``TICK`` seconds the student files' size and modification time are compared with the last check,
which catches a save on a file system where events never arrive. Verdicts come from
``checks.cli.progress.check``, the same cached verdicts as the progress table, so a save that
changes nothing is answered at once; the tests of a save run in one pytest process kept warm for
the session (``checks.cli.warm``), the same tests through the same plugin as ``uv run pytest
exercises/NN``, without paying for Python's and pytest's start each time. Untouched starters are
known without a run (``progress.check``), so the first screen needs the current exercise only.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TextIO

import watchfiles

from checks.cli.editor import Editor
from checks.cli.keys import Keys
from checks.cli.progress import (
    check,
    checking_note,
    failure_report,
    next_hint,
    next_steps,
    next_up,
    table,
)
from checks.cli.terminal import Terminal
from checks.cli.warm import WarmPytest
from checks.model import Exercise, ExerciseResult, FailedAt, Outcome

__all__ = ["KEYS_HELP", "LEAVE_HELP", "TICK", "Watch"]

TICK = 0.5
"""Seconds between two looks at the student files' size and time, the fallback for saves."""

KEYS_HELP = "e edit   h hint   l list   q quit"
LEAVE_HELP = "Press any key to leave watch."

_QUIT_KEYS = frozenset({"q", "Q", "\x03", "\x04"})
_SAVED = "saved:"
_STEP_MS = 2
"""Milliseconds between two looks of watchfiles at the events it gathered (it sleeps that long
each time): once a look finds no new event, the events so far are reported, so a save is
noticed 2 to 4 ms after it (an editor's writes and rename of one save come within a
millisecond). Each look wakes the thread, five hundred times a second: an idle watch used less
than a hundredth of a second of CPU in 30 s."""
_RUST_TIMEOUT_MS = 500
_STOPPED_AT = frozenset({FailedAt.READ, FailedAt.PARSE, FailedAt.COMPILE, FailedAt.RUN})
"""Where a failing check says the file still stops: the hints about stopping still fit."""
_ERASE_LINE = "\r\x1b[K"


class Watch:
    """One ``checks watch`` session over the exercises of the kit at ``root``."""

    def __init__(
        self,
        root: Path,
        exercises: Sequence[Exercise],
        term: Terminal,
        out: TextIO,
        *,
        poll: bool = False,
        stdin: TextIO | None = None,
        editor: Editor | None = None,
    ) -> None:
        self.root = root
        self.exercises = list(exercises)
        self.term = term
        self.out = out
        self.poll = poll
        self.stdin = stdin
        self.editor = editor or Editor(None, "No editor was given to watch.")
        self.inbox: queue.Queue[str] = queue.Queue()
        self.quit = threading.Event()
        self.events_note = ""
        self.tests = WarmPytest(root, exercises, self.quit)
        self._later: list[Callable[[], None]] = []
        """Verdicts to keep in the study folder's cache, left for after they are shown."""
        self._student_files = {
            (exercise.number, name.rstrip("/")) for exercise in exercises for name in exercise.files
        }

    def run(self) -> int:
        """Watch until the student quits or every exercise passes; the exit status."""
        stop_events = threading.Event()
        threading.Thread(
            target=self._file_events, args=(stop_events,), name="checks-files", daemon=True
        ).start()
        try:
            with Keys(self._on_key, self.stdin):
                return self._loop()
        finally:
            stop_events.set()
            self.tests.close()
            self._keep()

    # The background threads: both only put words in the inbox.

    def _on_key(self, key: str) -> None:
        if key in _QUIT_KEYS:
            self.quit.set()
        self.inbox.put(f"key:{key}")

    def _exercise_of(self, path: str) -> str:
        """The exercise folder a watched path is in."""
        return Path(path).relative_to(self.root / "exercises").parts[0]

    def _is_student_file(self, _change: watchfiles.Change, path: str) -> bool:
        try:
            parts = Path(path).relative_to(self.root / "exercises").parts
        except ValueError:
            return False
        return len(parts) > 1 and any(
            (parts[0], "/".join(parts[1:end])) in self._student_files
            for end in range(2, len(parts) + 1)
        )

    def _file_events(self, stop: threading.Event) -> None:
        try:
            for changes in watchfiles.watch(
                self.root / "exercises",
                watch_filter=self._is_student_file,
                stop_event=stop,
                force_polling=True if self.poll else None,
                step=_STEP_MS,
                rust_timeout=_RUST_TIMEOUT_MS,
                raise_interrupt=False,
            ):
                for number in sorted({self._exercise_of(path) for _, path in changes}):
                    self.inbox.put(_SAVED + number)
        except (OSError, RuntimeError) as error:  # watchfiles cannot watch: the fallback can
            self.events_note = (
                f"(File events are not available here: {error}. Saves are noticed by "
                f"looking at the files every {TICK:g} s.)"
            )

    # The main thread: checks and screens.

    def _write(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def _signature(self, exercise: Exercise) -> tuple[tuple[str, int, int], ...]:
        """Size and modification time of each student file: what a save changes."""
        found: list[tuple[str, int, int]] = []
        for name in exercise.files:
            path = exercise.folder / name
            paths = sorted(path.rglob("*")) if path.is_dir() else [path]
            for item in paths:
                try:
                    stat = item.stat()
                except OSError:
                    found.append((str(item), -1, -1))
                else:
                    found.append((str(item), stat.st_size, stat.st_mtime_ns))
        return tuple(found)

    def _check(
        self, exercises: Sequence[Exercise], *, starters: bool = False
    ) -> dict[str, ExerciseResult] | None:
        """The verdicts of ``exercises``, their tests run in the warm pytest (``starters``:
        untouched starters known without a run); on a terminal the note "Checking..." is erased
        once they are in."""
        self._keep()
        shown: list[str] = []

        def announce(todo: list[Exercise]) -> None:
            note = self.term.paint(checking_note(todo), "dim")
            if self.term.interactive:
                self.out.write(note)
                self.out.flush()
                shown.append(note)
            else:
                self._write(note)

        try:
            return check(
                exercises,
                self.root,
                stop=self.quit,
                announce=announce,
                starters=starters,
                runner=self.tests,
                later=self._later,
            )
        finally:
            if shown:
                self.out.write(_ERASE_LINE)
                self.out.flush()

    def _keep(self) -> None:
        """Keep the verdicts shown since the last time (``judge``'s ``later``)."""
        while self._later:
            self._later.pop(0)()

    def _everything(self) -> dict[str, ExerciseResult] | None:
        """The verdict of every exercise, as the table shows it."""
        return self._check(self.exercises, starters=True)

    def _footer(self, banner: str = "") -> None:
        stamp = datetime.now().strftime("%H:%M:%S")
        self._write(self.term.rule())
        if self.events_note:
            self._write(self.term.wrap(self.events_note))
        if banner:
            self._write(banner)
        self._write(f"Checked at {stamp}.   " + self.term.paint(KEYS_HELP, "cyan"))

    def _screen(self, exercise: Exercise, result: ExerciseResult, banner: str = "") -> None:
        """Clear the screen and show the exercise's verdict; ``banner`` stays in sight last."""
        self.out.write(self.term.clear())
        self._write(self.term.rule(f"exercise {exercise.number}: {exercise.title}"))
        self._write(self.term.wrap(exercise.goal))
        files = ", ".join(f"exercises/{exercise.number}/{name}" for name in exercise.files)
        self._write(self.term.wrap(f"Edit {files} and save: it is checked again each time."))
        self._write()
        report = failure_report(result, self.term)
        self._write(self.term.link_places(report, exercise.folder, exercise.files))
        self._write()
        self._footer(banner)

    def _hint(self, exercise: Exercise, result: ExerciseResult) -> None:
        failing = [test for test in result.tests if test.outcome is not Outcome.PASSED]
        failure = failing[0].failure if failing else None
        stops = None if failure is None else failure.at in _STOPPED_AT
        hint = next_hint(exercise, self.root, stops=stops)
        self._write()
        if hint is None:
            self._write(f"Exercise {exercise.number} has no hints.")
        else:
            total = len(exercise.hints)
            head = f"Hint {hint.number} of {total}" + (" (again)" if hint.again else "")
            self._write(self.term.paint(head + ":", "bold"))
            self._write(self.term.wrap(hint.text, indent="  "))
        self._write(self.term.paint(KEYS_HELP, "cyan"))

    def _edit(self, exercise: Exercise) -> None:
        names = [name for name in exercise.files if not name.endswith("/")]
        shown = [f"exercises/{exercise.number}/{name}" for name in names]
        said = self.editor.open([exercise.folder / name for name in names], shown)
        self._write()
        self._write(self.term.wrap(said))
        self._write(self.term.paint(KEYS_HELP, "cyan"))

    def _table(self, exercises: Sequence[Exercise], results: dict[str, ExerciseResult]) -> None:
        self._write()
        self._write(table(exercises, results, self.term))
        self._write()
        self._write(self.term.paint(KEYS_HELP, "cyan"))

    def _finish(self, banner: str) -> int:
        """Say every exercise passes; on a terminal, stay until a key is pressed, so that a
        window that closes with ``watch`` (a tmux pane) shows it first."""
        if banner:
            self._write(banner)
        solutions = (self.root / "solutions").is_dir()
        self._write(next_steps(None, self.term, len(self.exercises), solutions=solutions))
        if self.term.interactive and not self.quit.is_set():
            self._write(self.term.paint(LEAVE_HELP, "cyan"))
            while not self.quit.is_set():
                with contextlib.suppress(queue.Empty):
                    if self.inbox.get(timeout=TICK).startswith("key:"):
                        break
        return 0

    def _drain(self, word: str) -> None:
        """Drop the ``word`` waiting in the inbox (more events of the same save)."""
        kept: list[str] = []
        with contextlib.suppress(queue.Empty):
            while True:
                waiting = self.inbox.get_nowait()
                if waiting != word:
                    kept.append(waiting)
        for waiting in kept:
            self.inbox.put(waiting)

    def _detailed(
        self, exercise: Exercise, results: dict[str, ExerciseResult]
    ) -> ExerciseResult | None:
        """The exercise's verdict with its tests' messages (an untouched starter is run)."""
        result = results[exercise.number]
        if result.tests or not result.untouched:
            return result
        found = self._check([exercise])
        if found is None:
            return None
        results.update(found)
        return found[exercise.number]

    def _signatures(self) -> dict[str, tuple[tuple[str, int, int], ...]]:
        """Every exercise's ``_signature``, taken before a check reads the files: a save made
        while the check runs, or while its verdict is drawn, differs from it and is checked."""
        return {exercise.number: self._signature(exercise) for exercise in self.exercises}

    def _loop(self) -> int:
        before = self._signatures()
        results = self._everything()
        if results is None:
            return 0
        current = next_up(self.exercises, results)
        if current is None:
            self._write(table(self.exercises, results, self.term))
            return self._finish("")
        shown = self._detailed(current, results)
        if shown is None:
            return 0
        self._screen(current, shown)
        signature = before[current.number]
        while not self.quit.is_set():
            self._keep()  # the verdict is on the screen: now it is kept
            try:
                word = self.inbox.get(timeout=TICK)
            except queue.Empty:
                word = ""
            if word == "key:e":
                self._edit(current)
            elif word == "key:h":
                self._hint(current, results[current.number])
            elif word == "key:l":
                everything = self._everything()
                if everything is None:
                    break
                results = everything
                self._table(self.exercises, results)
            saved = word == _SAVED + current.number
            if not saved and (word or self._signature(current) == signature):
                continue
            self._drain(_SAVED + current.number)
            signature = self._signature(current)
            found = self._check([current])
            if found is None:
                break
            results.update(found)
            if not found[current.number].passed:
                self._screen(current, found[current.number])
                continue
            banner = self.term.paint(
                f"Exercise {current.number} passes! ({current.title})", "green", "bold"
            )
            before = self._signatures()
            everything = self._everything()
            if everything is None:
                break
            results = everything
            following = next_up(self.exercises, results)
            if following is None:
                return self._finish(banner)
            current = following
            signature = before[current.number]
            shown = self._detailed(current, results)
            if shown is None:
                break
            self._screen(current, shown, f"{banner} On to exercise {current.number}.")
        return 0
