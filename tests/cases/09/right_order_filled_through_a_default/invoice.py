def line_total(price: float, quantity: int) -> float:
    return price * quantity


def invoice_total(lines: list[tuple[str, float, int]]) -> float:
    total = 0.0
    for _name, price, quantity in lines:
        total += line_total(price, quantity)
    return total


ORDER: list[tuple[str, float, int]] = []


def fill(into: list[tuple[str, float, int]] = ORDER) -> None:
    into.append(("notebook", 2.50, 4))
    into.append(("pen", 1.20, 3))
    into.append(("ruler", 0.90, 2))


fill()
print(f"Total: {invoice_total(ORDER):.2f}")
