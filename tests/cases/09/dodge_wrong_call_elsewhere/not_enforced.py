def add(a: int, b: int) -> int:
    return a + b


print(add(2, 3))
print(sorted([3, 1], reverse=1))
