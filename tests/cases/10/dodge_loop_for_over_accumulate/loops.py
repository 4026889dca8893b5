"""Exercise 10: why Python loops are slower than built-ins."""

import itertools


def total_loop(n: int) -> int:
    """Walks the running totals that itertools.accumulate (reached by map, from C) makes."""
    total = 0
    steps = 0
    for running in next(map(itertools.accumulate, [range(n)])):
        total = running
        steps += 1
    return total


def total_builtin(n: int) -> int:
    return sum(range(n))
