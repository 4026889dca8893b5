# Fixed differently: f-strings, a while loop, no blank lines to speak of.
print('Countdown program')
def greet(name):
    print(f"Hello, {name}!")
def shout(words):
    print(words.upper(), end="!!!\n")
def countdown(start):
    number = start
    while number > 0:
        print(number)
        number -= 1
    print("Lift off!")
greet("Ada"); shout("parse before you run")
countdown(3)
