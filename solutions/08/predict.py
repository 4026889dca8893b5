# Exercise 08, part 1: predict what program.py prints before it crashes.
#
# Read program.py from the top, the way Python runs it, one statement at a time. Write
# each line it prints, in order, as text in quotes. Stop where the crash stops it.
#
# Write the lines themselves: the checks read this file, they never run it.

PREDICTED = [
    "Opening the shop",  # the first statement Python reaches; `def check` below prints nothing
    "Stock check:",
    "Checking apples...",  # check("apples", 12, 4) is called from the loop
    "apples will last 3 days",  # 12 // 4
    "Checking pears...",  # pears sell 0 a day: 5 // 0 crashes with a ZeroDivisionError here,
    # so "pears will last ...", all of plums and "All checked..." never print.
]
