# Welcome message, saved by an old editor.
print("Hello!")
print("Welcome to the café!")
print("What would you like?")
