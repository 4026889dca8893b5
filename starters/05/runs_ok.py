# Exercise 05: this file must run to the end without an error.
greeting = "All four stages passed."
print(greting)
