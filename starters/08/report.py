# Exercise 08, part 2: this report prints its three sections in the wrong order.
#
# Python runs print statements in the order it reaches them. Change where the functions are
# called (not the functions themselves) so that it prints the header, then the rows, then
# the footer.

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
    print_footer(items)
    print_rows(items)


print_report(ITEMS)
print_header()
