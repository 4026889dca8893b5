"""A teacher's own exercise: ``checks new``, ``docs/authoring.md``, ``checks dev check``, and
everything that follows the manifests (grading, Classroom 50, Gradescope).

Exercise 11 is made with ``checks new`` in a small copy of the kit and filled in with the files
the guide's worked example shows, and nothing else; then checked, and a class of three graded.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import checks
from checks.manifest import SCHEMA, ManifestError, load_exercise
from tests.grade.test_classroom50 import ENV
from tests.support import KIT, small_kit, student_copy

pytestmark = pytest.mark.xdist_group("authoring")
"""In one process: its module-wide kits (exercise 11, the five broken exercises) are each built,
and checked by ``checks dev check``, once, not once in every process that runs one of them."""

GUIDE = KIT / "docs" / "authoring.md"
SHOWN_FILE = re.compile(r"\*\*`([^`]+)`\*\*\s*\n\s*```[a-z]*\n(.*?)\n\s*```", re.DOTALL)


def _checks(kit: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m checks`` in the kit copy (its own ``checks`` package)."""
    return subprocess.run(
        [sys.executable, "-m", "checks", *args],
        cwd=kit,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        stdin=subprocess.DEVNULL,
        timeout=1800,
        check=False,
    )


def _small_kit(target: Path, numbers: tuple[str, ...]) -> Path:
    """A small kit with ``numbers``, and what the platforms' bundles are built from."""
    root = small_kit(target, numbers)
    for folder in ("classroom50", "gradescope"):
        shutil.copytree(KIT / folder, root / folder)
    shutil.copyfile(KIT / "uv.lock", root / "uv.lock")
    return root


def _follow_the_guide(kit: Path) -> None:
    """Write each file the guide's worked example shows, as a teacher following it would."""
    text = GUIDE.read_text(encoding="utf-8")
    shown = SHOWN_FILE.findall(text)
    assert shown, "the guide shows no file of its worked example"
    for name, body in shown:
        lines = body.splitlines()
        indent = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
        path = kit / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(x[indent:] for x in lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small kit (exercise 01) with exercise 11 made by ``checks new`` and the guide."""
    root = _small_kit(tmp_path_factory.mktemp("authoring") / "kit", ("01",))
    shutil.copytree(KIT / "tests" / "cases" / "01", root / "tests" / "cases" / "01")
    done = _checks(root, "new", "11", "Counting down")
    assert done.returncode == 0, done.stderr
    assert "exercises/11/exercise.toml" in done.stdout
    _follow_the_guide(root)
    return root


def test_new_refuses_a_number_that_exists(kit: Path) -> None:
    """A taken number, or something not a number, is one line and exit status 2."""
    for args, says in ((("11", "Again"), "exercises/11/ exists"), (("x1", "X"), "not an")):
        done = _checks(kit, "new", *args)
        assert done.returncode == 2
        assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


@pytest.mark.end_to_end
def test_a_fresh_exercise_passes_its_own_check(tmp_path: Path) -> None:
    """Right after ``checks new``, the starter fails, the solution passes, and so on."""
    root = small_kit(tmp_path / "kit", ("01",))
    assert _checks(root, "new", "12", "Fresh").returncode == 0
    done = _checks(root, "dev", "check", "--python", "this", "12")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == ""


@pytest.mark.end_to_end
def test_the_worked_example_passes_dev_check(kit: Path) -> None:
    """Exercise 11 as the guide builds it passes ``checks dev check 11``."""
    done = _checks(kit, "dev", "check", "--python", "this", "11")
    assert done.returncode == 0, done.stdout + done.stderr


def _column(gradebook: Path) -> dict[str, tuple[str, str, str]]:
    with gradebook.open(encoding="utf-8", newline="") as rows:
        return {r["student"]: (r["total"], r["max"], r["11"]) for r in csv.DictReader(rows)}


@pytest.mark.end_to_end
def test_a_class_of_three_is_graded_with_exercise_11(kit: Path, tmp_path: Path) -> None:
    """Solved, starter and dodge get 20, 0 and 10 of 20 in checks grade, Classroom 50 and
    Gradescope's zip carries exercise 11."""
    solved = student_copy(tmp_path / "class" / "solved", kit)
    student_copy(tmp_path / "class" / "starter", kit, solved=False)
    dodge = student_copy(tmp_path / "class" / "dodge", kit)
    shutil.copyfile(
        kit / "tests" / "cases" / "11" / "dodge_hides_the_error" / "task.py",
        dodge / "exercises" / "11" / "task.py",
    )
    assert (
        (solved / "exercises" / "11" / "task.py")
        .read_text(encoding="utf-8")
        .endswith('print("Liftoff!")\n')
    )
    out = tmp_path / "grades"
    done = _checks(
        kit, "grade", *(str(p) for p in sorted((tmp_path / "class").iterdir())), "--out", str(out)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = _column(out / "grades.csv")
    assert {k: (float(t), float(m), float(e)) for k, (t, m, e) in rows.items()} == {
        "solved": (20, 20, 10),
        "starter": (0, 20, 0),
        "dodge": (10, 20, 0),
    }
    results = json.loads((out / "dodge" / "results.json").read_text(encoding="utf-8"))
    assert results["score"] == 10

    bundle = tmp_path / "bundle"
    assert _checks(kit, "classroom50", "--out", str(bundle)).returncode == 0
    info = json.loads((bundle / "kit" / "classroom50.json").read_text(encoding="utf-8"))
    assert info["max-score"] == 20
    assert (bundle / "kit" / "exercises" / "11" / "test_exercise_11.py").is_file()
    graded = subprocess.run(
        [sys.executable, "-m", "checks.grade.classroom50", str(dodge)],
        cwd=kit,
        env={**os.environ, **ENV},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert graded.returncode == 0, graded.stdout + graded.stderr
    data = json.loads((dodge / "result.json").read_text(encoding="utf-8"))
    assert (data["score"], data["max-score"]) == (10, 20)

    archive = tmp_path / "autograder.zip"
    assert _checks(kit, "gradescope-zip", "--out", str(archive)).returncode == 0
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
    assert "exercises/11/exercise.toml" in names
    assert not [n for n in names if n.startswith(("solutions/", "tests/"))]


def test_removing_an_exercise_leaves_everything_adding_up(tmp_path: Path) -> None:
    """With 03 removed, hints, grading and the bundle count 01 alone: 10 of 10."""
    root = _small_kit(tmp_path / "kit", ("01", "03"))
    for part in ("exercises", "starters", "solutions"):
        shutil.rmtree(root / part / "03")
    assert _checks(root, "hint", "01").returncode == 0
    gone = _checks(root, "hint", "03")
    assert gone.returncode == 2 and "03" in gone.stderr, gone.stderr
    student_copy(tmp_path / "class" / "ann", root)
    out = tmp_path / "grades"
    done = _checks(root, "grade", str(tmp_path / "class" / "ann"), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    with (out / "grades.csv").open(encoding="utf-8", newline="") as rows:
        (row,) = list(csv.DictReader(rows))
    assert (float(row["total"]), float(row["max"])) == (10, 10)
    assert "03" not in row
    bundle = tmp_path / "bundle"
    assert _checks(root, "classroom50", "--out", str(bundle)).returncode == 0
    info = json.loads((bundle / "kit" / "classroom50.json").read_text(encoding="utf-8"))
    assert info["max-score"] == 10


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """``checks dev check`` on five new exercises, each broken in one way."""
    root = small_kit(tmp_path_factory.mktemp("broken") / "kit", ("01",))
    for number in ("12", "13", "14", "15", "16"):
        assert _checks(root, "new", number, f"Broken {number}").returncode == 0
    solution = (root / "solutions" / "12" / "task.py").read_text(encoding="utf-8")
    for starter in (root / "exercises" / "12" / "task.py", root / "starters" / "12" / "task.py"):
        starter.write_text(solution, encoding="utf-8")
    shutil.copyfile(root / "starters" / "13" / "task.py", root / "solutions" / "13" / "task.py")
    (root / "tests" / "cases" / "14" / "right_single_quotes" / "task.py").write_text(
        "print('hello')\n", encoding="utf-8"
    )
    manifest = root / "exercises" / "15" / "exercise.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("hints", "hintz"), "utf-8")
    readme = root / "exercises" / "16" / "README.md"
    readme.write_text(
        readme.read_text(encoding="utf-8").replace(
            "uv run pytest exercises/16",
            "uv run checks stage exercises/16/gone.py\nuv run pytest exercises/16",
        ),
        encoding="utf-8",
    )
    return _checks(root, "dev", "check", "--python", "this", "12", "13", "14", "15", "16")


@pytest.mark.end_to_end
@pytest.mark.parametrize(
    ("number", "says"),
    [
        ("12", "the starter passes"),
        ("13", "the solution fails"),
        ("14", "case right_single_quotes: a right answer fails"),
        ("15", "unknown key `hintz`; did you mean `hints`?"),
        ("16", "README command `uv run checks stage exercises/16/gone.py` fails"),
    ],
)
def test_dev_check_finds_each_problem_in_one_line(
    broken: subprocess.CompletedProcess[str], number: str, says: str
) -> None:
    """Each broken exercise gets exactly one line, which says what is wrong."""
    assert broken.returncode == 1, broken.stdout + broken.stderr
    lines = [line for line in broken.stdout.splitlines() if line.startswith(f"{number} ")]
    assert len(lines) == 1, broken.stdout
    assert says in lines[0], lines[0]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('title = "t"\ngoal = "g"\nfiles = ["a.py"]\npoint = 3\n', "did you mean `points`?"),
        ('title = "t"\ngoal = "g"\nfiles = ["a.py"]\ncolour = 3\n', "may hold only"),
        ('title = "t"\nfiles = ["a.py"]\n', "`goal` is missing"),
        ('title = "t"\ngoal = "g"\nfiles = "a.py"\n', "must be a list of text"),
    ],
)
def test_the_manifest_schema_names_what_is_wrong(tmp_path: Path, text: str, says: str) -> None:
    """A wrong, misspelt or missing key is one sentence that says what to do."""
    folder = tmp_path / "exercises" / "21"
    folder.mkdir(parents=True)
    (folder / "exercise.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError, match=re.escape(says)):
        load_exercise(folder)


def _table(heading: str) -> list[str]:
    """The names in the first column of the table under ``heading`` in the guide."""
    text = GUIDE.read_text(encoding="utf-8")
    part = text.split(heading, 1)[1]
    names: list[str] = []
    for line in part.splitlines()[1:]:
        if line.startswith("#"):
            break
        found = re.match(r"\| `([A-Za-z_]+)` \|", line)
        if found:
            names.append(found.group(1))
    return names


def test_the_guide_documents_exactly_what_checks_exports() -> None:
    """Every name in ``checks.__all__`` has its row in the guide, and the guide shows no other
    name of ``checks``: not in its table, not in an import, not as ``expect.<name>``."""
    rows = _table("## What a test may use")
    assert sorted(rows) == sorted(checks.__all__)
    text = GUIDE.read_text(encoding="utf-8")
    for imported in re.findall(r"from checks import ([\w, ]+)", text):
        for name in imported.split(","):
            assert name.strip() in checks.__all__, name
    expect = checks.expect
    for name in set(re.findall(r"expect\.(\w+)\(", text)):
        assert name in expect.__all__, f"the guide shows expect.{name}, which expect lacks"


def test_the_guide_lists_the_manifest_schema() -> None:
    """The guide's manifest table has one row per key of the schema, and no other."""
    assert _table("## The manifest") == [key.name for key in SCHEMA]
