import sys

print("Countdown", "program")


def greet(name):
    print("Hello,", name, end="!\n")


def shout(words):
    sys.stdout.write(words.upper() + "!!!\n")


def countdown(start):
    number = start
    while number > 0:
        print(number)
        number -= 1
    print("Lift off!")


def main():
    greet("Ada")
    shout("parse before you run")
    countdown(3)


main()
