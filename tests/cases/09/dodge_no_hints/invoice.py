def line_total(price, quantity):
    return float(price) * int(quantity)


def invoice_total(lines):
    total = 0.0
    for _name, price, quantity in lines:
        total += line_total(price, quantity)
    return total


ORDER = [("notebook", 2.50, "4"), ("pen", "1.20", 3), ("ruler", 0.90, 2)]
print(f"Total: {invoice_total(ORDER):.2f}")
