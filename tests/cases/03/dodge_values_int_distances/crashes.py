# Exercise 03: it ran for a moment, then hit a wall.
#
# This file's grammar is fine: Python parses it, compiles it and starts
# to run it, top to bottom. Then it crashes. Everything above the crash
# has already run (and printed); nothing below it runs.
# Fix the crash, run again, and meet the next one.


def show_title(title):
    print(title)
    print("=" * len(title))


def total_distance(runs):
    total = 0
    for km in runs:
        total = total + int(km)
    return total


def show_total(runs):
    print("Total: " + str(total_distance(runs)) + " km")


def speed(km, minutes):
    hours = minutes / 60
    return km / hours


show_title("Running log")
runs = [5, 8, 3]
print("Runs:", len(runs))
show_total(runs)
print("Speed:", speed(9, 45), "km/h")
print("Done.")
