class Tally:
    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


def total_loop(n: int) -> int:
    tally = Tally()
    for number in range(n):
        tally.value += number
    return tally.value


def total_builtin(n: int) -> int:
    return sum(range(n))

