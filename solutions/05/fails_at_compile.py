# Stops at the COMPILE stage: the grammar is fine, but `return` is only
# allowed inside a function, and the compiler is the one that checks.
print("never printed")
return 1
