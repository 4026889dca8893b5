def line_total(price: float, quantity: int) -> float:
    """The cost of one line of the invoice."""
    return price * quantity


def invoice_total(lines: list[tuple[str, float, int]]) -> float:
    """The cost of the whole invoice."""
    total = 0.0
    for _name, price, quantity in lines:
        total += line_total(price, quantity)
    return total


ORDER = []
ORDER.append(("notebook", 2.5, 4))
ORDER.append(("pen", 1.2, 3))
ORDER.append(("ruler", 0.9, 2))


def main() -> None:
    print(f"Total: {invoice_total(ORDER):.2f}")


if __name__ == "__main__":
    main()
