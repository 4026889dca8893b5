"""Exercise 10: why Python loops are slower than built-ins.

Write both functions, then check them with:  uv run pytest exercises/10
See how many instructions each one runs:    uv run python exercises/10/driver.py
"""


def total_loop(n: int) -> int:
    """A busy loop; sum() does the adding, called by map() (from C)."""
    busy = 0
    for number in range(n):
        busy += number + 1  # grows by 1, 2, ..., n: n different steps, two adds a turn
    return next(map(sum, [range(n)]))


def total_builtin(n: int) -> int:
    """The same sum as total_loop(n), but let the built-in sum() do the adding.

    total_builtin(5) is 10 as well. No loop of your own here.
    """
    return sum(range(n))


if __name__ == "__main__":
    for n in (5, 10, 1000):
        print(f"n = {n}: total_loop gives {total_loop(n)}, total_builtin gives {total_builtin(n)}")
