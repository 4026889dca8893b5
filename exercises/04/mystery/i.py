# The type hints say int, but the call passes strings.
def add(a: int, b: int) -> int:
    return a + b


print("Adding...")
print(add(2, 3))
print(add("2", "3"))
print("Finished.")
