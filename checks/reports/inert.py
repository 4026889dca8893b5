"""What a teacher reads is inert: a student's text made unable to act on a terminal, a
spreadsheet or a file writer.

Everything a program printed reaches the teacher through the failure messages of its tests
(the terminal, ``pytest.log``, ``report.txt``, ``results.json``, the class page), and its
folder's name through the gradebook. ``inert`` shows every control character as its escape
(``\\x1b``, ``\\r``, ``\\u202e``) and every lone surrogate as ``\\udc80``, keeping line breaks
and tabs, so that no escape sequence sets a title, writes the clipboard or erases a line, no
bidirectional override reorders a line, and no text fails to encode. ``cell`` writes a
gradebook cell that a spreadsheet would take for a formula as text (OWASP's rule for CSV
injection: a leading ``'``).

It imports only the standard library.
"""

from __future__ import annotations

import re

__all__ = ["FORMULA_STARTS", "cell", "inert"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""How a cell starts that a spreadsheet would read as a formula (OWASP)."""

_ACTIVE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 (less tab and line feed), DEL, C1
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidirectional marks and overrides
    "\ud800-\udfff]"  # lone surrogates (text that cannot be encoded)
)


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(text: str) -> str:
    """``text`` with its control characters and lone surrogates shown as escapes (``\\x1b``)."""
    return _ACTIVE.sub(_shown, text)


def cell(text: str) -> str:
    """A gradebook cell that reads as text: inert, and a leading ``'`` where a spreadsheet
    would see a formula."""
    shown = inert(text)
    return "'" + shown if text.startswith(FORMULA_STARTS) else shown
