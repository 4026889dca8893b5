"""A kit-owned driver imports the standard library from the interpreter, never from the copy.

A student may leave beside a driver a file named as a module of the standard library: a
``random.py``, or a compiled ``random.cpython-*.so`` (which raises no audit event, so the
driver's confinement would not wait for it). Each writes a marker outside the copy when it
loads; the marker must never appear, and the driver goes on with the real module.
"""

from __future__ import annotations

import shutil
import subprocess
import sysconfig
import textwrap
from collections.abc import Generator
from pathlib import Path

import pytest

from checks.run import sandbox
from checks.run.program import run_file
from tests.support import KIT

CONFINED = sandbox.probe()
needs_confinement = pytest.mark.skipif(
    not sandbox.confined(CONFINED), reason=f"cannot confine here: {CONFINED}"
)
COMPILER = shutil.which("cc")
needs_compiler = pytest.mark.skipif(COMPILER is None, reason="no C compiler (cc) to build a module")
SUFFIX = str(sysconfig.get_config_var("EXT_SUFFIX") or ".so")
DRIVER = """
import random
print("drew", random.randint(7, 7), random.__name__)
try:
    import student
except BaseException as error:
    print("student:", type(error).__name__)
else:
    print("student:", student.ANSWER)
"""


@pytest.fixture(autouse=True)
def _default_mode() -> Generator[None, None, None]:
    """Each test starts and ends with the default mode."""
    sandbox.use(sandbox.DEFAULT_MODE)
    yield
    sandbox.use(sandbox.DEFAULT_MODE)


def _native(folder: Path, name: str, marker: Path) -> Path:
    """Build ``name`` as a compiled module whose loading writes ``marker`` (no Python.h)."""
    source = folder.parent / f"{name}.c"
    source.write_text(
        textwrap.dedent(
            f"""
            #include <stdio.h>
            void *PyInit_{name}(void) {{
                FILE *f = fopen({str(marker)!r}, "w");
                if (f) {{ fputs("loaded", f); fclose(f); }}
                return 0;
            }}
            """
        ).replace("'", '"'),
        encoding="utf-8",
    )
    built = folder / f"{name}{SUFFIX}"
    assert COMPILER is not None
    subprocess.run(
        [COMPILER, "-shared", "-fPIC", "-o", str(built), str(source)], check=True, timeout=120
    )
    return built


def _exercise(tmp_path: Path, student: str = "ANSWER = 42\n") -> tuple[Path, Path]:
    """A folder with the driver and a student's module; the marker path, outside it."""
    folder = tmp_path / "exercise"
    folder.mkdir()
    (folder / "driver.py").write_text(DRIVER, encoding="utf-8")
    (folder / "student.py").write_text(student, encoding="utf-8")
    return folder, tmp_path / "marker.txt"


@needs_confinement
@needs_compiler
def test_a_compiled_module_beside_a_driver_is_never_loaded(tmp_path: Path) -> None:
    """``random.cpython-*.so`` beside the driver: the driver's ``import random`` is the
    interpreter's own, and nothing of the student's file ran."""
    folder, marker = _exercise(tmp_path)
    _native(folder, "random", marker)
    run = run_file(folder / "driver.py", cached=False, helpers=True)
    assert not marker.exists(), "the student's compiled module was loaded"
    assert run.lines == ["drew 7 random", "student: 42"], run.output
    assert run.confinement == CONFINED


@needs_confinement
def test_a_python_file_named_as_the_standard_library_is_not_the_drivers(tmp_path: Path) -> None:
    """``random.py`` beside the driver: the driver still gets the real ``random``."""
    folder, marker = _exercise(tmp_path)
    (folder / "random.py").write_text(
        f"open({str(marker)!r}, 'w').write('loaded')\ndef randint(a, b):\n    return 0\n",
        encoding="utf-8",
    )
    run = run_file(folder / "driver.py", cached=False, helpers=True)
    assert not marker.exists(), "the student's random.py ran"
    assert run.lines == ["drew 7 random", "student: 42"], run.output


@needs_confinement
@needs_compiler
def test_a_compiled_student_module_is_confined_before_it_loads(tmp_path: Path) -> None:
    """A module the driver imports by name (07's ``answers``), compiled: confined first, so
    it writes nothing outside the copy; the driver sees a failed import, not a crash."""
    folder, marker = _exercise(tmp_path)
    (folder / "student.py").unlink()
    _native(folder, "student", marker)
    run = run_file(folder / "driver.py", cached=False, helpers=True)
    assert not marker.exists(), "the compiled module ran unconfined"
    assert run.lines[0] == "drew 7 random", run.output
    assert run.lines[1].startswith("student: "), run.output
    assert run.confinement == CONFINED


@needs_confinement
@needs_compiler
def test_exercise_10s_driver_with_a_compiled_random_beside_it(tmp_path: Path) -> None:
    """Exercise 10's own driver, with a right answer and both kinds of ``random`` laid into its
    folder's copy: the module never loads and the driver reports its facts as usual."""
    exercise = KIT / "exercises" / "10"
    shadows = tmp_path / "shadows"
    shadows.mkdir()
    marker = tmp_path / "marker.txt"
    native = _native(shadows, "random", marker)
    source = shadows / "random.py"
    source.write_text(f"open({str(marker)!r}, 'w').write('loaded')\n", encoding="utf-8")
    overlays = {
        "loops.py": KIT / "solutions" / "10" / "loops.py",
        native.name: native,
        "random.py": source,
    }
    run = run_file(
        exercise / "driver.py", folder=exercise, overlays=overlays, cached=False, helpers=True
    )
    assert not marker.exists(), "a student's random module was loaded"
    assert run.exit_status == 0, run.output
    assert run.facts_ended and not run.tampered, run.output
    assert "Traceback" not in run.output, run.output


@needs_confinement
def test_a_python_file_named_as_the_standard_library_is_not_the_trials(tmp_path: Path) -> None:
    """``random.py`` beside a file whose functions the kit tries: the kit's own imports never
    load it (it would run unconfined); the student's own ``import random`` still finds it."""
    folder, marker = _exercise(tmp_path, "import random\n\n\ndef answer():\n    return 42\n")
    (folder / "random.py").write_text(
        f"open({str(marker)!r}, 'a').write('ran')\n", encoding="utf-8"
    )
    run = run_file(folder / "student.py", cached=False, calls=[repr(("answer", ()))])
    assert run.facts_ended and not run.tampered, run.output
    kinds = [kind for kind, _ in run.facts]
    assert kinds == ["loaded", "answer"], run.facts
    # Loaded once, by the student's own import, confined: it cannot write outside its copy.
    assert not marker.exists(), "random.py ran where it could write outside its copy"
