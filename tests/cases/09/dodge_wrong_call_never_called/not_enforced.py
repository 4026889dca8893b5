def add(a: int, b: int) -> int:
    return a + b


def never_called() -> None:
    print(add("2", "3"))


print(add(2, 3))
