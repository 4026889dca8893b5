"""The class page: a class of 30 graded once by ``checks grade``, then its ``report.html`` read.

The class is made from the kit's own starters and solutions: solved, half solved, untouched,
and the typical mistake at each stage (a file that cannot be read, a syntax error, a compile
error, a ``NameError``, the wrong output, a pyright finding), and a folder that is not a kit.
Most students are copies of another's files, so grading them costs a few distinct runs. The
page is parsed with the standard library's HTML parser and its numbers are compared with
``grades.csv``, each ``results.json`` and each ``report.txt``.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from checks import reports
from checks.manifest import load_all
from checks.model import FailedAt, Failure, Grade, Outcome, TestResult, cents
from checks.reports.classpage import BINS, PAGE
from tests.support import KIT, copy_kit, run_checks, solve, write

pytestmark = pytest.mark.xdist_group("class-of-30")
"""The tests of the class of 30 run in one process (``graded`` is built once)."""

EXERCISES = load_all()
POINTS = {e.number: e.points for e in EXERCISES}
HALF = [e.number for e in EXERCISES[: (len(EXERCISES) + 1) // 2]]
PAGE_LIMIT = 500 * 1024
"""The most the page may weigh, in bytes."""

ODD_NAME = "o'<b>neil & co"
"""A student's folder name that HTML must escape."""


ALL = [e.number for e in EXERCISES]

MISTAKES: dict[str, Callable[[Path], object]] = {
    "solved": lambda kit: solve(kit, ALL),
    "untouched": lambda _kit: None,
    "half": lambda kit: solve(kit, HALF),
    "parse": lambda kit: write(
        solve(kit, ALL) / "exercises/01/hello.py", 'print("Hello, Python!"\n'
    ),
    "compile": lambda kit: write(
        solve(kit, ALL) / "exercises/01/hello.py", 'print("Hello, Python!")\nreturn\n'
    ),
    "read": lambda kit: write(
        solve(kit, ALL) / "exercises/01/hello.py", b'print("Hello, \xff Python!")\n'
    ),
    "nameerror": lambda kit: write(
        solve(kit, ALL) / "exercises/03/crashes.py",
        (KIT / "solutions/03/crashes.py").read_text().replace("len(runs)", "len(run)"),
    ),
    "output": lambda kit: write(
        solve(kit, ALL) / "exercises/01/hello.py", 'print("Hello Python")\n'
    ),
    "finding": lambda kit: shutil.copyfile(
        KIT / "starters" / "09" / "invoice.py", solve(kit, ALL) / "exercises/09/invoice.py"
    ),
}
"""Each kind of student, made from a fresh copy of the kit."""

CLASS = {
    "solved": 5,
    "untouched": 4,
    "half": 4,
    "parse": 3,
    "compile": 2,
    "read": 1,
    "nameerror": 4,
    "output": 3,
    "finding": 2,
}
"""How many students of each kind (with the odd name and a non-kit folder: 30 in all)."""

EXPECTED_STAGE = {
    "parse": ("01", "parse"),
    "compile": ("01", "compile"),
    "read": ("01", "read"),
    "nameerror": ("03", "run"),
    "output": ("01", "output"),
    "finding": ("09", "typecheck"),
}
"""The exercise each mistake breaks and the place the page must say it stopped."""


@dataclass
class Node:
    """One element of the page: its tag, attributes, text and children."""

    tag: str
    attrs: dict[str, str]
    children: list[Node] = field(default_factory=list["Node"])
    text: str = ""

    def all_text(self) -> str:
        """The text of the element and everything inside it."""
        return self.text + "".join(child.all_text() for child in self.children)

    def find(self, tag: str, **attrs: str) -> list[Node]:
        """Every element inside this one with ``tag`` and ``attrs`` (``class_`` for class)."""
        wanted = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        return [
            n
            for n in self.walk()
            if n.tag == tag and all(n.attrs.get(k) == v for k, v in wanted.items())
        ]

    def walk(self) -> list[Node]:
        """This element and every one inside it, in document order."""
        nodes: list[Node] = [self]
        for child in self.children:
            nodes += child.walk()
        return nodes


VOID = {"meta", "br", "img", "input", "link", "hr", "line", "rect"}


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID or tag == "rect":
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(Node("#text", {}, text=data))


def parse(text: str) -> Node:
    """The page as a tree of elements."""
    tree = _Tree()
    tree.feed(text)
    tree.close()
    return tree.root


@dataclass
class Graded:
    """The graded class: who is what kind, where the grading went, the command's output."""

    kinds: dict[str, str]
    out: Path
    done: subprocess.CompletedProcess[str]

    def rows(self) -> dict[str, dict[str, str]]:
        """The gradebook, by student."""
        with (self.out / "grades.csv").open(encoding="utf-8", newline="") as handle:
            return {row["student"]: row for row in csv.DictReader(handle)}

    def results(self, student: str) -> dict[str, object]:
        """A student's results.json."""
        return json.loads((self.out / student / "results.json").read_text(encoding="utf-8"))

    def first_failures(self, student: str) -> dict[str, dict[str, object] | None]:
        """Each exercise's first test that earned nothing, as results.json keeps it."""
        found: dict[str, dict[str, object] | None] = {}
        tests: list[dict[str, object]] = self.results(student)["tests"]  # type: ignore[assignment]
        for test in tests:
            extra: dict[str, object] = test["extra_data"]  # type: ignore[assignment]
            number = str(extra["exercise"])
            if test["status"] != "passed" and number not in found:
                found[number] = extra
        return found

    def untouched(self, student: str) -> set[str]:
        """The exercises results.json says the student never started."""
        extra: dict[str, dict[str, list[dict[str, object]]]] = self.results(student)["extra_data"]  # type: ignore[assignment]
        return {str(e["number"]) for e in extra["checks"]["exercises"] if e.get("untouched")}

    def page(self) -> str:
        """The page's text."""
        return (self.out / PAGE).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Graded:
    """Build the class of 30 and grade it once, as a teacher would."""
    root = tmp_path_factory.mktemp("classpage")
    subs = root / "submissions"
    kinds: dict[str, str] = {}
    for kind, count in CLASS.items():
        for index in range(1, count + 1):
            name = f"{kind}-{index:02d}"
            MISTAKES[kind](copy_kit(subs / name))
            kinds[name] = kind
    solve(copy_kit(subs / ODD_NAME), ALL)
    kinds[ODD_NAME] = "solved"
    (subs / "essay").mkdir()
    (subs / "essay" / "essay.txt").write_text("Python reads, parses, compiles, runs.\n")
    kinds["essay"] = "notakit"
    out = root / "grades"
    done = run_checks(KIT, "grade", *sorted(str(p) for p in subs.iterdir()), "--out", str(out))
    return Graded(kinds=kinds, out=out, done=done)


@pytest.mark.end_to_end
def test_the_class_has_30_and_grading_writes_the_page(graded: Graded) -> None:
    """Grading the class of 30 succeeds and writes report.html beside grades.csv."""
    assert graded.done.returncode == 0, graded.done.stderr
    assert len(graded.kinds) == 30
    assert set(graded.rows()) == set(graded.kinds)
    assert (graded.out / PAGE).is_file()


@pytest.mark.end_to_end
def test_solved_counts_equal_the_gradebook(graded: Graded) -> None:
    """Each exercise's N/M is the number of gradebook rows with the exercise's full points."""
    rows = graded.rows()
    tree = parse(graded.page())
    table = tree.find("table", class_="exercises")[0]
    shown = {
        tr.attrs["data-exercise"]: tr for tr in table.find("tr") if "data-exercise" in tr.attrs
    }
    assert list(shown) == [e.number for e in EXERCISES]
    for number, tr in shown.items():
        full = sum(1 for row in rows.values() if cents(float(row[number])) == cents(POINTS[number]))
        cell = tr.find("td", class_="n solved-count")[0]
        assert cell.all_text() == f"{full}/{len(rows)}", number
        assert tr.attrs["data-solved"] == str(full)


@pytest.mark.end_to_end
def test_the_stages_of_the_others_add_up_and_match_the_results(graded: Graded) -> None:
    """Per exercise, the stacked counts cover every student who did not solve it, each at the
    place where results.json says their first failing test stopped."""
    rows = graded.rows()
    tree = parse(graded.page())
    places = ("read", "parse", "compile", "run", "output", "typecheck", "other", "untouched")
    for tr in tree.find("table", class_="exercises")[0].find("tr"):
        number = tr.attrs.get("data-exercise")
        if number is None:
            continue
        counted = Counter[str]()
        for student, row in rows.items():
            if cents(float(row[number])) == cents(POINTS[number]):
                continue
            failing = graded.first_failures(student).get(number)
            failure = failing.get("failure") if failing else None
            if number in graded.untouched(student):
                counted["untouched"] += 1
            else:
                counted[failure["at"] if isinstance(failure, dict) else "other"] += 1  # type: ignore[index]
        shown = {place: int(tr.attrs[f"data-{place}"]) for place in places}
        assert shown == {place: counted.get(place, 0) for place in places}, number
        said = tr.find("span", class_="small stages")[0].all_text()
        for place, count in shown.items():
            if count:
                label = {"typecheck": "pyright", "untouched": "not started"}
                assert f"{label.get(place, place)} {count}" in said


@pytest.mark.end_to_end
def test_each_mistake_shows_at_its_stage(graded: Graded) -> None:
    """The student table says solved where the gradebook gives full points, and for each typical
    mistake the stage of the lesson where it stops; each name links to its report."""
    rows = graded.rows()
    tree = parse(graded.page())
    table = tree.find("table", class_="students")[0]
    seen: dict[str, Node] = {
        tr.attrs["data-student"]: tr for tr in table.find("tr") if "data-student" in tr.attrs
    }
    assert set(seen) == set(rows)
    for student, tr in seen.items():
        assert cents(float(tr.attrs["data-total"])) == cents(float(rows[student]["total"]))
        links = tr.find("a")
        assert links[0].all_text() == student
        assert (graded.out / urllib.parse.unquote(links[0].attrs["href"])).is_file()
        cells = [c for c in tr.find("td") if "data-exercise" in c.attrs]
        assert len(cells) in (0, len(EXERCISES)), student
        for cell in cells:
            number = cell.attrs["data-exercise"]
            full = cents(float(rows[student][number])) == cents(POINTS[number])
            assert (cell.attrs["data-state"] == "solved") == full, (student, number)
        kind = graded.kinds[student]
        if kind in EXPECTED_STAGE:
            number, place = EXPECTED_STAGE[kind]
            cell = next(c for c in tr.find("td") if c.attrs.get("data-exercise") == number)
            assert cell.attrs["data-state"] == place, student
    for cell in [c for c in seen["untouched-01"].find("td") if "data-exercise" in c.attrs]:
        assert cell.attrs["data-state"] == "untouched"
    half = {
        c.attrs["data-exercise"]: c.attrs["data-state"]
        for c in seen["half-01"].find("td")
        if "data-exercise" in c.attrs
    }
    assert {n for n, state in half.items() if state == "untouched"} == set(ALL) - set(HALF)


@pytest.mark.end_to_end
def test_the_common_failures_count_students_and_quote_their_reports(graded: Graded) -> None:
    """The most common first failures count the students who hit them (never the starter's own
    failure), and each example is the message one of them reads in report.txt; the NameError
    of exercise 03 is among them."""
    tree = parse(graded.page())
    table = tree.find("table", class_="common")[0]
    entries = [tr for tr in table.find("tr") if "data-count" in tr.attrs]
    assert entries
    counts = [int(tr.attrs["data-count"]) for tr in entries]
    assert counts == sorted(counts, reverse=True)
    texts = {
        s: (graded.out / s / "report.txt").read_text(encoding="utf-8")
        for s in graded.rows()
        if (graded.out / s / "report.txt").is_file()
    }
    for tr in entries:
        example = tr.find("pre")[0].all_text().splitlines()[0].strip()
        assert any(example in text for text in texts.values()), example
    crashes = [
        tr
        for tr in entries
        if tr.attrs["data-exercise"] == "03" and tr.attrs["data-error"] == "NameError"
    ]
    assert crashes, "the NameError of exercise 03 is not among the common failures"
    assert int(crashes[0].attrs["data-count"]) == CLASS["nameerror"]
    assert "crashes.py line" in crashes[0].all_text()


@pytest.mark.end_to_end
def test_the_histogram_counts_every_total(graded: Graded) -> None:
    """The histogram's bars hold every student, each in the tenth of the full score of their
    total, and each count is also written as text."""
    rows = graded.rows()
    full = max(cents(float(r["max"])) for r in rows.values())
    expected = [0] * BINS
    for row in rows.values():
        expected[min(cents(float(row["total"])) * BINS // full, BINS - 1)] += 1
    tree = parse(graded.page())
    table = tree.find("table", class_="histogram")[0]
    shown = [int(tr.attrs["data-count"]) for tr in table.find("tr") if "data-count" in tr.attrs]
    assert shown == expected
    assert sum(shown) == 30


@pytest.mark.end_to_end
def test_the_page_is_small_self_contained_and_escapes_names(graded: Graded) -> None:
    """The page weighs under 500 KB, loads nothing from anywhere and escapes a student's name."""
    text = graded.page()
    assert len(text.encode("utf-8")) < PAGE_LIMIT
    tree = parse(text)
    tags = {n.tag for n in tree.walk()}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed", "b"}
    for node in tree.walk():
        for name, value in node.attrs.items():
            if name in ("src", "href"):
                assert "://" not in value and not value.startswith("//"), value
    assert "url(" not in text and "@import" not in text
    policy = tree.find("meta", http_equiv="Content-Security-Policy")[0]
    assert policy.attrs["content"].startswith("default-src 'none'")
    assert tree.find("tr", data_student=ODD_NAME)


@pytest.mark.end_to_end
def test_checks_report_rebuilds_the_same_page(graded: Graded, tmp_path: Path) -> None:
    """`checks report DIR` writes the same page again from the grading's files alone."""
    copy = tmp_path / "grades"
    shutil.copytree(graded.out, copy)
    (copy / PAGE).unlink()
    done = run_checks(KIT, "report", str(copy))
    assert done.returncode == 0, done.stderr
    assert (copy / PAGE).read_bytes() == (graded.out / PAGE).read_bytes()


@pytest.mark.end_to_end
def test_a_student_whose_results_are_gone_keeps_a_row_and_the_counts_add_up(
    graded: Graded, tmp_path: Path
) -> None:
    """A student whose results.json was lost keeps a gradebook row on the rebuilt page, says so,
    and still counts among those who did not solve each exercise."""
    copy = tmp_path / "grades"
    shutil.copytree(graded.out, copy)
    (copy / "solved-01" / "results.json").unlink()
    done = run_checks(KIT, "report", str(copy))
    assert done.returncode == 0, done.stderr
    tree = parse((copy / PAGE).read_text(encoding="utf-8"))
    row = tree.find("tr", data_student="solved-01")[0]
    assert "missing or unreadable" in row.all_text()
    places = ("read", "parse", "compile", "run", "output", "typecheck", "other", "untouched")
    for tr in tree.find("table", class_="exercises")[0].find("tr"):
        if "data-exercise" in tr.attrs:
            others = sum(int(tr.attrs[f"data-{place}"]) for place in places)
            assert others + int(tr.attrs["data-solved"]) == 30


def test_checks_report_refuses_a_folder_without_a_gradebook(tmp_path: Path) -> None:
    """`checks report` on a folder that no grading wrote says so in one line, with exit 2."""
    done = run_checks(KIT, "report", str(tmp_path))
    assert done.returncode == 2
    assert "grades.csv" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_results_json_keeps_where_a_test_failed_and_what_was_never_started() -> None:
    """Gradescope's results.json, written and read back, keeps each failure's place, error, file
    and line and which exercises were never started; a failure that is not the kit's is dropped."""
    exercise = EXERCISES[0]
    failure = Failure(FailedAt.RUN, "NameError", "crashes.py", 18)
    test = TestResult(
        nodeid=f"exercises/{exercise.number}/test_x.py::test_x",
        exercise=exercise.number,
        name="test_x",
        outcome=Outcome.FAILED,
        message="stopped",
        failure=failure,
    )
    graded = reports.score_exercise(exercise, [test])
    graded.untouched = True
    data = json.loads(json.dumps(reports.gradescope(Grade(exercises=[graded]))))
    back = reports.from_gradescope(data, [exercise])
    assert back.exercises[0].tests[0].failure == failure
    assert back.exercises[0].untouched
    data["tests"][0]["extra_data"]["failure"] = {"at": "elsewhere", "line": "18"}
    assert reports.from_gradescope(data, [exercise]).exercises[0].tests[0].failure is None
    assert Failure.from_json({"at": "parse", "line": True}) == Failure(FailedAt.PARSE)
