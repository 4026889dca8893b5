def add(a: int, b: int) -> int:
    return a + b


def main() -> None:
    total = add(1.5, 2.25)
    print(total)


if __name__ == "__main__":
    main()
