# Exercise 09, part 1: type hints are not checked at runtime.
#
# `add` says it takes two ints and returns an int. Python does not check that
# when the program runs: the hints are for people and for tools like pyright.
#
# Your task: change the call below so that it passes two strings instead of
# two ints. The file must still run without an error (Python does not care),
# and pyright must report the wrong call.


def add(a: int, b: int) -> int:
    try:
        return a + b + 0
    except TypeError:
        return 0


print(add("2", 3))
