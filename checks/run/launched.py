"""What the kit uses of a run's launcher process, however it was started: by ``Popen``, or
forked by a fork server and adopted by this process (``checks.run.forks``)."""

from __future__ import annotations

from typing import IO, Protocol

__all__ = ["Launched"]


class Launched(Protocol):
    """A launcher: this process's child, with pipes to its standard streams."""

    @property
    def pid(self) -> int: ...

    @property
    def returncode(self) -> int | None: ...

    @property
    def stdin(self) -> IO[bytes] | None: ...

    @property
    def stdout(self) -> IO[bytes] | None: ...

    @property
    def stderr(self) -> IO[bytes] | None: ...

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int: ...

    def send_signal(self, sig: int) -> None: ...

    def kill(self) -> None: ...
