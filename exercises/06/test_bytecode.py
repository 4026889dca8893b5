"""Exercise 06: to_code() compiles a file's text to bytecode; opnames() reads it back, like dis."""

import ast
import dis
import json
import platform

import pytest

from checks import expect, probe

STUDENT = "bytecode.py"
PYTHON = f"Python {platform.python_version()}"
SHOWN_BEFORE = 3
"""Instruction names shown before the first difference."""
SHOWN_AFTER = 6
"""Instruction names shown from the first difference on."""
SHOWN_REPR = 60
"""Characters of a wrong value quoted in a message."""
TO_CODE_ADVICE = (
    "to_code should compile the text with the built-in compile(), in the mode Python uses for a "
    'whole file. compile() has three modes: "exec" (a whole file), "eval" (one expression) and '
    '"single" (one statement typed at the >>> prompt).'
)
OPNAMES_ADVICE = (
    "dis.get_instructions(obj) (or dis.Bytecode(obj)) gives one Instruction per instruction of "
    "obj itself, not of the functions inside it; each Instruction has an .opname."
)
WARM = "warm "
"""The start of the label of a sample the driver ran warm (until this Python specialised it)."""


def _kit_sources(exercise):
    """The source texts the driver gives to_code(), read from the kit's own samples.py."""
    tree = ast.parse(exercise.path("samples.py").read_text(encoding="utf-8"))
    found = next(
        (
            node.value
            for node in tree.body
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "SOURCES"
        ),
        None,
    )
    if found is None:
        expect.fail("The kit's samples.py lost its SOURCES: restore the kit's exercises/06 folder.")
    return ast.literal_eval(found)


def _code_facts(exercise, facts, index):
    """What to_code() returned for the index-th source, which must be a code object."""
    source = _kit_sources(exercise)[index]
    call = f"to_code({source!r})"
    value = probe.returned(facts["to_code"][index], call, STUDENT, advice=TO_CODE_ADVICE)
    if value.get("type") != "code":
        expect.fail(
            f"{call} returned {_returned(value)}, not a code object.\n\n"
            "compile() turns source text into a code object without running it; exec() runs "
            "code and returns None."
            f"\n\nNext: {TO_CODE_ADVICE}"
        )
    return source, call, value


def _listing(names, first=0):
    """The names around position ``first``, numbered, a few before and after."""
    start, stop = max(0, first - SHOWN_BEFORE), first + SHOWN_AFTER
    shown = [
        f"    {number:3}  {name}" for number, name in enumerate(names) if start <= number < stop
    ]
    if start > 0:
        shown.insert(0, "    ...")
    if stop < len(names):
        shown.append(f"    ... ({len(names)} in all)")
    return "\n".join(shown) or "    (nothing)"


def _returned(value):
    """A short description of a value that is not what was asked for."""
    text = value.get("repr", "")
    text = text if len(text) <= SHOWN_REPR else text[: SHOWN_REPR - 3] + "..."
    words = expect.returned(text)
    return words if words != text else f"a {value.get('type')} ({text})"


def _call(label, facts, shown):
    """How a message names the call of opnames() on the sample ``label`` (cold or warm)."""
    if not label.startswith(WARM):
        return f"opnames({shown})"
    times = _measured(facts).get("warm_calls")
    called = "once" if times == 1 else f"{times} times"
    return (
        f"opnames({shown}), on a copy of the samples run warm (called {called}, until "
        f"{PYTHON} specialised its instructions),"
    )


def _expect_same_names(call, got, expected, adaptive=None):
    """Require that opnames() gave exactly what dis gives on this Python."""
    if isinstance(got, dict):
        expect.fail(
            f"{call} returned {_returned(got)}, not a list of instruction names (strings)."
            f"\n\nNext: {OPNAMES_ADVICE}"
        )
    if got == expected:
        return
    if adaptive is not None and got == adaptive:
        expect.fail(
            f"{call} gave the names of the specialised instructions this Python runs now "
            f"(what dis.get_instructions(..., adaptive=True) shows), not the names dis lists:"
            f"\n\ndis lists:\n{_listing(expected)}\n\nopnames() returned:\n{_listing(got)}"
            "\n\nSince 3.11 Python swaps an instruction for a faster form of it once it has run "
            "a few times; the bytecode's own instructions stay what they were, and those are the "
            f"names asked for (README, 'Going further').\n\nNext: {OPNAMES_ADVICE}"
        )
    first = next(
        (i for i, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b),
        min(len(got), len(expected)),
    )
    more = (
        "\n\nIt gives the right names, then more: those of the code inside it, as dis.dis() "
        "shows them. opnames() lists the object's own instructions only."
        if got[: len(expected)] == expected
        else ""
    )
    expect.fail(
        f"{call} should list the names dis gives on {PYTHON}, in order, but they differ from "
        f"position {first} on ({len(got)} names returned, {len(expected)} expected).\n\n"
        f"dis lists:\n{_listing(expected, first)}\n\nopnames() returned:\n{_listing(got, first)}"
        f"{more}\n\nNext: {OPNAMES_ADVICE}"
    )


def test_to_code_compiles_a_whole_file(exercise):
    """to_code(source) returns the code object compile() makes in exec mode, and exec() runs it."""
    facts = probe.measure(exercise, STUDENT)
    for index, _source in enumerate(_kit_sources(exercise)):
        _, call, value = _code_facts(exercise, facts, index)
        if facts["to_code"][index].get("executed"):
            expect.fail(
                f"{call} ran the code: its bytecode started while to_code was still working. "
                "to_code only compiles; running is exec()'s job, later.\n\n"
                f"Next: {TO_CODE_ADVICE}"
            )
        expected = _measured(facts)["to_code"][index]
        probe.returned(value["ran"], f"exec({call})", STUDENT, advice=TO_CODE_ADVICE)
        printed = expected["ran"].get("printed", "")
        if value["ran"].get("printed", "") != printed:
            expect.fail(
                f"exec({call}) printed {value['ran'].get('printed', '')!r}, but the file would "
                f"print {printed!r}. Code compiled for a whole file prints only what "
                'its print() calls print: the >>> prompt (the "single" mode) also prints the '
                f"value of a bare expression.\n\nNext: {TO_CODE_ADVICE}"
            )
        if value["names"] != expected["names"]:
            expect.fail(
                f"exec({call}) should define {expected['names']}, but it defined "
                f"{value['names']}.\n\nNext: {TO_CODE_ADVICE}"
            )
        if value["instructions"] != expected["instructions"]:
            expect.fail(
                f"The code object {call} returned is not the bytecode of a whole file: "
                f'compile(source, "<to_code>", "exec") gives other instructions on {PYTHON}.'
                f"\n\nexec mode gives:\n{_listing(expected['instructions'], SHOWN_AFTER)}"
                f"\n\nto_code gave:\n{_listing(value['instructions'], SHOWN_AFTER)}"
                f"\n\nNext: {TO_CODE_ADVICE}"
            )


def test_to_code_keeps_folded_constant(exercise):
    """to_code("x = 1 + 2") stores 3, loaded as a constant: the compiler adds 1 + 2 itself."""
    facts = probe.measure(exercise, STUDENT)
    index = _kit_sources(exercise).index("x = 1 + 2\n")
    _, call, value = _code_facts(exercise, facts, index)
    stored = next((s for s in value["stores"] if s["name"] == "x"), None)
    folded = (
        stored is not None
        and stored["constant"]
        and stored["value"] == 3
        and not value["operators"]
    )
    if not folded:
        how = (
            f"x is stored after {stored['loaded_by']} ({stored['value']!r})"
            if stored is not None
            else "x is never stored"
        )
        left = (
            f", and the bytecode still holds {', '.join(value['operators'])}"
            if value["operators"]
            else ""
        )
        expect.fail(
            f"{call} should store the constant 3 in x, loaded by one instruction, with no "
            f"addition left to run; but {how}{left}.\n\nThe compiler works out 1 + 2 while it "
            "makes the bytecode (constant folding), so no addition is left to run.\n\nNext: "
            + TO_CODE_ADVICE
        )


def test_opnames_of_functions(exercise):
    """opnames(f) lists the instruction names dis gives, for every function in samples.py, cold
    and after it has run often enough for this Python to specialise it (warm)."""
    facts = probe.measure(exercise, STUDENT)
    expected = _expected(facts)
    if not facts["functions"]:
        expect.fail("The checks found no function to try in samples.py: restore the kit's copy.")
    for label, called in facts["functions"].items():
        call = _call(label, facts, label.rpartition("/")[2])
        got = probe.returned(called, call, STUDENT, advice=OPNAMES_ADVICE)
        _expect_same_names(call, got, expected[label], _adaptive(facts).get(label))


def test_opnames_of_code_objects(exercise):
    """opnames(code) lists the names dis gives, for every code object, one made up as it runs,
    cold and warm."""
    facts = probe.measure(exercise, STUDENT)
    expected = _expected(facts)
    if set(facts["codes"]) != set(expected):
        expect.fail("The checks could not try every code object of samples.py: rerun them.")
    for label, called in facts["codes"].items():
        call = _call(label, facts, f"<code object {label.removeprefix(WARM)}>")
        got = probe.returned(called, call, STUDENT, advice=OPNAMES_ADVICE)
        _expect_same_names(call, got, expected[label], _adaptive(facts).get(label))


@pytest.mark.guard
def test_no_instruction_names_written_down(exercise):
    """bytecode.py asks dis for instruction names each time, and keeps none of its own."""
    tree = exercise.tree(STUDENT)
    known = set(dis.opmap) | {"CACHE"}
    found = sorted(
        {
            (node.lineno, node.value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value in known
        }
    )
    if found:
        listed = "\n".join(f"    line {line}: {name!r}" for line, name in found)
        expect.fail(
            f"{STUDENT} writes instruction names down itself:\n\n{listed}\n\nThe names change "
            "from one Python version to the next (and with the code you ask about): opnames() "
            f"must read them from the bytecode every time.\n\nNext: {OPNAMES_ADVICE}"
        )


def _measured(facts):
    """What the driver measured before it loaded the student's module, in the same child
    (so with the same Python and the same flags) as the student's answers."""
    return json.loads(facts["expected"])


def _expected(facts):
    """What dis says, in the child, about every code object of the program the driver tried."""
    return _measured(facts)["listings"]


def _adaptive(facts):
    """The names of the samples as the driver's Python ran them (``adaptive=True``), once the
    driver had run them (the warm ones, many times)."""
    return _measured(facts).get("adaptive", {})
