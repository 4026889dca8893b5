def line_total(price: float, quantity: int) -> float:
    return price * quantity


def invoice_total(lines: list[tuple[str, float, int]]) -> float:
    total = 0.0
    for _name, price, quantity in lines:
        total += line_total(price, quantity)
    return total


match [("notebook", 2.50, 4), ("pen", 1.20, 3), ("ruler", 0.90, 2)]:
    case [*ORDER]:
        pass
    case _:
        ORDER = []
print(f"Total: {invoice_total(ORDER):.2f}")
