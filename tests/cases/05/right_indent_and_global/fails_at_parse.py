def f():
print("body not indented")
