"""Exercise 07: .pyc files and __pycache__, checked on real files and a live experiment.

The core (the answers, cache_path, the .gitignore) carries 8 of the 10 points; going further
(read_header, is_stale) the other 2: the weights below.
"""

import pytest

from checks import gitignore, pyc, pycache


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    """Real sample sources and .pyc files, made afresh for each check (mtimes drawn at random)."""
    return pyc.make_samples(tmp_path_factory.mktemp("pycache") / "samples")


# --- the core: which files get a .pyc, where, and why git never sees them ---


@pytest.mark.points(2)
def test_answers_agree_with_the_experiment(exercise, tmp_path):
    """MAIN_SCRIPT_GETS_PYC and IMPORTED_MODULE_GETS_PYC say what running main.py really leaves."""
    seen = pycache.experiment(tmp_path / "experiment")
    report = pycache.try_student(exercise, answers=True)
    pycache.expect_answers(report, seen)


@pytest.mark.points(2)
def test_cache_path_agrees_with_importlib(exercise, samples):
    """cache_path(source) names the file importlib.util.cache_from_source names, for each source."""
    report = pycache.try_student(exercise, samples, cache_paths=True)
    pycache.expect_cache_paths(report, samples)


@pytest.mark.points(1)
def test_cache_path_asks_for_the_tag(exercise, samples):
    """cache_path follows sys.implementation.cache_tag, so it is right on every Python."""
    report = pycache.try_student(exercise, samples, cache_paths=True)
    pycache.expect_cache_paths(report, samples, other_tag=True)


@pytest.mark.points(3)
def test_gitignore_ignores_bytecode(exercise):
    """project/.gitignore hides every __pycache__/ folder and every .pyc file from git."""
    gitignore.expect_gitignore_ignores(exercise.student_file("project/.gitignore"))


@pytest.mark.guard
def test_gitignore_keeps_the_project(exercise):
    """project/.gitignore leaves the sources, the README and itself to git."""
    gitignore.expect_gitignore_keeps(exercise.student_file("project/.gitignore"))


# --- going further: what a .pyc's header says about its source -------------


@pytest.mark.going_further
@pytest.mark.points(1)
def test_read_header(exercise, samples):
    """read_header gives the magic number, flags, mtime and source size of real .pyc files."""
    report = pycache.try_student(exercise, samples, headers=True)
    pycache.expect_headers(report, samples)


@pytest.mark.going_further
@pytest.mark.points(0.5)
def test_is_stale_timestamp_pycs(exercise, samples):
    """is_stale is False for a fresh timestamp pyc and True once the source's mtime or size moved."""
    report = pycache.try_student(exercise, samples, staleness=True)
    pycache.expect_staleness(report, samples, hash_based=False)


@pytest.mark.going_further
@pytest.mark.points(0.5)
def test_is_stale_hash_based_pycs(exercise, samples):
    """is_stale compares a hash-based pyc's hash with the source's: only a change of text counts."""
    report = pycache.try_student(exercise, samples, staleness=True)
    pycache.expect_staleness(report, samples, hash_based=True)
