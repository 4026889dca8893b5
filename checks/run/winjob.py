"""Windows: a job object around each run of student code, for the limits Windows can hold.

Windows has no Landlock and no seatbelt: a student's program there can read and write what the
user can, and use the network (README says so). What a job object gives is kept: at most
``Limits.processes`` processes at once, at most ``Limits.memory`` bytes committed per process,
and every process of the run killed when the job's handle is closed (``KILL_ON_JOB_CLOSE``),
however it was started, so nothing outlives its run. The kit's tests run on Linux: this module
was written from Microsoft's documentation of ``CreateJobObjectW``,
``SetInformationJobObject`` (``JOBOBJECT_EXTENDED_LIMIT_INFORMATION``) and
``AssignProcessToJobObject``, and reviewed by reading. A call that fails leaves the run with
the kit's other limits (the timeout, the output cap, the process-tree kill), never a crash.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from checks.run.launched import Launched

__all__ = ["Job", "close", "contain"]

Job = int
"""A job object's handle."""

_LIMIT_ACTIVE_PROCESS = 0x0000_0008
_LIMIT_PROCESS_MEMORY = 0x0000_0100
_LIMIT_KILL_ON_JOB_CLOSE = 0x0000_2000
_EXTENDED_LIMIT_INFORMATION = 9
"""``JobObjectExtendedLimitInformation``, the information class set on the job."""


class _BasicLimits(ctypes.Structure):
    """``JOBOBJECT_BASIC_LIMIT_INFORMATION``."""

    _fields_ = (
        ("PerProcessUserTimeLimit", ctypes.c_int64),
        ("PerJobUserTimeLimit", ctypes.c_int64),
        ("LimitFlags", ctypes.c_uint32),
        ("MinimumWorkingSetSize", ctypes.c_size_t),
        ("MaximumWorkingSetSize", ctypes.c_size_t),
        ("ActiveProcessLimit", ctypes.c_uint32),
        ("Affinity", ctypes.c_size_t),
        ("PriorityClass", ctypes.c_uint32),
        ("SchedulingClass", ctypes.c_uint32),
    )


class _IoCounters(ctypes.Structure):
    """``IO_COUNTERS``."""

    _fields_ = tuple(
        (name, ctypes.c_uint64)
        for name in ("Reads", "Writes", "Others", "ReadBytes", "WriteBytes", "OtherBytes")
    )


class _ExtendedLimits(ctypes.Structure):
    """``JOBOBJECT_EXTENDED_LIMIT_INFORMATION``."""

    _fields_ = (
        ("BasicLimitInformation", _BasicLimits),
        ("IoInfo", _IoCounters),
        ("ProcessMemoryLimit", ctypes.c_size_t),
        ("JobMemoryLimit", ctypes.c_size_t),
        ("PeakProcessMemoryUsed", ctypes.c_size_t),
        ("PeakJobMemoryUsed", ctypes.c_size_t),
    )


def _kernel32() -> Any:
    library: Any = getattr(ctypes, "WinDLL")  # noqa: B009 - only Windows has it
    kernel32 = library("kernel32", use_last_error=True)
    kernel32.CreateJobObjectW.restype = ctypes.c_void_p
    kernel32.CreateJobObjectW.argtypes = (ctypes.c_void_p, ctypes.c_wchar_p)
    kernel32.SetInformationJobObject.argtypes = (
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.c_void_p,
        ctypes.c_uint32,
    )
    kernel32.AssignProcessToJobObject.argtypes = (ctypes.c_void_p, ctypes.c_void_p)
    kernel32.CloseHandle.argtypes = (ctypes.c_void_p,)
    return kernel32


def contain(proc: Launched, *, processes: int, memory: int) -> Job | None:
    """Put a just-started child in a job with these limits; None where it cannot be done."""
    if sys.platform != "win32":
        return None
    try:  # pragma: no cover - Windows: reviewed by reading, not run here
        kernel32 = _kernel32()
        job = kernel32.CreateJobObjectW(None, None)
        if not job:
            return None
        info = _ExtendedLimits()
        info.BasicLimitInformation.LimitFlags = (
            _LIMIT_ACTIVE_PROCESS | _LIMIT_PROCESS_MEMORY | _LIMIT_KILL_ON_JOB_CLOSE
        )
        info.BasicLimitInformation.ActiveProcessLimit = processes
        info.ProcessMemoryLimit = memory
        handle = int(getattr(proc, "_handle"))  # noqa: B009 - Popen's process handle (Windows)
        size = ctypes.sizeof(info)
        if not kernel32.SetInformationJobObject(
            job, _EXTENDED_LIMIT_INFORMATION, ctypes.byref(info), size
        ) or not kernel32.AssignProcessToJobObject(job, handle):
            kernel32.CloseHandle(job)
            return None
        return int(job)
    except (OSError, AttributeError, ValueError):  # pragma: no cover - Windows
        return None


def close(job: Job | None) -> None:
    """Close the job: every process still in it is killed (``KILL_ON_JOB_CLOSE``)."""
    if job is None or sys.platform != "win32":
        return
    try:  # pragma: no cover - Windows: reviewed by reading, not run here
        _kernel32().CloseHandle(job)
    except (OSError, AttributeError):  # pragma: no cover - Windows
        return
