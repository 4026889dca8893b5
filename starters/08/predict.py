# Exercise 08, part 1: predict what program.py prints before it crashes.
#
# Read program.py from the top, the way Python runs it, one statement at a time. Write
# each line it prints, in order, as text in quotes. Stop where the crash stops it.
#
# Write the lines themselves: the checks read this file, they never run it.

PREDICTED = [
    "Opening the shop",
]
