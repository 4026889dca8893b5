print("started")
print("started")
print(nope)
