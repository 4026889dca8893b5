running = 0


def total_loop(n: int) -> int:
    global running
    running = 0
    for number in range(n):
        running += number
    return running


def total_builtin(n: int) -> int:
    return sum(range(n))

