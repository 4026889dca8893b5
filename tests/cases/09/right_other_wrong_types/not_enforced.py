def add(a: int, b: int) -> int:
    return a + b


result = add(
    [1, 2],
    [3],
)
print(result)
