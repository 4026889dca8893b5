"""The checks run this file to try your loops.py. You may run it yourself too:

    uv run python exercises/10/driver.py

It imports loops.py and calls total_loop(n) and total_builtin(n) for several n, counting the
bytecode instructions each call executes (by tracing them, one by one: no stopwatch), and, in
the same call, watching what runs: the built-ins written in C that it calls, and how far its
variables grow by adding, and what each call of sum() is handed and returns (the built-in sum()
is reached through a door of the kit's, which adds nothing of its own and whose instructions are
not counted). It prints a table of the counts; the checks, which judge the results, how the counts
grow with n, and what ran, get the facts on a channel of their own.
"""

from __future__ import annotations

import os
import random

from checks.child.bytecode import Watched, watch_call
from checks.child.probe import Probe
from checks.child.sums import open_door

HERE = os.path.dirname(os.path.realpath(__file__))
FUNCTIONS = ("total_loop", "total_builtin")
SIZES = (0, 1, 10, 100, 1000)

probe = Probe(os.path.join(HERE, "loops.py"))
open_door()  # before loops.py runs: every sum() it can name is the kit's door
student = probe.load()
# One more n, different at every run, so that no stored answer can fit it.
sizes = sorted({*SIZES, random.randint(200, 900)})


def counted(name: str, n: int) -> dict[str, object]:
    """Call the student's function ``name`` on ``n`` once: count and watch what it executed."""

    def traced() -> Watched[object]:
        return watch_call(probe.student_file, getattr(student, name), n)

    def kept(watched: Watched[object]) -> dict[str, object]:
        result = watched.result
        plain = isinstance(result, (int, float)) and not isinstance(result, bool)
        return {
            "result": result if plain else repr(result),
            "instructions": watched.instructions,
            "called": list(watched.called),
            "added": watched.added,
            "adds": watched.adds,
            "kept": watched.kept,
            "sums": [list(found) for found in watched.sums],
            "returned_sum": watched.returned_sum,
        }

    return probe.call(traced, keep=kept)


def shown(called: dict[str, object]) -> object:
    """The count for the table, or where there is none, why."""
    value = called.get("value")
    return value["instructions"] if isinstance(value, dict) else called.get("error", "?")


facts = {name: {str(n): counted(name, n) for n in sizes} for name in FUNCTIONS}
print(f"{'n':>6}" + "".join(f"{name + ' instructions':>28}" for name in FUNCTIONS))
for n in sizes:
    print(f"{n:>6}" + "".join(f"{shown(facts[name][str(n)])!s:>28}" for name in FUNCTIONS))
probe.report(**facts)
