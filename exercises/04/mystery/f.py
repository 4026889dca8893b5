# Print a price list.
def label(name, price):
    return name + ": " + price + " euros"


prices = [("tea", "3"), ("coffee", "4"), ("cake", 5), ("juice", "2")]
for name, price in prices:
    print(label(name, price))
print("That is the whole list.")
