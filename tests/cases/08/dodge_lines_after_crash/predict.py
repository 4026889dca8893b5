# Copied from a run of a version that did not crash.
PREDICTED = [
    "Opening the shop",
    "Stock check:",
    "Checking apples...",
    "apples will last 3 days",
    "Checking pears...",
    "pears will last 0 days",
    "Checking plums...",
    "plums will last 3 days",
    "All checked, closing the shop",
]
