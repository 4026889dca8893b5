"""What program.py prints before its ZeroDivisionError, as a tuple."""
PREDICTED = ("Opening the shop", "Stock check:", "Checking apples...",
             "apples will last 3 days", "Checking pears...")
