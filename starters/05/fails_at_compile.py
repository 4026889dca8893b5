# Exercise 05: make this file stop at the COMPILE stage.
#
# The grammar must be fine (the parser accepts it), but the compiler must
# refuse it while turning it into bytecode: a SyntaxError, and nothing printed.
# Hint: some statements are only allowed in certain places.
print("this file runs fine for now")
