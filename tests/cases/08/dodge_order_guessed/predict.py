# Function first, since it is defined first?
PREDICTED = [
    "Checking apples...",
    "Opening the shop",
    "Stock check:",
]
