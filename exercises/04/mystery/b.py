# Add up a shopping list.
prices = {"bread": 2, "milk": 1, "eggs": 3}
print("Adding up the shopping list...")

total = 0
for item in prices:
    total = total + prices[item]

print("Items:", len(prices))
print("Total:", totl)
print("Thank you!")
