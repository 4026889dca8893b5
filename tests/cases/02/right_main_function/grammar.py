def greet(name):
    print("Hello, " + name + "!")


def shout(words):
    print(words.upper() + "!!!")


def countdown(start):
    for number in range(start, 0, -1):
        print(number)
    print("Lift off!")


def main():
    print("Countdown program")
    greet("Ada")
    shout("parse before you run")
    countdown(3)


if __name__ == "__main__":
    main()
