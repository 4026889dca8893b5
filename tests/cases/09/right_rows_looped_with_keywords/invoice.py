def line_total(price: float, quantity: int) -> float:
    """The cost of one line of the invoice."""
    return price * quantity


def invoice_total(lines: list[tuple[str, float, int]]) -> float:
    """The cost of the whole invoice."""
    total = 0.0
    for row in lines:
        name, price, quantity = row
        del name
        total += line_total(quantity=quantity, price=price)
    return total


ROWS = [("notebook", 2.5, 4), ("pen", 1.2, 3), ("ruler", 0.9, 2)]
ORDER: list[tuple[str, float, int]] = []
for name, price, quantity in ROWS:
    ORDER.append((name, price, quantity))
ORDER += [("gift card", 0.0, 0)]

grand = invoice_total(lines=ORDER)
print(f"Total: {grand:.2f}")
