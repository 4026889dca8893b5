import contextlib


def add(a: int, b: int) -> int:
    return a + b


with contextlib.suppress(TypeError):
    print(add(
        "2",
        3,
    ))
