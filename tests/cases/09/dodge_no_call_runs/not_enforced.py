from typing import TYPE_CHECKING


def add(a: int, b: int) -> int:
    return a + b


if TYPE_CHECKING:
    print(add("2", "3"))
print("23")
