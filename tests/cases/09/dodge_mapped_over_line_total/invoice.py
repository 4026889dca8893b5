def line_total(price: float, quantity: int) -> float:
    """The cost of one line of the invoice."""
    return price * quantity


def invoice_total(lines: list[tuple[str, float, int]]) -> float:
    """The cost of the whole invoice."""
    total = 0.0
    for _name, price, quantity in lines:
        total += line_total(price, quantity)
    return total


ORDER: list[tuple[str, float, int]] = [
    ("notebook", 2.50, 4),
    ("pen", 1.20, 3),
    ("ruler", 0.90, 2),
]
PRICES = ["2.50", "1.20", "0.90"]
invoice_total(ORDER)
TOTAL = sum(map(line_total, map(float, PRICES), [4, 3, 2]))
print(f"Total: {TOTAL:.2f}")
