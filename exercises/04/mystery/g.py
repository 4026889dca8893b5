# A small table of squares.
print("Squares:")
for n in range(1, 4):
print(n, n * n)
print("End of table.")
