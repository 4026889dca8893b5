# Runs to the end.
greeting = "All four stages passed."
print(greeting)
