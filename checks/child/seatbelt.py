"""The same rules as Landlock's, as a macOS ``sandbox-exec`` profile (SBPL).

The parent launches a run under ``sandbox-exec`` with this profile on macOS
(``checks.run.sandbox``); the spec is the one ``checks.child.confine.build_spec`` makes. Written
from Apple's profile language as build tools use it, and reviewed by reading: the kit's own
tests run on Linux. Standard library only, like the rest of the child package.
"""

from __future__ import annotations

from checks.child.confine import inside, python_trees, strings

__all__ = ["seatbelt_profile"]


def seatbelt_profile(spec: dict[str, object]) -> str:
    """The same rules as a macOS ``sandbox-exec`` profile (SBPL), for the parent to launch with.

    Written from Apple's SBPL as build tools use it; not run on macOS by the kit's own tests.
    """

    def quoted(path: str) -> str:
        return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'

    reads = strings(spec.get("read"))
    writes = strings(spec.get("write"))
    hidden = strings(spec.get("hidden"))
    lines = [
        "(version 1)",
        "(deny default)",
        "(allow process-fork)",
        "(allow process-exec)",
        "(allow signal (target same-sandbox))",
        "(allow sysctl-read)",
        "(allow mach-lookup)",
        "(allow file-read-metadata)",
        '(allow file-read* file-write* (literal "/dev/null"))',
        '(allow file-read* (literal "/dev/urandom") (literal "/dev/random"))',
        (
            '(allow file-read* (subpath "/usr") (subpath "/System") (subpath "/Library/Frameworks")'
            ' (subpath "/private/var/db/dyld") (subpath "/bin") (literal "/private/etc/passwd"))'
        ),
    ]
    trees = python_trees()
    lines += [f"(allow file-read* (subpath {quoted(tree)}))" for tree in trees]
    # The last rule that matches decides: a hidden folder inside an allowed tree (the kit
    # inside a Python's prefix) is denied after that tree, and the run's own folders and the
    # extra reads are allowed after the denials (they may lie inside a hidden folder: /tmp).
    for folder in hidden:
        if any(inside(folder, tree) and folder != tree for tree in [*trees, "/usr"]):
            lines.append(f"(deny file-read* file-write* (subpath {quoted(folder)}))")
    lines += [f"(allow file-read* (subpath {quoted(path)}))" for path in reads]
    lines += [f"(allow file-read* file-write* (subpath {quoted(path)}))" for path in writes]
    # No socket of any kind (IP, Unix by path): denied by default, and said once more, last.
    lines.append("(deny network*)")
    return "\n".join(lines) + "\n"
