"""`checks grade` on a small class built from copies of the kit, and Gradescope's autograder.

The class: every exercise solved; untouched starters; starters with every test file replaced by
a passing test and ``conftest.py`` emptied; half the exercises solved; a solved copy with a
missing file and a symbolic link; a kit inside a folder (a zip unpacked); an empty folder; a
folder that is not a kit. It is graded once, by a child ``checks grade``, like a teacher would.
Its tests, and the other whole-kit gradings here, are ``end_to_end``: ``uv run nox`` runs them
on the oldest and the newest Python, and a class of one exercise keeps tampering in view on
every Python.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from checks.grade import default_jobs
from checks.manifest import load_all
from checks.model import cents
from checks.run import limits
from tests.support import KIT, NEVER_ENDS, copy_kit, run_checks, small_kit, solve

pytestmark = pytest.mark.xdist_group("graded-class")
"""The tests of the class graded once run in one process (``batch`` is built once)."""

EXERCISES = load_all()
KIT_MAX = sum(cents(e.points) for e in EXERCISES)
HALF = EXERCISES[: (len(EXERCISES) + 1) // 2]
PASSING_TEST = "def test_nothing_to_see():\n    pass\n"


def _snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    found: dict[str, tuple[int, str]] = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        found[path.relative_to(folder).as_posix()] = (info.st_mtime_ns, digest)
    return found


@dataclass
class Batch:
    """A graded class: the submissions, where the reports went, and the command's output."""

    submissions: Path
    out: Path
    done: subprocess.CompletedProcess[str]
    before: dict[str, dict[str, tuple[int, str]]]

    def rows(self) -> dict[str, dict[str, str]]:
        """The gradebook, by student."""
        with (self.out / "grades.csv").open(encoding="utf-8", newline="") as handle:
            return {row["student"]: row for row in csv.DictReader(handle)}

    def total(self, student: str) -> int:
        """A student's total, in hundredths."""
        return cents(float(self.rows()[student]["total"]))

    def report(self, student: str) -> str:
        """A student's text report."""
        return (self.out / student / "report.txt").read_text(encoding="utf-8")

    def results(self, student: str) -> dict[str, object]:
        """A student's results.json."""
        return json.loads((self.out / student / "results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    """Build the class and grade it once."""
    root = tmp_path_factory.mktemp("class")
    subs = root / "submissions"
    solve(copy_kit(subs / "solved", readme=True))
    copy_kit(subs / "starters", readme=True)
    tampered = copy_kit(subs / "tampered", readme=True)
    for test in (tampered / "exercises").glob("*/test_*.py"):
        test.write_text(PASSING_TEST, encoding="utf-8")
    (tampered / "conftest.py").write_text("", encoding="utf-8")
    solve(copy_kit(subs / "half", readme=True), [e.number for e in HALF])
    broken = copy_kit(subs / "broken", readme=True)
    solve(broken)
    first, last = EXERCISES[0], EXERCISES[-1]
    (broken / "exercises" / first.number / first.files[0]).unlink()
    linked = broken / "exercises" / last.number / last.files[0]
    linked.unlink()
    linked.symlink_to(KIT / "solutions" / last.number / last.files[0])
    solve(copy_kit(subs / "zipped" / "python-kit", readme=True))
    (subs / "empty").mkdir()
    (subs / "notakit").mkdir()
    (subs / "notakit" / "essay.txt").write_text("Python reads, parses, compiles, runs.\n")
    before = {p.name: _snapshot(p) for p in subs.iterdir()}
    out = root / "grades"
    done = run_checks(KIT, "grade", *sorted(str(p) for p in subs.iterdir()), "--out", str(out))
    return Batch(submissions=subs, out=out, done=done, before=before)


@pytest.mark.end_to_end
def test_the_batch_finishes(batch: Batch) -> None:
    """`checks grade` grades the whole class, bad submissions included, and exits 0."""
    assert batch.done.returncode == 0, batch.done.stdout + batch.done.stderr
    assert "Traceback" not in batch.done.stderr
    assert set(batch.rows()) == {p.name for p in batch.submissions.iterdir()}


@pytest.mark.end_to_end
def test_solved_beats_half_beats_starters_and_tampering_gains_nothing(batch: Batch) -> None:
    """solved = max > half > starters = tampered, in the gradebook."""
    rows = batch.rows()
    assert all(cents(float(row["max"])) == KIT_MAX for row in rows.values())
    assert batch.total("solved") == KIT_MAX, batch.report("solved")
    if len(EXERCISES) >= 2:
        assert KIT_MAX > batch.total("half") > batch.total("starters")
    assert batch.total("tampered") == batch.total("starters")
    numbers = [e.number for e in EXERCISES]
    assert [rows["tampered"][n] for n in numbers] == [rows["starters"][n] for n in numbers]


def _changed(report: str) -> set[str]:
    return {
        line.strip().removesuffix(" (changed)")
        for line in report.splitlines()
        if line.rstrip().endswith(" (changed)")
    }


@pytest.mark.end_to_end
def test_the_tampered_report_names_the_files_it_changed(batch: Batch) -> None:
    """Every test file and conftest.py the student changed is listed, and nothing else."""
    report = batch.report("tampered")
    assert "Modified outside the exercise files" in report
    root = batch.submissions / "tampered"
    expected = {p.relative_to(root).as_posix() for p in (root / "exercises").glob("*/test_*.py")}
    assert len(expected) == len(EXERCISES)
    expected.add("conftest.py")
    # The kit may change while the class is graded (it is being written): what the untouched
    # starters show as changed is the kit's doing, not the student's.
    assert _changed(report) - _changed(batch.report("starters")) == expected
    assert not _changed(batch.report("solved")) - _changed(batch.report("starters"))


def test_tampering_gains_nothing_in_a_small_class(tmp_path: Path) -> None:
    """The class above is graded on the oldest and the newest Python only (``end_to_end``);
    this class of one exercise, on every Python: a copy whose test files pass anything and
    whose ``conftest.py`` is empty scores what the untouched starter scores, and its report
    names both files."""
    kit = small_kit(tmp_path / "kit", ["01"])
    subs = tmp_path / "submissions"
    copy_kit(subs / "starters", ["01"], source=kit)
    tampered = copy_kit(subs / "tampered", ["01"], source=kit)
    tests = sorted((tampered / "exercises" / "01").glob("test_*.py"))
    for test in tests:
        test.write_text(PASSING_TEST, encoding="utf-8")
    (tampered / "conftest.py").write_text("", encoding="utf-8")
    solve(copy_kit(subs / "solved", ["01"], source=kit), ["01"], source=kit)
    out = tmp_path / "grades"
    done = run_checks(kit, "grade", *sorted(str(p) for p in subs.iterdir()), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    with (out / "grades.csv").open(encoding="utf-8", newline="") as handle:
        totals = {row["student"]: cents(float(row["total"])) for row in csv.DictReader(handle)}
    assert totals["tampered"] == totals["starters"] < totals["solved"], totals
    reports = {name: (out / name / "report.txt").read_text(encoding="utf-8") for name in totals}
    expected = {t.relative_to(tampered).as_posix() for t in tests} | {"conftest.py"}
    assert tests
    assert _changed(reports["tampered"]) - _changed(reports["starters"]) == expected


@pytest.mark.end_to_end
def test_the_gradebook_columns_add_up(batch: Batch) -> None:
    """grades.csv: student, total, max, one column per exercise, a note, the folder; total =
    their sum."""
    with (batch.out / "grades.csv").open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == ["student", "total", "max", *[e.number for e in EXERCISES], "note", "path"]
    for row in batch.rows().values():
        assert cents(float(row["total"])) == sum(cents(float(row[e.number])) for e in EXERCISES)


@pytest.mark.end_to_end
def test_unusable_submissions_get_0_and_the_reason(batch: Batch) -> None:
    """An empty folder and a folder that is not a kit score 0, and their row says why."""
    rows = batch.rows()
    assert rows["empty"]["total"] == "0"
    assert "empty folder" in rows["empty"]["note"]
    assert rows["notakit"]["total"] == "0"
    assert "not a copy of the kit" in rows["notakit"]["note"]
    assert "not a copy of the kit" in batch.report("notakit")


@pytest.mark.end_to_end
def test_missing_and_linked_files_cost_their_exercise_only(batch: Batch) -> None:
    """A missing file and a symbolic link are reported; only their exercises lose points."""
    rows = batch.rows()
    first, last = EXERCISES[0], EXERCISES[-1]
    report = batch.report("broken")
    assert f"exercises/{first.number}/{first.files[0]}" in report
    assert "Missing exercise files" in report
    assert f"exercises/{last.number}/{last.files[0]} (a symbolic link" in report
    assert float(rows["broken"][first.number]) < first.points
    assert float(rows["broken"][last.number]) < last.points
    for exercise in EXERCISES[1:-1]:
        assert float(rows["broken"][exercise.number]) == exercise.points


@pytest.mark.end_to_end
def test_a_kit_inside_a_folder_is_found(batch: Batch) -> None:
    """A submission holding the kit one folder down (a zip unpacked) is graded as the kit."""
    assert batch.total("zipped") == KIT_MAX, batch.report("zipped")
    assert "python-kit/" in batch.report("zipped")


@pytest.mark.end_to_end
def test_each_student_gets_gradescope_results(batch: Batch) -> None:
    """DIR/<student>/results.json is Gradescope's format and adds up to the gradebook's total."""
    for student in batch.rows():
        data = batch.results(student)
        tests = data["tests"]
        assert isinstance(tests, list)
        assert {"score", "execution_time", "output", "tests"} <= set(data)
        assert cents(float(str(data["score"]))) == sum(cents(t["score"]) for t in tests)
        assert sum(cents(t["max_score"]) for t in tests) == KIT_MAX
        assert cents(float(str(data["score"]))) == batch.total(student)


@pytest.mark.end_to_end
def test_grading_never_writes_into_a_submission(batch: Batch) -> None:
    """Every file of every submission is as it was: same bytes, same modification time."""
    after = {p.name: _snapshot(p) for p in batch.submissions.iterdir()}
    assert after == batch.before


_LOOPING_FILES = [
    ("01", "hello.py"),
    ("02", "grammar.py"),
    ("03", "crashes.py"),
    ("05", "fails_at_run.py"),
    ("05", "runs_ok.py"),
    ("08", "report.py"),
]
"""Student programs that the tests run as programs; a slow submission loops in each."""


@pytest.mark.end_to_end
def test_a_submission_that_takes_too_long_is_stopped_not_zeroed(tmp_path: Path) -> None:
    """Past --timeout the run is stopped, what ran keeps its points, and the next is graded."""
    slow = copy_kit(tmp_path / "slow", readme=True)
    solve(slow)
    # Each of these programs waits until the run's own time limit (checks_timeout, 10 s) stops
    # it (asleep, so that the kit's other tests meanwhile have the CPU), and about ten tests run
    # one of them: the slow submission needs well over a minute at
    # any speed, so a budget of 30 s stops it, while the quick one (a few seconds on an idle
    # machine) fits in it even at a tenth of the machine's speed.
    for number, name in _LOOPING_FILES:
        (slow / "exercises" / number / name).write_text(NEVER_ENDS)
    first = EXERCISES[0]
    quick = copy_kit(tmp_path / "quick", readme=True)
    solve(quick, [e.number for e in EXERCISES[:1]])
    out = tmp_path / "out"
    done = run_checks(
        KIT, "grade", str(slow), str(quick), "--out", str(out), "--timeout", "30", "--jobs", "1"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads((out / "slow" / "results.json").read_text(encoding="utf-8"))
    assert sum(cents(t["max_score"]) for t in data["tests"]) == KIT_MAX
    assert cents(data["score"]) == sum(cents(t["score"]) for t in data["tests"])
    assert "took longer than 30 seconds" in data["output"]
    # The same worker was stopped: a fresh one grades the next submission in full.
    again = json.loads((out / "quick" / "results.json").read_text(encoding="utf-8"))
    assert cents(again["score"]) >= cents(first.points)
    assert "took longer" not in again["output"]


@pytest.mark.parametrize(
    ("cpu_max", "workers"),
    [("max 100000", 9), ("150000 100000", 3), ("50000 100000", 1)],
)
def test_the_workers_are_the_usable_cores_and_one_more(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cpu_max: str, workers: int
) -> None:
    """Without --jobs, on a host of 8 cores: 9 workers with no quota; a container allowed 150 ms
    of CPU every 100 ms (two cores) grades with three; one allowed half a core, with one (a
    second would only share it)."""
    monkeypatch.setattr(limits.os, "sched_getaffinity", lambda _pid: set(range(8)), raising=False)
    (tmp_path / "cpu.max").write_text(f"{cpu_max}\n", encoding="ascii")
    monkeypatch.setattr(limits, "CGROUP", tmp_path)
    assert default_jobs() == workers


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["no-such-folder", "--out", "{tmp}/out"], "no-such-folder: no such folder"),
        (["{tmp}/a-file", "--out", "{tmp}/out"], "not a folder"),
        (["{tmp}/student", "--out", "{tmp}/a-file/out"], "--out"),
        (["{tmp}/student", "--out", "{tmp}/student/grades"], "never writes into a submission"),
        (["{tmp}/student", "--out", "{tmp}"], "never writes into a submission"),
        (["{tmp}/student", "--out", "{tmp}/out", "--jobs", "0"], "--jobs"),
        (["{tmp}/student", "--out", "{tmp}/out", "--timeout", "0"], "--timeout"),
        (["{tmp}/student", "--out", "{tmp}/out", "--timeout", "nan"], "--timeout"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], says: str) -> None:
    """A missing folder, an unwritable --out or one inside a submission: one line, exit 2."""
    (tmp_path / "student").mkdir()
    (tmp_path / "a-file").write_text("x")
    done = run_checks(tmp_path, "grade", *[a.format(tmp=tmp_path) for a in args])
    assert done.returncode == 2, done.stdout + done.stderr
    assert says in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "student" / "grades").exists()


def test_the_gradescope_zip_holds_the_kit_without_solutions(tmp_path: Path) -> None:
    """The zip has setup.sh and run_autograder at its root, executable, and no solutions/."""
    target = tmp_path / "autograder.zip"
    done = run_checks(KIT, "gradescope-zip", "--out", str(target))
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
    for script in ("setup.sh", "run_autograder"):
        assert script in names
        assert modes[script] & stat.S_IXUSR
    for needed in ("pyproject.toml", "uv.lock", "conftest.py", "checks/plugin/__init__.py"):
        assert needed in names
    for exercise in EXERCISES:
        assert f"exercises/{exercise.number}/exercise.toml" in names
    assert not [n for n in names if n.startswith(("solutions/", "tests/"))]
    assert not [n for n in names if "__pycache__" in n]


@pytest.mark.end_to_end
@pytest.mark.skipif(os.name != "posix" or shutil.which("bash") is None, reason="needs bash")
def test_run_autograder_grades_a_submission_like_gradescope(tmp_path: Path) -> None:
    """run_autograder, from the zip, grades /autograder/submission into results/results.json."""
    root = tmp_path / "autograder"
    target = tmp_path / "autograder.zip"
    assert run_checks(KIT, "gradescope-zip", "--out", str(target)).returncode == 0
    with zipfile.ZipFile(target) as archive:
        archive.extractall(root / "source")
    student = copy_kit(root / "submission", readme=True)
    solve(student)
    (student / "conftest.py").write_text("", encoding="utf-8")
    done = subprocess.run(
        ["bash", str(root / "source" / "run_autograder")],
        env={**os.environ, "AUTOGRADER_ROOT": str(root), "CHECKS_PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    results = root / "results" / "results.json"
    assert results.exists(), done.stdout + done.stderr
    data = json.loads(results.read_text(encoding="utf-8"))
    short = [t for t in data["tests"] if t["score"] < t["max_score"]]
    assert cents(data["score"]) == KIT_MAX, "\n\n".join(  # each test short of full, in full
        f"{t['name']}: {t['score']}/{t['max_score']}\n{t.get('output', '')}" for t in short
    )
    assert "conftest.py (changed)" in data["output"]


@pytest.mark.end_to_end
def test_identical_submissions_share_verdicts_and_each_report_names_its_own_files(
    tmp_path: Path,
) -> None:
    """The second of two byte-identical submissions takes the first's verdicts; its report
    still names the student's own files, never the other student's or the folder graded."""
    for name in ("ann", "bob"):
        student = copy_kit(tmp_path / name, readme=True)
        solve(student)
        (student / "exercises" / EXERCISES[0].number / EXERCISES[0].files[0]).unlink()
    out = tmp_path / "out"
    done = run_checks(KIT, "grade", str(tmp_path / "ann"), str(tmp_path / "bob"), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    reports = {
        name: (out / name / "report.txt").read_text(encoding="utf-8") for name in ("ann", "bob")
    }
    totals = {
        name: json.loads((out / name / "results.json").read_text())["score"] for name in reports
    }
    assert totals["ann"] == totals["bob"] == (KIT_MAX - cents(EXERCISES[0].points)) / 100
    missing = Path("exercises", EXERCISES[0].number, EXERCISES[0].files[0])
    own = {name: str((tmp_path / name).resolve() / missing) for name in reports}
    assert own["ann"] in reports["ann"] and own["bob"] not in reports["ann"]
    assert own["bob"] in reports["bob"] and own["ann"] not in reports["bob"]
    assert all("/submission/" not in text for text in reports.values())  # never the kit's copy
