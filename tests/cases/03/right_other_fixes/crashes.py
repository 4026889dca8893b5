def show_title(title):
    print(title)
    print("=" * len(title))


def total_distance(runs):
    return sum(runs)


def show_total(runs):
    print("Total:", total_distance(runs), "km")


def speed(km, minutes):
    return km * 60 / minutes


show_title("Running log")
runs = [5, 8, 3]
print("Runs:", len(runs))
show_total(runs)
print(f"Speed: {speed(9, 45)} km/h")
print("Done.")
