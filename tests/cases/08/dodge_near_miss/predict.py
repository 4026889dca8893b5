PREDICTED = [
    "Opening the shop",
    "Stock check:",
    "Checking apples",
    "apples will last 3 days",
    "Checking pears...",
]
