def line_total(price: float, quantity: int) -> float:
    """The cost of one line of the invoice."""
    return price * quantity


def invoice_total(lines: list[tuple[str, float, int]]) -> float:
    """The cost of the whole invoice."""
    total = 0.0
    for _name, price, quantity in lines:
        total += line_total(price, quantity)
    return total


ORDER: list[tuple[str, float, int]] = [("ruler", 0.90, 2)]

match [("notebook", 2.50, int("4")), ("pen", float("1.20"), 3), ("ruler", 0.90, 2)]:
    case [*ORDER]:
        pass

print(f"Total: {invoice_total(ORDER):.2f}")
