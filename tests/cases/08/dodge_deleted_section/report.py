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


def print_report(items):
    print_rows(items)


print_header()
print_report(ITEMS)
