"""The checks run this file to try your bytecode.py. You do not need to open or change it.

It imports bytecode.py, calls to_code() on the sources in samples.py, and opnames() on every
function and code object of samples.py and of a function it makes up as it runs. It prints what
they gave as one line of JSON; the checks compare that with what dis says on the same Python.
"""

from __future__ import annotations

import random
import types
from pathlib import Path

from checks.bytecode import code_objects, instruction_names
from checks.child.probe import Probe, plain

HERE = Path(__file__).resolve().parent
STEPS = (
    "value = value + {k}",
    "value = value * {k}",
    "value = [value] * {k}",
    "value = str(value) + '{k}'",
    "value = -value if value > {k} else value",
    "for _ in range({k}):\n        value -= 1",
)

probe = Probe(HERE / "bytecode.py")
student = probe.load()


def made_up() -> str:
    """A function different at every run, so that no stored answer can fit it."""
    steps = [random.choice(STEPS).format(k=random.randint(2, 99)) for _ in range(random.randint(3, 9))]
    return "def made_up(value):\n" + "".join(f"    {step}\n" for step in steps) + "    return value\n"


def code_facts(code: object) -> dict[str, object]:
    """What the checks need to know about the value to_code() returned."""
    if not isinstance(code, types.CodeType):
        return {"type": type(code).__name__, "repr": repr(code)[:200]}
    namespace: dict[str, object] = {}
    ran = probe.call(exec, code, namespace, keep=lambda _: None)
    return {
        "type": "code",
        "constants": [c for c in code.co_consts if c is None or isinstance(c, (int, float, str))],
        "instructions": instruction_names(code),
        "ran": ran,
        "names": plain(namespace),
    }


def names_list(value: object) -> object:
    """What opnames() returned, if it is a list of strings; else its type and repr."""
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return {"type": type(value).__name__, "repr": repr(value)[:200]}


program = (HERE / "samples.py").read_text(encoding="utf-8") + "\n\n" + made_up()
module = compile(program, str(HERE / "samples.py"), "exec", dont_inherit=True)
codes = code_objects(module)
namespace: dict[str, object] = {}
exec(module, namespace)
functions = {
    label: value
    for value in namespace.values()
    if isinstance(value, types.FunctionType)
    for label, code in codes.items()
    if code is value.__code__
}
probe.report(
    program=program,
    to_code=[
        probe.call(lambda s: student.to_code(s), source, keep=code_facts)
        for source in namespace["SOURCES"]
    ],
    functions={
        label: probe.call(lambda f: student.opnames(f), function, keep=names_list)
        for label, function in functions.items()
    },
    codes={
        label: probe.call(lambda c: student.opnames(c), code, keep=names_list)
        for label, code in codes.items()
    },
)
