# Exercise 01: the journey of one line.
# Python reads this file, parses it, compiles it to bytecode, then runs it.
# Make it print exactly:  Hello, Python!
print("Hello, Python!'
