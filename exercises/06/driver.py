"""The checks run this file to try your bytecode.py. You do not need to open or change it.

First it measures what the checks expect, on this very Python and with its very flags: the
bytecode compile() makes of each source in samples.py, what running it prints and defines, and
the instruction names dis gives for every function and code object of samples.py and of a
function it makes up as it runs. It does so twice: on samples that never ran (cold), and on a
second copy whose functions it has called until this Python specialised their instructions
(warm: from 3.11, the interpreter swaps an instruction for a faster form of it once it has run
a few times, and `dis.get_instructions(..., adaptive=True)` shows those forms; dis without it
shows the original names, cold or warm). Then it imports bytecode.py, calls to_code() on the
sources and opnames() on the same objects, and sends both to the checks.
"""

from __future__ import annotations

import dis
import json
import os
import random
import sys
import types

from checks.child.bytecode import code_objects, instruction_names
from checks.child.probe import Probe, plain

HERE = os.path.dirname(os.path.realpath(__file__))
SAMPLES = os.path.join(HERE, "samples.py")
STEPS = (
    "value = value + {k}",
    "value = value * {k} % 1000003",
    "value = [value, {k}]",
    "value = str(value) + '{k}'",
    "value = -value if value > {k} else value",
    "for _ in range({k}):\n        value -= 1",
)
"""The steps a made-up function chains, each keeping the value small: a product is taken modulo
a prime, and a list or a string is multiplied once at most (its modulo is a TypeError, which
ends the chain). Repeated, ``[value] * k`` once grew lists past the run's time limit
(tests/judges/test_made_up.py)."""
NOT_CONSTANT = frozenset(dis.hasname) | frozenset(dis.haslocal) | frozenset(dis.hasfree)
"""Opcodes whose argument names a variable: a LOAD_ among them loads no constant."""
BINARY = frozenset(name for name in dis.opmap if name.startswith("BINARY_"))
"""This Python's instructions that work out an operator (BINARY_OP; BINARY_ADD on 3.10)."""
WARM = "warm "
"""The start of the label of a code object of the warm copy of the samples."""
WARM_CALLS = 4096
"""At most this many rounds of calls warm the samples (they stop once every function called
is specialised, after a handful on every Python so far)."""
_GIVEN = dis.get_instructions.__code__
ADAPTIVE = "adaptive" in _GIVEN.co_varnames[: _GIVEN.co_argcount + _GIVEN.co_kwonlyargcount]
"""Whether this Python specialises instructions as they run, and dis can show it (3.11 on)."""


def made_up() -> str:
    """A function different at every run, so that no stored answer can fit it."""
    steps = [random.choice(STEPS).format(k=random.randint(2, 99)) for _ in range(random.randint(3, 9))]
    return "def made_up(value):\n" + "".join(f"    {step}\n" for step in steps) + "    return value\n"


def plain_value(value: object) -> object:
    """A value as JSON carries it, or its repr."""
    return value if value is None or isinstance(value, (bool, int, float, str)) else repr(value)


def stores(code: types.CodeType) -> list[dict[str, object]]:
    """For each name the code stores, what the instruction before the store loads, per dis."""
    found: list[dict[str, object]] = []
    previous = None
    for instruction in dis.get_instructions(code):
        if instruction.opname == "STORE_NAME" and previous is not None:
            found.append(
                {
                    "name": instruction.argval,
                    "loaded_by": previous.opname,
                    "value": plain_value(previous.argval),
                    "constant": previous.opcode in dis.hasconst
                    or (previous.opname.startswith("LOAD_") and previous.opcode not in NOT_CONSTANT),
                }
            )
        previous = instruction
    return found


def bytecode_facts(code: types.CodeType) -> dict[str, object]:
    """What the checks judge of a code object: its instructions, stores and operators."""
    return {
        "instructions": instruction_names(code),
        "constants": [c for c in code.co_consts if c is None or isinstance(c, (int, float, str))],
        "stores": stores(code),
        "operators": [i.opname for i in dis.get_instructions(code) if i.opname in BINARY],
    }


def adaptive_names(code: types.CodeType) -> list[str]:
    """The names of the instructions as this Python runs them now, specialised or not."""
    if not ADAPTIVE:
        return instruction_names(code)
    return [i.opname for i in dis.get_instructions(code, adaptive=True)]  # type: ignore[call-arg]


def call_samples(names: dict[str, object]) -> None:
    """Call every function of the samples once (and what they make), on values drawn now."""
    count = random.randint(2, 30)
    names["greet"](random.choice(("Ada", "Grace", "Alan")))
    names["count_odd"](count)
    names["squares"]([random.randint(-9, 9) for _ in range(count)])
    names["make_counter"]()()
    list(names["evens"](count))
    names["first_helper"]()()
    names["second_helper"]()()
    names["shout"]("hello")
    names["Point"](count, 1).moved(random.randint(1, 9))
    try:
        names["made_up"](random.randint(-99, 99))
    except TypeError:  # a made-up chain of steps may mix a list and a number: it ran until then
        pass


def warm_up(names: dict[str, object], codes: dict[str, types.CodeType]) -> int:
    """Call the samples until this Python has specialised every function called; how many times.

    Asked of the running interpreter: a function is specialised once dis's adaptive listing of
    its code differs from the original one. On 3.10, which has no such forms, once is warm.
    """
    called = [
        (code, instruction_names(code))
        for label, code in codes.items()
        if "/" in label and not label.endswith("/Point")  # not the module's or class's body
    ]
    done = 0
    batch = 1
    while done < WARM_CALLS:
        for _ in range(batch):
            call_samples(names)
        done += batch
        batch *= 2
        if not ADAPTIVE or all(adaptive_names(code) != plain for code, plain in called):
            break
    return done


probe = Probe(os.path.join(HERE, "bytecode.py"))
with open(SAMPLES, encoding="utf-8") as samples:
    program = samples.read() + "\n\n" + made_up()
module = compile(program, SAMPLES, "exec", dont_inherit=True)
codes = code_objects(module)
namespace: dict[str, object] = {}
exec(module, namespace)
sources = list(namespace["SOURCES"])  # type: ignore[call-overload]
# The same samples once more, run warm: the same names must come out of dis, and of opnames().
warm_module = compile(program, SAMPLES, "exec", dont_inherit=True)
warm_codes = code_objects(warm_module)
warm_namespace: dict[str, object] = {}
exec(warm_module, warm_namespace)
warm_calls = warm_up(warm_namespace, warm_codes)


def expected_for(source: str) -> dict[str, object]:
    """What compile() in exec mode gives for ``source`` here, and what running it does."""
    code = compile(source, "<to_code>", "exec", dont_inherit=True)
    ran: dict[str, object] = {}
    return {**bytecode_facts(code), "ran": probe.call(exec, code, ran, keep=lambda _: None), "names": plain(ran)}


# Measured before the student's module is loaded, and kept as text, which it cannot change.
expected = json.dumps(
    {
        "to_code": [expected_for(source) for source in sources],
        "listings": {
            **{label: instruction_names(code) for label, code in codes.items()},
            **{WARM + label: instruction_names(code) for label, code in warm_codes.items()},
        },
        "adaptive": {
            **{label: adaptive_names(code) for label, code in codes.items()},
            **{WARM + label: adaptive_names(code) for label, code in warm_codes.items()},
        },
        "warm_calls": warm_calls,
    }
)
functions = {
    prefix + label: value
    for prefix, names, labelled in (("", namespace, codes), (WARM, warm_namespace, warm_codes))
    for value in names.values()
    if isinstance(value, types.FunctionType)
    for label, code in labelled.items()
    if code is value.__code__
}
student = probe.load()


ran_while_compiling: list[types.CodeType] = []
"""Code objects run (by exec, eval, a function made of them) while to_code worked, in any
thread: seen by an audit hook, which no code of the student's can remove or reach."""
watching = [False]


def on_audit(event: str, args: tuple[object, ...]) -> None:
    """Note a code object about to run while to_code works."""
    if not watching[0]:
        return
    if event in ("exec", "function.__new__") and args and isinstance(args[0], types.CodeType):
        ran_while_compiling.append(args[0])
    elif event == "object.__setattr__" and len(args) > 2 and args[1] == "__code__":
        if isinstance(args[2], types.CodeType):
            ran_while_compiling.append(args[2])


sys.addaudithook(on_audit)


def to_code_facts(source: str) -> dict[str, object]:
    """Call to_code(source): what it returned, and whether any code of the source ran."""
    started: list[types.CodeType] = []

    def watch(frame: types.FrameType, event: str, _arg: object) -> None:
        if event == "call" and frame.f_code.co_name == "<module>":
            started.append(frame.f_code)

    def traced(text: str) -> object:
        ran_while_compiling.clear()
        watching[0] = True
        sys.settrace(watch)
        try:
            return student.to_code(text)
        finally:
            sys.settrace(None)
            watching[0] = False
            started.extend(ran_while_compiling)

    called = probe.call(traced, source, keep=lambda value: value)
    if "error" in called:
        return called
    code = called.pop("value")
    shapes = {compiled.co_code for compiled in _compiled(source)}
    called["executed"] = any(c is code or c.co_code in shapes for c in started)
    if not isinstance(code, types.CodeType):
        called["value"] = {"type": type(code).__name__, "repr": repr(code)[:200]}
        return called
    ran: dict[str, object] = {}
    called["value"] = {
        "type": "code",
        **bytecode_facts(code),
        "ran": probe.call(exec, code, ran, keep=lambda _: None),
        "names": plain(ran),
    }
    return called


def _compiled(source: str) -> list[types.CodeType]:
    """The code objects compile() can make of ``source``, in each mode it accepts."""
    found = []
    for mode in ("exec", "single", "eval"):
        try:
            found.append(compile(source, "<to_code>", mode, dont_inherit=True))
        except SyntaxError:
            continue
    return found


def names_list(value: object) -> object:
    """What opnames() returned, if it is a list of strings; else its type and repr."""
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return {"type": type(value).__name__, "repr": repr(value)[:200]}


probe.report(
    program=program,
    expected=expected,
    to_code=[to_code_facts(source) for source in sources],
    functions={
        label: probe.call(lambda f: student.opnames(f), function, keep=names_list)
        for label, function in functions.items()
    },
    codes={
        label: probe.call(lambda c: student.opnames(c), code, keep=names_list)
        for label, code in [*codes.items(), *((WARM + k, c) for k, c in warm_codes.items())]
    },
)
