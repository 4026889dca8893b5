# Exercise 08: this program prints some lines, then crashes part-way.
# It is the kit's file: do not change it. Predict what it prints in predict.py.

print("Opening the shop")


def check(name, count, sold_per_day):
    print(f"Checking {name}...")
    days = count // sold_per_day
    print(f"{name} will last {days} days")


stock = {"apples": 12, "pears": 5, "plums": 6}
sold = {"apples": 4, "pears": 0, "plums": 2}

print("Stock check:")
for name in stock:
    check(name, stock[name], sold[name])

print("All checked, closing the shop")
