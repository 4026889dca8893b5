"""Classroom 50: the bundle a teacher commits, and the result.json it leaves in a checkout.

The bundle is built for real and its grading run on a student's checkout the way Classroom 50's
runner runs it (working folder at the checkout, the runner's variables set); the result is held
against the runner's contract. The kit's own environment stands in for the uv the autograder
installs, so the test stays offline and quick; the autograder's own path, when the kit cannot
run, is run as the runner runs it.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from checks.grade import classroom50
from checks.manifest import load_all
from checks.model import cents
from tests.support import KIT, copy_kit, solve

ENV = {
    "CLASSROOM": "python-101",
    "ASSIGNMENT": "runs-your-file",
    "SUBMISSION_TAG": "submit/20261202T031500Z-abc1234",
    "USERNAME": "alice",
    "OWNER": "alice",
    "ASSIGNMENT_TYPE": "individual",
    "COMMIT_URL": "https://github.com/school/runs-your-file-alice/commit/abc1234",
    "RELEASE_URL": "https://github.com/school/runs-your-file-alice/releases/tag/submit",
    "REVIEW_URL": "https://github.com/school/runs-your-file-alice/compare/a...b",
}


def contract_errors(data: Any) -> list[str]:
    """What in ``data`` breaks Classroom 50's result.json contract (empty when it holds)."""
    errors: list[str] = []
    if not isinstance(data, dict):
        return ["not a JSON object"]
    if data.get("schema") != classroom50.SCHEMA:
        errors.append(f"schema is {data.get('schema')!r}")
    for key in ("classroom", "assignment", "owner", "commit", "release", "review"):
        if not isinstance(data.get(key), str) or not data[key]:
            errors.append(f"{key} must be a non-empty string")
    if not str(data.get("submission", "")).startswith("submit/"):
        errors.append("submission must be a submit/* tag")

    def whole(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0

    if not whole(data.get("score")) or not whole(data.get("max-score")):
        errors.append("score and max-score must be non-negative integers")
    elif data["score"] > data["max-score"]:
        errors.append("score > max-score")
    tests = data.get("tests")
    if not isinstance(tests, list):
        return [*errors, "tests is not a list"]
    names = [t.get("test-name") for t in tests if isinstance(t, dict)]
    if len(names) != len(tests) or len(set(names)) != len(names):
        errors.append("test names must be unique, one per test")
    for test in tests:
        if not isinstance(test, dict) or not isinstance(test.get("test-name"), str):
            errors.append(f"bad test {test!r}")
            continue
        if not test["test-name"] or not isinstance(test.get("passed"), bool):
            errors.append(f"{test['test-name']!r}: a name and a boolean passed")
        if not whole(test.get("score")) or not whole(test.get("max-score")):
            errors.append(f"{test['test-name']!r}: integer score and max-score")
        elif test["score"] > test["max-score"]:
            errors.append(f"{test['test-name']!r}: score > max-score")
    return errors


def _checkout(tmp_path: Path, solved: tuple[str, ...]) -> Path:
    """A student's checkout of the handout, with the given exercises solved."""
    return solve(copy_kit(tmp_path / "runs-your-file-alice", readme=True), solved)


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in ("result.json", "release-body.md")
    }


def test_the_bundle_holds_the_pristine_kit_under_the_cap(tmp_path: Path) -> None:
    """The bundle is autograder.py beside the kit, with no solutions or kit tests, under 10 MB."""
    size = classroom50.build_bundle(tmp_path / "bundle")
    assert 0 < size < classroom50.BUNDLE_CAP
    top = sorted(p.name for p in (tmp_path / "bundle").iterdir())
    assert top == ["autograder.py", "kit"]
    kit = tmp_path / "bundle" / "kit"
    assert not (kit / "solutions").exists()
    assert not (kit / "tests").exists()
    assert (kit / "exercises" / "01" / "test_hello.py").is_file()
    info = json.loads((kit / "classroom50.json").read_text(encoding="utf-8"))
    assert info["max-score"] * 100 == sum(cents(e.points) for e in load_all())


@pytest.mark.end_to_end
def test_a_half_solved_checkout_gets_its_result_within_the_contract(tmp_path: Path) -> None:
    """01 to 05 solved, every test and conftest.py rewritten: 50 of 100, the student's files
    unchanged, result.json, release-body.md and the step outputs written."""
    checkout = _checkout(tmp_path, ("01", "02", "03", "04", "05"))
    for test in checkout.glob("exercises/*/test_*.py"):
        test.write_text("def test_anything():\n    pass\n", encoding="utf-8")
    (checkout / "conftest.py").write_text("collect_ignore_glob = ['*']\n", encoding="utf-8")
    before = _digest(checkout)
    outputs = tmp_path / "github-output"
    done = subprocess.run(
        [sys.executable, "-m", "checks.grade.classroom50", str(checkout)],
        cwd=KIT,
        env={**os.environ, **ENV, "GITHUB_OUTPUT": str(outputs)},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads((checkout / "result.json").read_text(encoding="utf-8"))
    assert contract_errors(data) == []
    assert (data["score"], data["max-score"]) == (50, 100)
    assert [t["passed"] for t in data["tests"]] == [True] * 5 + [False] * 5
    assert data["owner"] == "alice"
    assert data["classroom"] == ENV["CLASSROOM"]
    assert _digest(checkout) == before
    body = (checkout / "release-body.md").read_text(encoding="utf-8")
    assert "| 06 " in body
    assert "not written yet" in body  # a failure's teaching message
    assert "checks-grade-" not in body  # never the kit's temporary folder
    assert "  - conftest.py (changed)" in body  # what else the student changed, listed
    said = outputs.read_text(encoding="utf-8")
    assert "status=failure\n" in said
    assert "summary=50/100 points" in said


def test_the_autograder_says_0_of_the_maximum_when_the_kit_cannot_run(tmp_path: Path) -> None:
    """With a uv that fails, autograder.py still exits 0 and writes 0 of 100 with the reason."""
    bundle = tmp_path / "bundle"
    classroom50.build_bundle(bundle)
    tools = tmp_path / "bin"
    tools.mkdir()
    broken = tools / "uv"
    broken.write_text("#!/bin/sh\necho 'uv: no network' >&2\nexit 3\n", encoding="utf-8")
    broken.chmod(0o755)
    checkout = _checkout(tmp_path, ())
    (checkout / "result.json").write_text('{"score": 100}', encoding="utf-8")  # a planted one
    outputs = tmp_path / "github-output"
    env = {
        **ENV,
        "PATH": f"{tools}{os.pathsep}{os.environ.get('PATH', '')}",
        "CLASSROOM50_BUNDLE_DIR": str(bundle),
        "GITHUB_OUTPUT": str(outputs),
        "HOME": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, str(bundle / "autograder.py")],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads((checkout / "result.json").read_text(encoding="utf-8"))
    assert contract_errors(data) == []
    assert (data["score"], data["max-score"]) == (0, 100)
    assert sum(t["max-score"] for t in data["tests"]) == 100
    assert "no network" in data["notes"][0]
    assert "status=error" in outputs.read_text(encoding="utf-8")
