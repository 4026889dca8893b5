# Count how many times something happens.
count = 0
print("Counting...")


def bump():
    nonlocal count
    count = count + 1


bump()
print("Count is", count)
