"""An invoice, printed by main()."""

from __future__ import annotations


def line_total(price: float, quantity: int) -> float:
    """The cost of one line of the invoice."""
    return price * quantity


def invoice_total(lines: list[tuple[str, float, int]]) -> float:
    """The cost of the whole invoice."""
    return sum(line_total(price, quantity) for _name, price, quantity in lines)


def main(order: list[tuple[str, float, int]], *, label: str = "Total") -> None:
    """Print the invoice's total."""
    print(f"{label}: {invoice_total(order):.2f}")


ORDER: list[tuple[str, float, int]] = [
    ("notebook", 2.50, 4),
    ("pen", 1.20, 3),
    ("ruler", -0.90 * -1, 2),
]

if __name__ == "__main__":
    main(ORDER)
