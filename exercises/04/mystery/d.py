# A program with a mistake in it. Or is there?
def broken():
    print("This line is never reached.")
    return undefined_name + 1


print("Step 1")
print("Step 2")
if 2 > 3:
    broken()
print("Step 3")
