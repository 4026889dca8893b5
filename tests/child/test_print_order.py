"""Which function printed each line: seen while the program runs, however it prints."""

from __future__ import annotations

from pathlib import Path

from checks.child.print_order import MODULE, watch_printing

PROGRAM = """\
import builtins
from builtins import print as show


def header():
    print("HEAD", end="")
    print("ER")


def helper():
    getattr(builtins, "pr" + "int")("row")


def rows():
    helper()


if False:
    header()
header()
rows()
show("by hand")
raise SystemExit(1)
print("never")
"""


def test_each_line_is_told_with_the_function_that_printed_it(tmp_path: Path) -> None:
    """Aliased and getattr'd prints count; a helper's line is its caller's; hand-printed is <module>."""
    program = tmp_path / "program.py"
    program.write_text(PROGRAM, encoding="utf-8")
    printed = watch_printing(program, frozenset({"header", "rows"}))
    assert [(p.text, p.by, p.line) for p in printed] == [
        ("HEADER", "header", 6),
        ("row", "rows", 11),
        ("by hand", MODULE, 22),
    ]
