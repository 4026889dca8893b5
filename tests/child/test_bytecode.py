"""Bytecode facts: instruction names as dis reads them, labelled code objects, executed counts."""

from __future__ import annotations

import dis
import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from checks.child.bytecode import (
    code_objects,
    count_executed,
    growth,
    instruction_names,
)

PROGRAM = """\
def outer(n):
    def inner():
        return n + 1
    return inner

pair = (lambda a: a, lambda b: [b])

class Box:
    def open(self):
        return [x * 2 for x in range(3)]
"""

LOOP = """\
def total_loop(n):
    total = 0
    for number in range(n):
        total += number
    return total
"""


def _alone(script: str) -> Any:
    """What ``script`` prints as JSON, run in a Python of its own. From 3.12 a count sees
    every thread (``sys.monitoring`` is the interpreter's), and the process that runs these
    tests may have threads of its own (pytest-xdist's channel to its controller): a count
    compared exactly is made where only the call counted runs."""
    done = subprocess.run(
        [sys.executable, "-E", "-c", script], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def total_builtin(n: int) -> int:
    return sum(range(n))


def total_generator(n: int) -> int:
    return sum(number for number in range(n))


def test_instruction_names_are_what_dis_lists() -> None:
    """Names come from dis.get_instructions, for a function and for its code object alike."""
    expected = [instruction.opname for instruction in dis.get_instructions(total_builtin)]
    assert instruction_names(total_builtin) == expected
    assert instruction_names(total_builtin.__code__) == expected
    assert all(name in dis.opmap for name in expected)


def test_code_objects_are_labelled_by_path() -> None:
    """Every code object is found, the module first, nested ones under their parents' names."""
    found = code_objects(compile(PROGRAM, "program.py", "exec", dont_inherit=True))
    labels = list(found)
    assert labels[0] == "<module>"
    assert {"<module>/outer", "<module>/outer/inner", "<module>/Box", "<module>/Box/open"} <= set(
        labels
    )
    assert {"<module>/<lambda>", "<module>/<lambda> #2"} <= set(labels)
    assert found["<module>/outer/inner"].co_name == "inner"


def test_code_object_labels_are_the_same_in_another_process() -> None:
    """A child compiling the same source on the same Python finds the same labels.

    Both compile without inheriting this module's ``from __future__ import annotations``: from
    3.14, with annotations deferred (PEP 649), a class body's bytecode depends on that flag.
    """
    script = (
        "import json, sys\n"
        "from checks.child.bytecode import code_objects, instruction_names\n"
        "codes = code_objects(compile(sys.stdin.read(), 'program.py', 'exec', dont_inherit=True))\n"
        "print(json.dumps({k: instruction_names(c) for k, c in codes.items()}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-E", "-c", script],
        input=PROGRAM,
        capture_output=True,
        text=True,
        check=True,
    )
    here = code_objects(compile(PROGRAM, "program.py", "exec", dont_inherit=True))
    assert json.loads(done.stdout) == {k: instruction_names(c) for k, c in here.items()}


def test_count_returns_the_result() -> None:
    """The traced call's own result comes back with its count."""
    executed = count_executed(total_builtin, 10)
    assert executed.result == 45
    assert executed.instructions > 0


def test_loop_count_grows_with_n_and_builtin_stays_flat() -> None:
    """A Python loop executes instructions for every number; sum() executes the same few."""
    script = LOOP + textwrap.dedent(
        """
        import json
        from checks.child.bytecode import count_executed

        def total_builtin(n):
            return sum(range(n))

        print(json.dumps([
            {n: count_executed(total, n).instructions for n in (0, 10, 100, 1000)}
            for total in (total_loop, total_builtin)
        ]))
        """
    )
    loop, builtin = ({int(n): count for n, count in counts.items()} for counts in _alone(script))
    assert growth(loop) >= 4
    assert len(set(builtin.values())) == 1
    assert growth(builtin) == 0


def test_first_call_counts_like_later_ones() -> None:
    """The first traced call of a new function counts as much as the next (3.12.1 counted 0)."""
    script = LOOP + textwrap.dedent(
        """
        import json
        from checks.child.bytecode import count_executed

        first = count_executed(total_loop, 50).instructions
        second = count_executed(total_loop, 50).instructions
        for _ in range(2000):  # warm it up: specialised instructions must count the same
            total_loop(20)
        print(json.dumps([first, second, count_executed(total_loop, 50).instructions]))
        """
    )
    first, second, warm = _alone(script)
    assert first == second == warm > 50


def test_first_call_in_a_new_process_is_counted() -> None:
    """In a fresh interpreter, the very first count already sees the loop's instructions."""
    script = LOOP + textwrap.dedent(
        """
        from checks.child.bytecode import count_executed
        print(count_executed(total_loop, 100).instructions)
        print(count_executed(total_loop, 100).instructions)
        """
    )
    done = subprocess.run(
        [sys.executable, "-E", "-c", script], capture_output=True, text=True, check=True
    )
    first, second = map(int, done.stdout.split())
    assert first == second > 100


def test_generator_frames_are_counted() -> None:
    """Bytecode run by a generator expression inside sum() counts: it is a Python loop too."""
    counts = {n: count_executed(total_generator, n).instructions for n in (10, 1000)}
    assert growth(counts) >= 1


def test_exception_propagates_and_tracing_stops() -> None:
    """An error in the traced call reaches the caller, and no tracing is left behind."""
    before = sys.gettrace()

    def broken(n: int) -> int:
        return n // 0

    with pytest.raises(ZeroDivisionError):
        count_executed(broken, 1)
    assert sys.gettrace() is before
    if sys.version_info >= (3, 12):
        assert all(sys.monitoring.get_tool(tool) is None for tool in (2, 3, 4))
    assert count_executed(total_builtin, 3).result == 3


def test_growth_is_per_unit_of_n() -> None:
    """Growth is the extra count per extra n, from the smallest n to the largest."""
    assert growth({0: 10, 100: 710, 10: 80}) == 7.0
    assert growth({5: 8}) == 0.0


WATCHED = """\
import builtins
import json
from checks.child.bytecode import watch_call

def adds(n):
    total = 0
    for number in range(n):
        total += number
    return total

def counts_beside_sum(n):
    add_up = getattr(builtins, "su" + "m")
    count = 0
    for _ in range(n):
        count += 1
    return add_up(range(count))

seen = {}
for func in (adds, counts_beside_sum):
    watched = watch_call("<string>", func, 50)
    seen[func.__name__] = [watched.result, list(watched.called), watched.added]
print(json.dumps(seen))
"""


def test_watch_call_sees_the_c_functions_and_the_steps_of_a_total() -> None:
    """A watched call names the C functions it ran, however reached, and how far a total grew."""
    seen = _alone(WATCHED)
    assert seen["adds"] == [1225, [], 49]
    result, called, added = seen["counts_beside_sum"]
    assert result == 1225
    assert "sum" in called
    assert added == 1


DOOR = """\
import json
from checks.child.sums import open_door
open_door()
from checks.child.bytecode import watch_call

def right(n):
    return sum(reversed(range(n)))

def formula_in_a_list(n):
    return sum([n * (n - 1) // 2])

def for_show(n):
    sum(range(n))
    return n * (n - 1) // 2

def called_by_map(n):
    return next(map(sum, [range(n)]))

def door_rebuilt(n):
    namespace = dict(sum.__globals__, _sum=lambda items, start: n * (n - 1) // 2)
    return type(sum)(sum.__code__, namespace, "sum", sum.__defaults__)(range(n))

def busy_then_comb(n):
    import math
    busy = 0
    for number in range(n):
        busy += number + 1
    return next(map(math.comb, [n], [2]))

seen = {}
for func in (right, formula_in_a_list, for_show, called_by_map, door_rebuilt, busy_then_comb):
    watched = watch_call("<string>", func, 300)
    seen[func.__name__] = [list(map(list, watched.sums)), watched.returned_sum, watched.kept]
print(json.dumps(seen))
"""


def test_the_door_to_sum_sees_what_it_is_handed_and_returns() -> None:
    """Through the kit's door, a watched call tells what sum() was handed and whether its
    result was returned, also when sum() is called from C; a rebuilt door counts for nothing."""
    done = subprocess.run(
        [sys.executable, "-E", "-c", DOOR], capture_output=True, text=True, check=True
    )
    seen = json.loads(done.stdout)
    assert seen["right"] == [[[300, 299, True]], 0, 0]
    assert seen["formula_in_a_list"] == [[[1, -1, True]], 0, 0]
    assert seen["for_show"] == [[[300, 299, True]], -1, 0]
    assert seen["called_by_map"] == [[[300, 299, True]], 0, 0]
    assert seen["door_rebuilt"] == [[], -1, 0]
    assert seen["busy_then_comb"] == [[], -1, 0]
