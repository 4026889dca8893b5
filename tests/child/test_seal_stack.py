"""Nothing that could forge a record is in reach of the student's code: not on the stack of the
kit's frames above it (``f_back`` and ``f_locals`` raise no audit event), not through a walk over
the interpreter's objects, even one that the kit's own code is made to call."""

from __future__ import annotations

from pathlib import Path

from checks.run.program import run_file

WALKER = """\
import functools
import gc
import sys

stash = []
box = []


class Quiet:
    def write(self, text):
        return len(text)


def setup():
    try:
        raise ValueError
    except ValueError as error:
        box.append(error.__traceback__)
    quiet = Quiet()
    # The kit's capture flushes sys.stdout: a chain of C functions leaves no frame of its own,
    # so the walk looks like the kit's.
    quiet.flush = functools.partial(stash.extend, map(gc.get_referents, box))
    sys.stdout = quiet
    return "set"


def steal():
    sys.stdout = sys.__stdout__
    frames = [o for got in stash for o in got if type(o).__name__ == "frame"]
    frame = frames[0] if frames else None
    seen = []
    while frame is not None:
        held = frame.f_locals
        for name in ("nonce", "orders", "sealed", "trust"):
            if name in held:
                seen.append(frame.f_code.co_name + "." + name)
        frame = frame.f_back
    return seen
"""


def test_the_kit_leaves_no_secret_on_the_stack_a_walk_could_reach(tmp_path: Path) -> None:
    """A tried module that makes the kit's own flush walk the objects (``gc.get_referents``), to
    get a frame and walk up to the launcher's: the walk is refused, and the frames it could
    reach hold no nonce, no orders, no hold on the channel. Before: ``['main.nonce', ...]``."""
    (tmp_path / "student.py").write_text(WALKER, encoding="utf-8")
    calls = [repr(("setup", ())), repr(("steal", ()))]
    run = run_file(tmp_path / "student.py", cached=False, calls=calls)
    answered = [value for kind, value in run.facts if kind == "answer"]
    stolen = [value.get("value") for value in answered if isinstance(value, dict)]
    assert not any("main." in str(value) for value in stolen), run.facts
    assert run.tampered or stolen[-1:] == ["[]"], run.facts
