# Let the kit work the answers out.
from pathlib import Path

from checks import run_file

_runs = {p.name: run_file(p) for p in sorted(Path(__file__).parent.joinpath("mystery").glob("*.py"))}
STAGES = {name: run.stage.value for name, run in _runs.items()}
ERRORS = {name: run.error for name, run in _runs.items()}
