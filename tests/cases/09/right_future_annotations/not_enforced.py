from __future__ import annotations


def add(a: int, b: int) -> int:
    return a + b


words = add(
    "2",
    "3",
)
print(words)
