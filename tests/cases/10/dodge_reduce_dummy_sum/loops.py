"""Exercise 10: why Python loops are slower than built-ins.

Write both functions, then check them with:  uv run pytest exercises/10
See how many instructions each one runs:    uv run python exercises/10/driver.py
"""

import functools
import operator


def total_loop(n: int) -> int:
    """A right loop."""
    total = 0
    for number in range(n):
        total += number
    return total


def total_builtin(n: int) -> int:
    """Calls sum() for show; reduce does the adding."""
    sum([])
    return functools.reduce(operator.add, range(n), 0)


if __name__ == "__main__":
    for n in (5, 10, 1000):
        print(f"n = {n}: total_loop gives {total_loop(n)}, total_builtin gives {total_builtin(n)}")
