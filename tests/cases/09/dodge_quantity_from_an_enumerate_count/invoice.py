def line_total(price: float, quantity: int) -> float:
    return price * quantity


def invoice_total(lines: list[tuple[str, float, int]]) -> float:
    total = 0.0
    for q, (_name, price, _qty) in enumerate(lines, start=2):
        total += line_total(price, q)
    return total


ORDER: list[tuple[str, float, int]] = [("ruler", 0.90, 2), ("pen", 1.20, 3), ("notebook", 2.50, 4)]
print(f"Total: {invoice_total(ORDER):.2f}")
