# pyright: strict


def add(a: int, b: int) -> int:
    return a + b


print(add("2", "3"))
