"""Values drawn per run from a seed: what the checks try is never a table a student could copy.

Exercise 07's samples (``checks.judges.pyc``) and the project its ``.gitignore`` is laid in
(``checks.judges.gitignore``) are drawn afresh each run from one seed, printed with a failure;
``CHECKS_SEED`` set to that number draws the same values again. The kit's own tests draw from
many seeds with Hypothesis. This module imports the standard library only.
"""

from __future__ import annotations

import keyword
import os
import random
import secrets
import string

__all__ = ["SEED_VARIABLE", "draw_name", "draw_seed", "replay"]

SEED_VARIABLE = "CHECKS_SEED"
"""Set to the seed a failure printed, the checks draw that run's values again."""

_NAME_LENGTHS = (4, 9)
"""A drawn name has this many letters, at least and at most."""


def draw_seed() -> int:
    """This run's seed: ``CHECKS_SEED`` when it is set (to replay a run), else a fresh one."""
    given = os.environ.get(SEED_VARIABLE, "").strip()
    if not given:
        return secrets.randbits(32)
    try:
        return int(given)
    except ValueError:
        msg = (
            f"{SEED_VARIABLE}={given!r} is not a seed: set it to the number a failure "
            "printed to draw the same values again, or unset it."
        )
        raise ValueError(msg) from None


def replay(seed: int) -> str:
    """A line that tells how to draw a run's values again."""
    return (
        f"(Drawn at random for this run with seed {seed}; set {SEED_VARIABLE}={seed} to draw "
        "the same again.)"
    )


def draw_name(rng: random.Random, taken: set[str]) -> str:
    """A fresh lowercase name of letters (a module, a folder) not in ``taken``; note it there."""
    while True:
        name = "".join(rng.choices(string.ascii_lowercase, k=rng.randint(*_NAME_LENGTHS)))
        if name not in taken and not keyword.iskeyword(name):
            taken.add(name)
            return name
