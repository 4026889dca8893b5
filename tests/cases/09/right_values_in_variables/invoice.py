def line_total(price: float, quantity: int) -> float:
    """The cost of one line of the invoice."""
    return price * quantity


def invoice_total(lines: list[tuple[str, float, int]]) -> float:
    """The cost of the whole invoice."""
    total = 0.0
    for _name, price, quantity in lines:
        total += line_total(price, quantity)
    return total


NOTEBOOKS = 4
PEN_PRICE = 1.20
NOTEBOOK = ("notebook", 2.50, NOTEBOOKS)
PEN = ("pen", PEN_PRICE, 3)
RULER: tuple[str, float, int] = ("ruler", 0.90, 2)
ORDER = [NOTEBOOK, PEN, RULER]

print(f"Total: {invoice_total(ORDER):.2f}")
