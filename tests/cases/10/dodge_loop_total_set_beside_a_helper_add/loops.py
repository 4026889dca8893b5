"""Exercise 10: why Python loops are slower than built-ins."""

import itertools


def bump(count: int) -> int:
    """One more: the only add this file runs."""
    return count + 1


def total_loop(n: int) -> int:
    """Copies the running totals itertools.accumulate makes (reached by map, from C), and on
    the same line counts the turns with a helper that adds."""
    total = steps = 0
    for running in next(map(itertools.accumulate, [range(n)])):
        total = running; steps = bump(steps)
    return total


def total_builtin(n: int) -> int:
    return sum(range(n))
