"""Exercise 10: why Python loops are slower than built-ins.

Write both functions, then check them with:  uv run pytest exercises/10
See how many instructions each one runs:    uv run python exercises/10/driver.py
"""


def total_loop(n: int) -> int:
    """A while loop, counting down."""
    total = 0
    number = n - 1
    while number > 0:
        total = total + number
        number -= 1
    return total


def total_builtin(n: int) -> int:
    """sum() of a list."""
    return sum(list(range(n)))


if __name__ == "__main__":
    for n in (5, 10, 1000):
        print(f"n = {n}: total_loop gives {total_loop(n)}, total_builtin gives {total_builtin(n)}")
