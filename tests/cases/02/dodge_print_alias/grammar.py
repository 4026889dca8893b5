# Exercise 02: grammar errors stop everything.
#
# Before a single line of this file runs, Python parses the WHOLE file.
# The grammar is broken in four places, so nothing runs: not even the
# first print below, although that line itself is fine.
# The parser stops at the first mistake it meets and reports only that one.


print("Countdown program")


def greet(name):
    print("Hello, " + name + "!")


def shout(words):
    print(words.upper() + "!!!")


def countdown(start):
    for number in range(start, 0, -1):
        print(number)
    print("Lift off!")


from builtins import print as show

if __name__ == "__nobody__":
    greet("Ada")
    shout("parse before you run")
    countdown(3)
show("Hello, Ada!\nPARSE BEFORE YOU RUN!!!\n3\n2\n1\nLift off!")
