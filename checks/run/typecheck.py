"""Pyright's findings as data, and the comments that try to silence it.

Pyright runs as a child process over many files at once (one run over twenty files costs about
what one run over one file costs), from the kit's root so that ``[tool.pyright]`` in
``pyproject.toml`` pins the Python version, platform and checking mode. Its ``--outputjson`` is
read, never its text, and its exit status decides nothing: a crash and "errors found" both exit
1, so a pyright that cannot run raises ``TypecheckError`` instead of looking like a clean file.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import threading
import time
import tokenize
from collections.abc import Callable, Iterable
from dataclasses import replace
from importlib import metadata
from pathlib import Path
from typing import cast

import psutil

from checks.cache import load_json, store_json
from checks.manifest import KIT_ROOT
from checks.model import Finding, Suppression
from checks.run.limits import kill_tree

__all__ = [
    "CACHE_FOLDER",
    "PYRIGHT_TIMEOUT",
    "TypecheckError",
    "in_plain_words",
    "pyright_command",
    "run_pyright",
    "suppressions",
]

PYRIGHT_TIMEOUT = 180.0
"""Seconds one pyright run may take before the kit gives up on it."""

CACHE_FOLDER = "pyright"
"""The folder of a shared cache (pytest's ``--checks-cache``) that holds pyright's findings:
the one ``checks grade`` and ``checks dev check`` fill ahead, in one pyright run, for every
pytest run that follows."""

# What pyright itself honours: `type: ignore` or a `pyright:` directive at the start of a
# comment or right after a `#` inside it (its tokenizer's rule).
_SUPPRESSION = re.compile(r"#\s*(?:type:\s*ignore(?:\[[\s\w,-]*\]|\s|$)|pyright:\s*[\w\[])")


# Pyright's two ways of saying a value does not fit a hint: in an assignment's detail lines, and
# in an argument's message.
_NOT_ASSIGNABLE = re.compile(r'"(?P<value>[^"]+)" is not assignable to "(?P<hint>[^"]+)"')
_ARGUMENT = re.compile(
    r'Argument of type "(?P<value>[^"]+)" cannot be assigned to parameter "(?P<param>[^"]+)" '
    r'of type "(?P<hint>[^"]+)"'
)
_LITERAL = re.compile(r"^Literal\[(?P<inner>.+)\]$")
HINT_WORDS = {
    "int": "int, a whole number such as 4",
    "float": "float, a number such as 1.20",
    "str": "str, text in quotes",
    "bool": "bool, True or False",
}
"""How the messages name the type a hint asks for."""


class TypecheckError(Exception):
    """Pyright could not give findings: it is missing, crashed, or said something unreadable."""


def pyright_command() -> list[str]:
    """The command that starts pyright: the one installed beside this interpreter."""
    scripts = Path(sys.executable).parent
    for name in ("pyright", "pyright.exe"):
        candidate = scripts / name
        if candidate.exists():
            return [str(candidate)]
    found = shutil.which("pyright")
    if found:
        return [found]
    msg = (
        "pyright is not installed next to this Python. Run `uv sync` in the kit's folder, "
        "then check again."
    )
    raise TypecheckError(msg)


def _cache_key(file: Path, root: Path) -> str:
    """What decides pyright's findings for ``file``: its folder's sources, the config, the version."""
    digest = hashlib.sha256()
    digest.update(f"pyright {_pyright_version()}\0{file.name}\0".encode())
    digest.update((root / "pyproject.toml").read_bytes())
    for source in sorted(file.parent.glob("*.py*")):
        if source.is_file():
            digest.update(b"\0" + source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


@functools.cache
def _pyright_version() -> str:
    try:
        return metadata.version("pyright")
    except metadata.PackageNotFoundError:
        return "unknown"


def _load(cache: Path, key: str, file: Path) -> list[Finding] | None:
    stored = load_json(cache, key)
    if stored is None:
        return None
    return [
        Finding(
            file=file,
            rule=str(item.get("rule", "")),
            severity=str(item.get("severity", "")),
            line=_int(item.get("line")),
            column=_int(item.get("column")),
            message=str(item.get("message", "")),
        )
        for item in _dicts(stored)
    ]


def _store(cache: Path, key: str, findings: list[Finding]) -> None:
    records = [
        {
            "rule": f.rule,
            "severity": f.severity,
            "line": f.line,
            "column": f.column,
            "message": f.message,
        }
        for f in findings
    ]
    store_json(cache, key, records)


def run_pyright(
    files: Iterable[Path],
    *,
    root: Path = KIT_ROOT,
    cache: Path | None = None,
    launched: Callable[[], None] | None = None,
    cancel: threading.Event | None = None,
) -> dict[Path, list[Finding]]:
    """Return pyright's findings for each (resolved) file, from one pyright run at most.

    With ``cache``, a file whose findings were stored under the same key (its folder's sources,
    pyright's version and configuration) is answered from there, and pyright runs only over
    the others, if any. Setting ``cancel`` stops a pyright run still going (``TypecheckError``).
    """
    wanted = sorted({f.resolve() for f in files})
    result: dict[Path, list[Finding]] = {}
    keys: dict[Path, str] = {}
    for file in wanted:
        if cache is not None:
            keys[file] = _cache_key(file, root)
            cached = _load(cache, keys[file], file)
            if cached is not None:
                result[file] = cached
                continue
    missing = [f for f in wanted if f not in result]
    # Files with the same key (two students' identical files) are checked once, by the first.
    first: dict[str, Path] = {}
    for file in missing:
        first.setdefault(keys.get(file, str(file)), file)
    if missing:
        if launched is not None:
            launched()
        fresh = _run_pyright(list(first.values()), root, cancel)
        for file in missing:
            checked = first[keys.get(file, str(file))]
            result[file] = [replace(f, file=file) for f in fresh.get(checked, [])]
            if cache is not None and checked == file:
                _store(cache, keys[file], result[file])
    return result


def _run_pyright(
    wanted: list[Path], root: Path, cancel: threading.Event | None = None
) -> dict[Path, list[Finding]]:
    """Run pyright once over ``wanted`` and return the findings of each file."""
    result: dict[Path, list[Finding]] = {f: [] for f in wanted}
    command = [*pyright_command(), "--outputjson", "-p", str(root / "pyproject.toml")]
    try:
        process = subprocess.Popen(
            [*command, *map(str, wanted)],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )
    except OSError as error:
        msg = f"pyright could not run: {error}"
        raise TypecheckError(msg) from error
    stdout, stderr = _wait(process, cancel)
    try:
        report = _dict(json.loads(stdout.decode("utf-8", "replace")))
    except ValueError:
        report = {}
    # 0: no errors, 1: errors found; 2 (fatal), 3 (no config) and 4 (bad arguments) may still
    # print a report, but one made without the kit's configuration cannot be trusted.
    if "generalDiagnostics" not in report or process.returncode not in (0, 1):
        said = (stderr or stdout).decode("utf-8", "replace").strip()[-2000:]
        msg = f"pyright stopped without a report (exit status {process.returncode}):\n{said}"
        raise TypecheckError(msg)
    for item in _dicts(report.get("generalDiagnostics")):
        file = Path(str(item.get("file", ""))).resolve()
        start = _dict(_dict(item.get("range")).get("start"))
        finding = Finding(
            file=file,
            rule=str(item.get("rule", "")),
            severity=str(item.get("severity", "error")),
            line=_int(start.get("line")) + 1,
            column=_int(start.get("character")) + 1,
            message=str(item.get("message", "")),
        )
        result.setdefault(file, []).append(finding)
    return result


def _wait(process: subprocess.Popen[bytes], cancel: threading.Event | None) -> tuple[bytes, bytes]:
    """Pyright's output once it ends; kill it past ``PYRIGHT_TIMEOUT`` or once ``cancel`` is set."""
    deadline = time.monotonic() + PYRIGHT_TIMEOUT
    while True:
        try:
            return process.communicate(timeout=0.05 if cancel is not None else PYRIGHT_TIMEOUT)
        except subprocess.TimeoutExpired:
            over = time.monotonic() > deadline
            if over or (cancel is not None and cancel.is_set()):
                _end(process)
                why = f"it took more than {PYRIGHT_TIMEOUT:g} seconds" if over else "cancelled"
                msg = f"pyright could not run: {why}"
                raise TypecheckError(msg) from None
        except BaseException:
            _end(process)
            raise


def _end(process: subprocess.Popen[bytes]) -> None:
    """Kill pyright and the node it started: node holds the output pipes, so killing the
    wrapper alone left node running and the run waiting for it to finish."""
    try:
        kill_tree(psutil.Process(process.pid), None)
    except psutil.Error:
        process.kill()
    process.communicate()


def _dict(value: object) -> dict[str, object]:
    return cast("dict[str, object]", value) if isinstance(value, dict) else {}


def _dicts(value: object) -> list[dict[str, object]]:
    items: list[object] = cast("list[object]", value) if isinstance(value, list) else []
    return [found for item in items if (found := _dict(item))]


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def suppressions(file: Path) -> list[Suppression]:
    """Find the comments in ``file`` that tell a type checker to look away.

    ``# type: ignore``, ``# pyright: ignore[...]`` and file-level ``# pyright: basic`` (or any
    other ``# pyright:`` directive) are found in comment tokens only, so a string that merely
    contains the words is not one.
    """
    found: list[Suppression] = []
    try:
        data = file.read_bytes()
        tokens = list(tokenize.tokenize(io.BytesIO(data).readline))
    except (OSError, SyntaxError, tokenize.TokenError):
        return found
    for token in tokens:
        if token.type == tokenize.COMMENT and _SUPPRESSION.search(token.string):
            found.append(Suppression(file=file, line=token.start[0], text=token.string.strip()))
    return found


def in_plain_words(findings: Iterable[Finding], tree: ast.Module | None) -> list[str]:
    """Each value pyright found not fitting its hint, said for a beginner: which value, on which
    line (the value's own line, found in the syntax tree), and what the hint asks for."""
    said: list[str] = []
    for finding in findings:
        if finding.severity != "error":
            continue
        pairs = [m.groupdict() for m in _ARGUMENT.finditer(finding.message)]
        if not pairs:
            pairs = [m.groupdict() for m in _NOT_ASSIGNABLE.finditer(finding.message)]
            pairs = [p for p in pairs if _LITERAL.match(p["value"]) or p["value"] in HINT_WORDS]
            pairs = pairs[1:] if len(pairs) > 1 and "[" in pairs[0]["hint"] else pairs
        for pair in pairs:
            said.append(_one_value(finding, pair, tree))
    return list(dict.fromkeys(said))


def _one_value(finding: Finding, pair: dict[str, str], tree: ast.Module | None) -> str:
    """One sentence: ``line 26: '4' is text (in quotes), but the hint there says int ...``."""
    hint = HINT_WORDS.get(pair["hint"], pair["hint"])
    where = f" (parameter {pair['param']})" if pair.get("param") else ""
    literal = _LITERAL.match(pair["value"])
    if literal is None:
        kind = {"str": "text", "int": "a whole number", "float": "a number"}.get(
            pair["value"], f"a {pair['value']}"
        )
        return f"line {finding.line}: a value is {kind}, but the hint{where} says {hint}."
    try:
        value: object = ast.literal_eval(literal["inner"])
    except (ValueError, SyntaxError):
        return f"line {finding.line}: {literal['inner']} does not fit the hint{where}: {hint}."
    line = _line_of(value, finding.line, tree)
    kind = (
        "text (it is in quotes)"
        if isinstance(value, str)
        else "a whole number"
        if isinstance(value, int) and not isinstance(value, bool)
        else f"a {type(value).__name__}"
    )
    fix = (
        f" Write it without the quotes: {value}."
        if isinstance(value, str) and _is_number(value) and pair["hint"] in ("int", "float")
        else ""
    )
    return f"line {line}: {value!r} is {kind}, but the hint{where} says {hint}.{fix}"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _line_of(value: object, line: int, tree: ast.Module | None) -> int:
    """The line of the constant ``value`` in the statement pyright pointed at (else ``line``)."""
    if tree is None:
        return line
    for statement in ast.walk(tree):
        if not isinstance(statement, ast.stmt) or statement.lineno != line:
            continue
        for node in ast.walk(statement):
            if (
                isinstance(node, ast.Constant)
                and type(node.value) is type(value)  # pyright: ignore[reportUnknownArgumentType]
                and node.value == value
            ):
                return node.lineno
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and node.lineno >= line
            and type(node.value) is type(value)  # pyright: ignore[reportUnknownArgumentType]
            and node.value == value
        ):
            return node.lineno
    return line
