"""Exercise 10: why Python loops are slower than built-ins.

Write both functions, then check them with:  uv run pytest exercises/10
See how many instructions each one runs:    uv run python exercises/10/driver.py
"""

add_up = sum


def add(total: int, number: int) -> int:
    """One step of the loop."""
    return total + number


def total_loop(n: int) -> int:
    """Adds through a helper."""
    total = 0
    for number in reversed(range(n)):
        total = add(total, number)
    return total


def total_builtin(n: int) -> int:
    """sum(), under another name."""
    return add_up(range(n))


if __name__ == "__main__":
    for n in (5, 10, 1000):
        print(f"n = {n}: total_loop gives {total_loop(n)}, total_builtin gives {total_builtin(n)}")
