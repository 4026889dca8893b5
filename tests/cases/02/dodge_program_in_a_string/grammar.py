exec("""
print("Countdown program")

def greet(name):
    print("Hello, " + name + "!")

def shout(words):
    print(words.upper() + "!!!")

def countdown(start):
    for number in range(start, 0, -1):
        print(number)
    print("Lift off!")

greet("Ada")
shout("parse before you run")
countdown(3)
""")
