"""Exercise 01: `python hello.py` prints exactly `Hello, Python!` and exits 0."""

from checks import Stage, expect


def test_prints_hello(exercise):
    """hello.py runs to the end and prints exactly one line: Hello, Python!"""
    run = exercise.run("hello.py")
    expect.stage(run, Stage.OK)
    expect.lines(run, ["Hello, Python!"])
