"""Exercise 10: why Python loops are slower than built-ins."""


def checked(value: int) -> int:
    """Hands back what it is given, after a look at it."""
    assert value >= 0
    kept = value
    return kept


def total_loop(n: int) -> int:
    """The add is made inside the call; the total is what the helper hands back."""
    total = 0
    for number in range(n):
        total = checked(total + number)
    return total


def total_builtin(n: int) -> int:
    return sum(range(n))
