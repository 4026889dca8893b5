# Exercise 05: make this file stop at the RUN stage.
#
# It must print exactly one line, `started`, and then stop with a NameError.
print("this file runs fine for now")
