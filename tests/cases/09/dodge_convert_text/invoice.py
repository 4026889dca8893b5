def line_total(price: float, quantity: int) -> float:
    return price * quantity


def invoice_total(lines: list[tuple[str, str, str]]) -> float:
    total = 0.0
    for _name, price, quantity in lines:
        total += line_total(float(price), int(quantity))
    return total


ORDER: list[tuple[str, str, str]] = [("notebook", "2.50", "4"), ("pen", "1.20", "3"), ("ruler", "0.90", "2")]
print(f"Total: {invoice_total(ORDER):.2f}")
