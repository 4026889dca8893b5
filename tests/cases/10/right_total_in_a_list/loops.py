def total_loop(n: int) -> int:
    total = [0]
    for number in range(n):
        total[0] += number
    return total[0]


def total_builtin(n: int) -> int:
    return sum(range(n))

