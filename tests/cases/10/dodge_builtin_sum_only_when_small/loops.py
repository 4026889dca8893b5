"""Exercise 10: why Python loops are slower than built-ins.

Write both functions, then check them with:  uv run pytest exercises/10
See how many instructions each one runs:    uv run python exercises/10/driver.py
"""


def total_loop(n: int) -> int:
    """Add up 0 + 1 + 2 + ... + (n - 1), one number at a time, in a loop you write yourself.

    total_loop(5) is 0 + 1 + 2 + 3 + 4 = 10. No sum() here: the point is to write the loop.
    """
    total = 0
    for number in range(n):
        total += number
    return total


def total_builtin(n: int) -> int:
    """sum() for the small n, the formula for the rest."""
    return sum(range(n)) if n < 50 else n * (n - 1) // 2


if __name__ == "__main__":
    for n in (5, 10, 1000):
        print(f"n = {n}: total_loop gives {total_loop(n)}, total_builtin gives {total_builtin(n)}")
