# Exercise 05: make this file stop at the PARSE stage.
#
# Break Python's grammar on purpose, so that the parser refuses the file
# before a single line runs (a SyntaxError, and nothing printed).
print("this file runs fine for now")
