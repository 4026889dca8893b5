"""Exercise 06's driver makes up a function at every run (``made_up``): whatever it draws, calling
it stays cheap. A chain that grew a value by repetition (a list of lists, repeated nine times)
took the driver past its time limit on a right answer (1 run in 32 under load)."""

from __future__ import annotations

import ast
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support import KIT

DRIVER = KIT / "exercises" / "06" / "driver.py"
SIZE = 100_000
"""Characters the value's repr may reach: far below a cost that the time limit would notice."""


def _steps() -> tuple[str, ...]:
    """The driver's ``STEPS``, read from its source (importing it runs the driver)."""
    for node in ast.parse(DRIVER.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "STEPS" for t in node.targets
        ):
            return tuple(ast.literal_eval(node.value))
    msg = "driver.py has no STEPS"
    raise AssertionError(msg)


STEPS = _steps()


def _repr_size(value: object, seen: dict[int, int] | None = None) -> int:
    """The length of ``repr(value)`` for ints, strings and lists of them, worked out without
    building it: a list repeated holds one object many times, counted once per id."""
    seen = {} if seen is None else seen
    if id(value) in seen:
        return seen[id(value)]
    if isinstance(value, list):
        size = 2 + sum(_repr_size(item, seen) + 2 for item in value)
    else:
        size = len(repr(value))
    seen[id(value)] = size
    return size


@settings(max_examples=300, deadline=None)
@given(
    chain=st.lists(st.tuples(st.sampled_from(STEPS), st.integers(2, 99)), min_size=3, max_size=9),
    start=st.integers(-99, 99),
)
def test_a_made_up_function_stays_cheap(chain: list[tuple[str, int]], start: int) -> None:
    """Step by step, the value made up never outgrows ``SIZE`` (a step is run only on a value
    that is still small, so the test itself never runs long)."""
    namespace: dict[str, object] = {"value": start, "random": random}
    for step, k in chain:
        try:
            exec(step.format(k=k).replace("\n        ", "\n    "), namespace)  # noqa: S102
        except TypeError:  # the driver's made_up stops there too
            return
        assert _repr_size(namespace["value"]) <= SIZE, (chain, start)
