"""Exercise 09: Python runs what pyright rejects; then the invoice is fixed, not silenced.

What ran is watched while it runs (``driver.py``): which calls of the file's own functions ran,
with which values, and whether they returned; what ``ORDER`` holds at the end. The hints are
compared with the starter's on the syntax tree. No name in the text decides a verdict.
"""

import ast

from checks import (
    Stage,
    StarterError,
    expect,
    in_plain_words,
    probe,
    starter_folder,
    typed_call_lines,
    unwritten_values,
    written_call_lines,
)

PART_1, PART_2 = "not_enforced.py", "invoice.py"
INVOICE_FUNCTIONS = ["line_total", "invoice_total"]
WRITTEN = (
    "The task is to fix the values: each value the invoice's functions get must be written in "
    'the file with its type (4, 1.20, "pen"), directly or through names, tuples, lists and '
    "loops that hold nothing else. A value made while the program runs (by int(), float(), "
    "Decimal, eval, json.loads, len, a function of yours, whatever its name) is converted, not "
    "fixed."
)
WRONG_CALL_GOAL = (
    "remove them. This part shows that pyright finds the wrong call while Python still runs "
    "it, so pyright must be left to find it."
)
RAN_TO_ITS_END = (
    "The lesson is that Python runs a badly typed call to its end: pick values that do not "
    'match the hints but that Python can still add, such as two strings (add("2", "3")), and '
    "let the call run where nothing catches an error."
)


def _watched(exercise, name):
    """What driver.py saw while ``name`` ran: its calls, its crash, its checked values."""
    facts = probe.measure(exercise, name)
    return facts.get(name) or {}


def _call_lines(tree, lines):
    """Every line of each call expression that starts or runs through one of ``lines``."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            span = range(node.lineno, (node.end_lineno or node.lineno) + 1)
            if any(line in span for line in lines):
                found.update(span)
    return found


def _described(call):
    """A watched call as the messages show it: ``add('2', 3) on line 6``."""
    wrong = ", ".join(f"{w['param']}={w['value']}" for w in call["wrong"])
    where = f" on line {call['line']}" if call.get("line") else ""
    return f"{call['function']}() with {wrong}{where}"


def test_hints_are_not_enforced(exercise):
    """not_enforced.py runs a call that breaks its hints to its end, and pyright reports it."""
    run = exercise.run(PART_1)
    expect.stage(
        run,
        Stage.OK,
        advice="the wrong call must still run: pick values that Python can add, such as two strings.",
    )
    exercise.silencing(PART_1, goal=WRONG_CALL_GOAL)
    tree = exercise.tree(PART_1)
    calls = [call for call in _watched(exercise, PART_1).get("calls", []) if call["typed"]]
    if not calls:
        expect.fail(
            f"When {PART_1} ran, it called no function with type hints. Keep `add` (with its "
            "hints) and call it where the program really reaches it: a call inside a function "
            "nobody calls, or under `if TYPE_CHECKING:`, never runs."
        )
    wrong = [call for call in calls if call["wrong"]]
    finished = [call for call in wrong if call["finished"] and call.get("line")]
    if not wrong:
        ran = {c["line"] for c in calls if c.get("line")}
        unreached = sorted(typed_call_lines(tree) - _call_lines(tree, ran))
        right = ", ".join(f"line {line}" for line in sorted(ran)) or "an unknown line"
        why = (
            f"The call on line {', '.join(map(str, unreached))} never ran: Python never reaches "
            "a call inside a function nobody calls, or under `if TYPE_CHECKING:`."
            if unreached
            else "Change the call so that add() gets values that do not match its hints."
        )
        expect.fail(
            f"When {PART_1} ran, every call of a function with hints got the values its hints "
            f"ask for ({right}). {why}\n\nNext: {RAN_TO_ITS_END}"
        )
    if not finished:
        stopped = wrong[0]
        expect.fail(
            f"{PART_1} called {_described(stopped)}, values that do not match the hints, but "
            f"that call stopped with {stopped.get('error') or 'an error'} before it returned: "
            "the file then hid the error (with try/except or contextlib.suppress, say). That "
            f"shows Python failing on the values, not ignoring the hints.\n\nNext: {RAN_TO_ITS_END}"
        )
    expect.finding(
        exercise.findings(PART_1),
        rule="reportArgumentType",
        at=_call_lines(tree, {call["line"] for call in finished}),
        file=exercise.path(PART_1),
        advice="call add() with values that do not match its hints (two strings, say), and "
        "keep add's hints as they are.",
    )


def _hints(tree):
    """Every type hint a file writes: on each function's parameters and return, and on each
    annotated name, as source text. (A name's hint may go: pyright then works the type out from
    the values, and the values are checked while the program runs.)"""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
                found[f"the parameter `{arg.arg}` of {node.name}()"] = arg.annotation
            found[f"the return of {node.name}()"] = node.returns
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            found[f"`{node.target.id}`"] = node.annotation
    return {where: ast.unparse(hint) if hint else "(no hint)" for where, hint in found.items()}


def _starter_hints(exercise):
    """The hints of the starter's invoice.py, or None if the kit holds no starter."""
    try:
        folder = starter_folder(exercise.exercise, exercise.folder.parent.parent)
    except StarterError:
        return None
    path = folder / PART_2
    return _hints(ast.parse(path.read_text(encoding="utf-8"))) if path.is_file() else None


def test_invoice_is_fixed(exercise):
    """invoice.py prints the right total, with the starter's hints, values of the hinted types,
    and nothing silenced."""
    tree = exercise.tree(PART_2)
    expect.defines(tree, ["line_total", "invoice_total"], file=PART_2)
    expect.calls(tree, ["line_total", "invoice_total"], file=PART_2)
    expect.annotated(tree, ["line_total", "invoice_total"], file=PART_2)
    exercise.silencing(PART_2)
    starter = _starter_hints(exercise)
    if starter is not None:
        mine = _hints(tree)
        changed = [
            f"    {where}: the starter says `{hint}`, yours says `{mine.get(where, '(gone)')}`"
            for where, hint in starter.items()
            if mine.get(where, hint if where.startswith("`") else None) != hint
        ]
        if changed:
            expect.fail(
                f"{PART_2} changed the hints the starter gave it:\n\n" + "\n".join(changed) + "\n\n"
                "The hints say what the invoice should hold; loosening them (object, float | str, "
                "a bare list) only lets the wrong values through.\n\nNext: put the starter's hints "
                "back and fix the values instead."
            )
    findings = exercise.findings(PART_2)
    expect.no_findings(
        findings,
        file=exercise.path(PART_2),
        explained=in_plain_words(findings, tree),
        advice="fix each value named above so that it matches its hint.",
    )
    run = exercise.run(PART_2)
    expect.stage(run, Stage.OK)
    expect.lines(run, ["Total: 15.40"])
    watched = _watched(exercise, PART_2)
    order = watched.get("values", {}).get("ORDER")
    if order is None or order.get("fits") is False:
        wrong = "\n".join(f"    {item}" for item in (order or {}).get("wrong", []))
        expect.fail(
            f"When {PART_2} ran, ORDER did not hold what its hint says, list[tuple[str, float, "
            "int]]: a list of (name, price, quantity) tuples, each in round brackets, its price a "
            "number and its quantity a whole number"
            + (f". These do not fit:\n\n{wrong}" if wrong else ".")
            + "\n\npyright cannot see this where a value comes from somewhere it cannot check "
            "(json.loads, getattr, a block under `if TYPE_CHECKING:`), but Python keeps what "
            "really ran.\n\nNext: write ORDER's values themselves with the right types, as "
            "numbers without quotes."
        )
    unwritten = unwritten_values(tree, INVOICE_FUNCTIONS)
    if unwritten:
        listed = "\n".join(f"    line {u.line}: {u.code} {u.why}" for u in unwritten[:8])
        expect.fail(
            f"{PART_2} hands line_total() and invoice_total() values that are not written in "
            f"the file:\n\n{listed}\n\n{WRITTEN}\n\nNext: write each such value itself, "
            'as a number without quotes (4, not int("4")).'
        )
    for call in watched.get("calls", []):
        name = call["function"]
        if name in INVOICE_FUNCTIONS and call.get("line") not in written_call_lines(tree, name):
            where = f"line {call['line']}" if call.get("line") else "outside invoice.py"
            expect.fail(
                f"When {PART_2} ran, {name}() was called from {where}, where the file does not "
                f"write a call {name}(...): it was reached another way (map, an alias, "
                f"globals(), another module), so the checks cannot see what it was given.\n\n"
                f"{WRITTEN}\n\nNext: call {name}() by its name, with the values written in "
                "the file."
            )
    ran = {call["function"] for call in watched.get("calls", []) if call["finished"]}
    unused = [name for name in ("invoice_total", "line_total") if name not in ran]
    if unused:
        expect.fail(
            f"When {PART_2} ran, {' and '.join(f'{n}()' for n in unused)} never ran to its end, "
            "so the total does not come from the invoice's own functions. A call that never "
            "runs (under `if False:`, in a function nobody calls) does not count.\n\nNext: "
            "keep the program as the starter has it, and fix only the values in ORDER."
        )
    for call in watched.get("calls", []):
        if call["typed"] and call["wrong"]:
            expect.fail(
                f"When {PART_2} ran, it called {_described(call)}: values that do not match "
                f"the hints of {call['function']}(). pyright trusts the hints, so the values "
                "must fit them.\n\nNext: keep the values the right type all the way, and "
                "convert nothing on the way in."
            )
