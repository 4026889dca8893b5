# Exercise 09, part 2: an invoice that pyright does not trust.
#
# Run it: it crashes. Ask pyright (`uv run pyright exercises/09/invoice.py`):
# it found the problem before the program ever ran.
#
# Your task: fix the types so that pyright reports no error and the program
# prints exactly:  Total: 15.40
# Keep the functions and their annotations. Do not silence pyright
# (no type-ignore comments, no `Any`, no `cast`): make the values right instead.


def line_total(price: float, quantity: int) -> float:
    """The cost of one line of the invoice."""
    return price * quantity


def invoice_total(lines: list[tuple[str, float, int]]) -> float:
    """The cost of the whole invoice."""
    total = 0.0
    for _name, price, quantity in lines:
        total += line_total(price, quantity)
    return total
NAMES = ("notebook", "pen", "ruler")
PRICES = (2.50, 1.20, 0.90)
QUANTITIES = (4, 3, 2)
ORDER: list[tuple[str, float, int]] = list(zip(NAMES, PRICES, QUANTITIES))

print(f"Total: {invoice_total(ORDER):.2f}")
