"""Imported by main.py."""


def greet(name: str) -> str:
    """A greeting for `name`."""
    return f"Hello, {name}!"
