# A greeting, a function, and a call.
print("Starting up...")


def greet(name)
    print(f"Hello, {name}!")


greet("Ada")
print("Done.")
