import sys

ITEMS = [("apples", 3), ("pears", 5), ("plums", 2)]


def print_header():
    print("FRUIT REPORT")
    print("============")


def show_row(name, count):
    sys.stdout.write(f"{name}: {count}\n")


def print_rows(items):
    for name, count in items:
        show_row(name, count)


def print_footer(items):
    total = 0
    for _name, count in items:
        total = total + count
    print("============")
    print(f"total: {total}")


def main():
    print_header()
    print_rows(ITEMS)
    print_footer(ITEMS)


if __name__ == "__main__":
    main()
