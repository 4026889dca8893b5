def add(a: int, b: int) -> int:
    return a + b


try:
    print(add("2", 3))
except TypeError:
    pass
