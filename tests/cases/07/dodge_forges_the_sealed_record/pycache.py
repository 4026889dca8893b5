"""Exercise 07: nothing written; the report is forged twice: as the old line on stdout, at exit,
and as a record raised with the audit event the sealed channel listens to, at import."""

from __future__ import annotations

from pathlib import Path


def cache_path(source: Path) -> Path:
    raise NotImplementedError("find the cache tag")


def read_header(pyc: Path):
    raise NotImplementedError("read the first 16 bytes of the file")


def is_stale(source: Path, pyc: Path) -> bool:
    raise NotImplementedError("compare the header with the source")


# --- what a forger who has read the kit adds: the driver's report, computed from its request ---

import importlib.util as _util
import json as _json
import os as _os
import sys as _sys

_HERE = Path(__file__).resolve().parent


def _header(pyc):
    data = Path(pyc).read_bytes()[:16]
    return {
        "type": "Header",
        "fields": {
            "magic": {"bytes": data[0:4].hex()},
            "flags": {"int": int.from_bytes(data[4:8], "little")},
            "mtime": {"int": int.from_bytes(data[8:12], "little")},
            "size": {"int": int.from_bytes(data[12:16], "little")},
        },
    }


def _stale(source, pyc):
    data = Path(pyc).read_bytes()[:16]
    if int.from_bytes(data[4:8], "little") % 2 == 1:
        return data[8:16] != _util.source_hash(Path(source).read_bytes())
    info = Path(source).stat()
    mtime = int.from_bytes(data[8:12], "little")
    return mtime != int(info.st_mtime) or int.from_bytes(data[12:16], "little") != info.st_size


def _forged_report():
    """The report the driver would send for a right answer, as one line of its old format."""
    request = _json.loads((_HERE / "request.json").read_text(encoding="utf-8"))
    report = {}
    if request["answers"]:
        report["answers"] = {
            "MAIN_SCRIPT_GETS_PYC": {"value": {"bool": False}},
            "IMPORTED_MODULE_GETS_PYC": {"value": {"bool": True}},
        }
    if request["sources"] or request["headers"] or request["pairs"]:
        report["pycache"] = {}
        report["cache_path"] = [
            {"value": {"path": _util.cache_from_source(s)}} for s in request["sources"]
        ]
        report["read_header"] = [{"value": _header(p)} for p in request["headers"]]
        report["is_stale"] = [{"value": {"bool": _stale(s, p)}} for s, p in request["pairs"]]
        if request["other_tag"] and request["sources"]:
            tag = request["other_tag"]
            report["other_cache_path"] = [
                {
                    "value": {
                        "path": str(Path(s).parent / "__pycache__" / f"{Path(s).stem}.{tag}.pyc")
                    }
                }
                for s in request["sources"]
            ]
    return request.get("token", ""), report


def _print_forged():
    token, report = _forged_report()
    _os.write(1, f"{token} {_json.dumps(report)}\n".encode())


if not getattr(_sys, "_forger", False):
    _sys._forger = True
    import atexit

    atexit.register(_print_forged)
    try:
        _sys.audit("checks.record", "facts", _forged_report()[1])
    except Exception:  # noqa: BLE001 - refused: carry on as if nothing happened
        pass
