def show_title(title):
    print(title)
    print("=" * len(title))


def total_distance(runs):
    total = 0
    for km in runs:
        total += km
    return total


def show_total(runs):
    print(f"Total: {total_distance(runs)} km")


def speed(km, minutes):
    hours = minutes / 60
    return km / hours


def main():
    show_title("Running log")
    runs = [5, 8, 3]
    print("Runs:", len(runs))
    show_total(runs)
    print("Speed:", speed(9, 45), "km/h")
    print("Done.")


if __name__ == "__main__":
    main()
