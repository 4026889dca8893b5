"""Exercise 10: why Python loops are slower than built-ins.

Write both functions, then check them with:  uv run pytest exercises/10
See how many instructions each one runs:    uv run python exercises/10/driver.py
"""

add_up = sum


def total_loop(n: int) -> int:
    """Counts, and lets sum (under another name) add."""
    count = 0
    for _ in range(n):
        count += 1
    return add_up(range(count))


def total_builtin(n: int) -> int:
    """sum()."""
    return sum(range(n))


if __name__ == "__main__":
    for n in (5, 10, 1000):
        print(f"n = {n}: total_loop gives {total_loop(n)}, total_builtin gives {total_builtin(n)}")
