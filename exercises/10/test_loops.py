"""Exercise 10: a loop written in Python runs bytecode for every number; sum() runs it in C."""

import ast

from checks import expect, growth, probe

STUDENT = "loops.py"
LOOP, BUILTIN = "total_loop", "total_builtin"
LOOP_GROWTH = 1.0
"""Fewest extra instructions per extra number for a loop written in Python."""
FLAT = 0.01
"""Most extra instructions per extra number for sum() (it runs none: the loop is in C)."""
SUM = "sum"
SUMMING = {
    SUM,
    "len",
    "math.fsum",
    "math.prod",
    "math.comb",
    "math.perm",
    "itertools.accumulate",
    "operator.add",
    "operator.iadd",
    "functools.reduce",
    "operator.mul",
    "operator.floordiv",
    "operator.truediv",
    "eval",
    "exec",
    # Seen from Python 3.12 on, where every call is watched (sys.monitoring), not only those of
    # built-in functions: the operators' own methods, called by name.
    "int.__mul__",
    "int.__floordiv__",
    "int.__truediv__",
    "int.__pow__",
    "int.__lshift__",
    "int.__rshift__",
}
"""Functions written in C that would do the adding (or count it out) for a loop, as they are
seen running: under any name a student gives them."""
LOOP_MAY_CALL = frozenset({"len", "range", "enumerate", "iter"})
"""What a loop may call that does none of the adding: ``for i in range(len(numbers))``."""
FORMULA = (ast.Mult, ast.Div, ast.FloorDiv, ast.Pow, ast.LShift, ast.RShift)
"""Operators a formula for the sum needs, and adding one number at a time does not."""
OPERATOR_WORDS = {
    ast.Mult: "multiplies (*)",
    ast.Div: "divides (/)",
    ast.FloorDiv: "divides (//)",
    ast.Pow: "raises to a power (**)",
    ast.LShift: "shifts bits (<<, a way to multiply by 2)",
    ast.RShift: "shifts bits (>>, a way to divide by 2)",
}
"""What each formula operator does, in the words its message uses."""
ADVICE = {
    LOOP: "start a total at 0, then add each number of range(n) to it in a for (or while) loop.",
    BUILTIN: "let the built-in sum() add up what range(n) gives: one line, no loop of your own.",
}


def _results(exercise, *names):
    """What each function returned and executed, by n: {name: {n: {"result", "instructions"}}}."""
    facts = probe.measure(exercise, STUDENT)
    found = {}
    for name in names:
        found[name] = {}
        for n, called in sorted(facts[name].items(), key=lambda item: int(item[0])):
            call = f"{name}({n})"
            found[name][int(n)] = probe.returned(called, call, STUDENT, advice=ADVICE[name])
    return found


def _table(found):
    """The counts by n, one column per function, as the message shows them."""
    names = list(found)
    rows = ["    " + f"{'n':>6}" + "".join(f"{name + ' instructions':>28}" for name in names)]
    for n in found[names[0]]:
        counts = "".join(f"{found[name][n]['instructions']:>28}" for name in names)
        rows.append(f"    {n:>6}{counts}")
    return "\n".join(rows)


def _function(exercise, name):
    """The function ``name`` and every function of loops.py it calls, however indirectly."""
    tree = exercise.tree(STUDENT)
    expect.defines(tree, [name], file=STUDENT)
    defined = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            defined[node.name] = node
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda):
            defined.update({t.id: node.value for t in node.targets if isinstance(t, ast.Name)})
    reached, todo = {}, [name]
    while todo:
        current = todo.pop()
        if current in defined and current not in reached:
            reached[current] = defined[current]
            todo.extend(_called(defined[current]))
    return reached


def _called(*nodes):
    """The names some code calls, as written (``functools.reduce`` counts as ``reduce``)."""
    names = set()
    for inner in (inner for node in nodes for inner in ast.walk(node)):
        if isinstance(inner, ast.Call):
            func = inner.func
            names.add(func.id if isinstance(func, ast.Name) else getattr(func, "attr", ""))
    return names


def test_both_return_the_sum(exercise):
    """total_loop(n) and total_builtin(n) both return 0 + 1 + ... + (n - 1), for every n tried."""
    found = _results(exercise, LOOP, BUILTIN)
    for name in (LOOP, BUILTIN):
        for n, value in found[name].items():
            expected = sum(range(n))
            if value["result"] == expected:
                continue
            why = (
                f"\n\nThat is the sum of 1 to {n}. Here the sum stops at n - 1 = {n - 1}, like "
                "range(n): 0 + 1 + ... + (n - 1)."
                if value["result"] == expected + n
                else ""
            )
            expect.fail(
                f"{name}({n}) returned {value['result']}, but 0 + 1 + ... + {n - 1} is "
                f"{expected}.{why}\n\nThe checks try several n, one of them chosen at random "
                f"each time, so the answer must be worked out, not written down.\n\n"
                f"Next: {ADVICE[name]}"
            )


def test_loop_runs_bytecode_for_every_number(exercise):
    """total_loop(n) executes more bytecode instructions the larger n is, one more per number at least."""
    found = _results(exercise, LOOP)
    counts = {n: value["instructions"] for n, value in found[LOOP].items()}
    per_number = growth(counts)
    if per_number < LOOP_GROWTH:
        expect.fail(
            f"{LOOP}(n) should run Python bytecode for every number it adds, so its count of "
            f"executed instructions should grow with n. It grows by {per_number:.2f} per extra "
            f"number.\n\n{_table(found)}\n\nA count that stays the same for every n means the "
            "adding happens somewhere else: in a built-in (written in C) or in a formula.\n\n"
            f"Next: {ADVICE[LOOP]}"
        )


def test_builtin_runs_the_same_bytecode_for_any_n(exercise):
    """total_builtin(n) executes the same bytecode instructions whatever n is: sum() loops in C."""
    found = _results(exercise, BUILTIN)
    counts = {n: value["instructions"] for n, value in found[BUILTIN].items()}
    per_number = growth(counts)
    if per_number >= FLAT:
        expect.fail(
            f"{BUILTIN}(n) should leave the loop to sum(), which runs it in C: no bytecode "
            f"for each number. But each extra number costs {per_number:.2f} more instructions."
            f"\n\n{_table(found)}\n\nA loop written in Python is still in there: a for, a "
            "while, or a generator expression such as sum(i for i in range(n)), whose every "
            f"step is bytecode.\n\nNext: {ADVICE[BUILTIN]}"
        )


def _ran(found, name):
    """The C functions ``name`` was seen calling, for any n tried, in order of first call."""
    called = {}
    for value in found[name].values():
        called.update(dict.fromkeys(value.get("called", [])))
    return list(called)


def test_loop_adds_one_number_at_a_time(exercise):
    """total_loop holds a loop that adds each number itself, and no sum(), reduce() or formula."""
    reached = _function(exercise, LOOP)
    nodes = [inner for node in reached.values() for inner in ast.walk(node)]
    if not any(isinstance(inner, (ast.For, ast.While)) for inner in nodes):
        expect.fail(
            f"{LOOP} has no for or while loop. The exercise is to write the loop yourself, "
            f"to see what it costs.\n\nNext: {ADVICE[LOOP]}"
        )
    found = _results(exercise, LOOP)
    helpers = [called for called in _ran(found, LOOP) if called in SUMMING - LOOP_MAY_CALL]
    if helpers:
        expect.fail(
            f"While it ran, {LOOP} called {', '.join(f'{h}()' for h in helpers)}, which does the "
            "adding for it (whatever name your code gives it). Add the numbers yourself, one at "
            f"a time, in the loop.\n\nNext: {ADVICE[LOOP]}"
        )
    formula = sorted(
        {
            (inner.lineno, OPERATOR_WORDS[type(inner.op)])
            for inner in nodes
            if isinstance(inner, (ast.BinOp, ast.AugAssign)) and isinstance(inner.op, FORMULA)
        }
    )
    if formula:
        lines = ", ".join(str(line) for line, _ in formula)
        words = " and ".join(sorted({word for _, word in formula}))
        expect.fail(
            f"{LOOP} {words} (line {lines}): that is a formula for the sum, such as "
            "n * (n - 1) // 2, not a loop that adds one number at a time. Adding needs only +."
            f"\n\nNext: {ADVICE[LOOP]}"
        )
    for n, value in found[LOOP].items():
        if n >= 2 and value.get("adds", 0) < n - 1:
            expect.fail(
                f"{LOOP}({n}) ran a loop, but its own code added only {value.get('adds', 0)} "
                f"times (+ or +=), while 0 + 1 + ... + {n - 1} takes at least {n - 1} additions. "
                "A loop that only counts, while the sum comes from somewhere else, is not the "
                f"loop this exercise asks for.\n\nNext: {ADVICE[LOOP]}"
            )
        if n >= 2 and value.get("added", 0) < n - 1:
            expect.fail(
                f"{LOOP}({n}) ran a loop, but nothing it keeps grew by 1, then 2, then 3 ... up "
                f"to {n - 1}, as a total does when the loop adds each number to it (the most "
                f"different amounts one value grew by was {value.get('added', 0)}). A loop that "
                "only counts, while the sum comes from somewhere else, is not the loop this "
                f"exercise asks for.\n\nNext: {ADVICE[LOOP]}"
            )
        if n >= 2 and value.get("kept", 0) < n - 1:
            expect.fail(
                f"{LOOP}({n}) ran a loop that adds, but did not return the total it added up: "
                f"it returned {value['result']}, and no value it kept grew by 1, then 2, ... up "
                f"to {n - 1} to end there. The sum it returns came from somewhere else (a "
                "function called for it, even by map() or another function written in C).\n\n"
                f"Next: {ADVICE[LOOP]} Then return that total."
            )


def _handed(sums):
    """What the calls of sum() were handed, in the words of a message."""
    words = []
    for count, top, zero_start in sums:
        if count < 0:
            what = "something other than plain numbers"
        elif count == 0:
            what = "nothing to add"
        elif top < 0:
            what = "one number that is" if count == 1 else f"{count} numbers that are"
            what += " not 0, 1, 2, ... in a row"
        else:
            what = f"the numbers 0, 1, ... up to {top}" if top else "only zeros"
        words.append(what if zero_start or count < 0 else f"{what}, and a start other than 0")
    return "; then ".join(words)


def test_builtin_calls_sum(exercise):
    """total_builtin calls the built-in sum(), hands it the numbers of range(n), and returns
    what sum() returned: nothing else does its adding."""
    _function(exercise, BUILTIN)
    found = _results(exercise, BUILTIN)
    called = _ran(found, BUILTIN)
    others = [name for name in called if name in SUMMING and name != SUM]
    if others:
        expect.fail(
            f"While it ran, {BUILTIN} called {', '.join(f'{h}()' for h in others)}, which does "
            "the adding instead of sum(). This exercise compares your loop with the built-in "
            f"sum(), so let sum() do all of it.\n\nNext: {ADVICE[BUILTIN]}"
        )
    for n, value in found[BUILTIN].items():
        sums = [tuple(call) for call in value.get("sums", [])]
        if not sums:
            expect.fail(
                f"{BUILTIN}({n}) does not call sum() while it runs. This exercise compares your "
                f"loop with the built-in sum(), so that is the one to use, for every n.\n\n"
                f"Next: {ADVICE[BUILTIN]}"
            )
        right = [
            i for i, (_, top, zero_start) in enumerate(sums) if top == max(n - 1, 0) and zero_start
        ]
        if not right:
            expect.fail(
                f"While {BUILTIN}({n}) ran, sum() was handed {_handed(sums)}: not the numbers "
                f"of range(n), 0, 1, ..., {n - 1}. So sum() did not add them up: the total was "
                f"worked out somewhere else.\n\nNext: {ADVICE[BUILTIN]}"
            )
        if value.get("returned_sum", -1) not in right:
            expect.fail(
                f"{BUILTIN}({n}) handed sum() the numbers of range(n), but did not return what "
                f"sum() returned: it returned {value['result']}, a value worked out another way "
                f"(or changed after sum() gave it).\n\nNext: {ADVICE[BUILTIN]} Return what it "
                "gives, as it is."
            )
