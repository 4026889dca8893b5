"""Sample code for exercise 06. The checks compile this file and ask your functions about it.

You do not need to change this file (the checks use their own copy anyway). Try your opnames()
on these functions and compare with `python -m dis exercises/06/samples.py`.
"""

SOURCES = (
    "x = 1 + 2\n",
    "greeting = 'hello'\nshout = greeting.upper() + '!'\nsize = len(shout)\n",
    "def double(n):\n    return n * 2\n\nanswer = double(21)\n",
    "6 * 7\n",
    "message = 'compiled, then run'\nprint(message)\n",
)
"""Source texts for to_code(): each is compiled the way Python compiles a whole file."""


def greet(name):
    return "Hello, " + name + "!"


def count_odd(limit):
    total = 0
    for number in range(limit):
        if number % 2:
            total += number
    return total


def squares(numbers):
    return [n * n for n in numbers]


def make_counter():
    count = 0

    def step():
        nonlocal count
        count += 1
        return count

    return step


def evens(limit):
    yield from (n for n in range(limit) if n % 2 == 0)


def first_helper():
    def helper():
        return 1

    return helper


def second_helper():
    def helper():
        return [2, 3]

    return helper


shout = lambda text: text.upper() + "!"  # noqa: E731


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def moved(self, dx):
        return Point(self.x + dx, self.y)
