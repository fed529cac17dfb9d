"""Filesystem confinement of a grading kernel: Landlock on Linux, process isolation elsewhere.

The grader decides a *policy* (which paths the kernel may read, and the one directory it may
write), the launcher (``course.grading.launcher``) applies it in the kernel's own process before
exec'ing ipykernel. Landlock (Linux >= 5.13, no root needed) is the only confinement used; where it
is missing the kernel still runs in its own process, on a copy, in a temporary directory, with
resource limits, and :func:`describe` says so.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path
from typing import Any

# System files a Python kernel reads at start-up (dynamic loader, time zone, user database, fonts).
# /etc as a whole is not granted: it holds files (e.g. /etc/shadow) a submission has no use for.
_SYSTEM_DIRS = ("/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/proc",
                "/sys/devices/system/cpu", "/etc/fonts", "/etc/ld.so.conf.d", "/etc/ssl")
_SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime", "/etc/passwd",
                 "/etc/group", "/etc/nsswitch.conf", "/etc/mime.types", "/etc/os-release",
                 "/etc/timezone", "/dev/urandom", "/dev/random", "/dev/zero")
_WRITABLE_FILES = ("/dev/null",)


def landlock_status() -> tuple[bool, str]:
    """Whether Landlock can be used here, and a reason (the ABI version, or why not)."""
    if platform.system() != "Linux":
        return False, f"Landlock exists only on Linux (this is {platform.system()})"
    try:
        import landlock
    except ImportError:
        return False, "the `landlock` package is not installed (pip install landlock)"
    try:
        abi = int(landlock.landlock_abi_version())
    except Exception as e:  # noqa: BLE001 - any failure means "not available", with its reason
        reason = getattr(e, "reason", None) or str(e).splitlines()[0]
        return False, f"Landlock is not usable on kernel {platform.release()}: {reason}"
    return True, f"Landlock ABI {abi} on Linux {platform.release()}"


def resolve_mode(requested: str = "auto") -> str:
    """``"landlock"`` or ``"none"`` for a requested mode ``auto``/``landlock``/``none``.

    ``landlock`` requested where it is unavailable is an error naming the fix."""
    if requested not in ("auto", "landlock", "none"):
        raise ValueError(f"confinement must be auto, landlock or none, got {requested!r}")
    if requested == "none":
        return "none"
    ok, reason = landlock_status()
    if ok:
        return "landlock"
    if requested == "landlock":
        raise RuntimeError(f"--confinement landlock was asked for, but {reason}; "
                           "use --confinement auto to grade with process isolation only")
    return "none"


def describe(mode: str | None = None) -> str:
    """One sentence saying which confinement grading uses here (``course doctor`` prints it)."""
    ok, reason = landlock_status()
    if mode is None:
        mode = "landlock" if ok else "none"
    if mode == "landlock":
        return (f"Landlock ({reason}): each grading kernel reads only the Python environment and "
                "the course packages and writes only its own temporary directory; "
                "plus process isolation and time/memory limits.")
    why = "switched off (--confinement none)" if ok else f"unavailable: {reason}"
    return (f"process isolation only (Landlock {why}): each grading kernel runs in its own "
            "process on a copy in a temporary directory with time/memory limits, but can read "
            "any file the grader can read.")


def _package_dir(name: str) -> str | None:
    try:
        mod = __import__(name)
    except ImportError:
        return None
    file = getattr(mod, "__file__", None)
    return str(Path(file).resolve().parent) if file else None


def python_paths() -> list[str]:
    """Read-only paths the kernel needs: the interpreter's prefixes and the course packages.

    ``sys.path`` is not used wholesale: it may hold the grader's working directory."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             str(Path(sys.executable).resolve().parent.parent)}
    for pkg in ("course", "autograd_lite"):
        d = _package_dir(pkg)
        if d:
            paths.add(d)
    return sorted(str(Path(p).resolve()) for p in paths if p)


def make_policy(mode: str, workdir: str | Path, writable: str | Path, memory_mb: int,
                cpu_seconds: int, status_file: str | Path) -> dict[str, Any]:
    """The policy the launcher applies: limits always, Landlock rules when ``mode`` says so.

    The kernel starts in ``workdir`` and may write only beneath ``writable``."""
    return {
        "mode": mode,
        "workdir": str(workdir),
        "status_file": str(status_file),
        "read_dirs": python_paths() + [d for d in _SYSTEM_DIRS if os.path.isdir(d)],
        "read_files": [f for f in _SYSTEM_FILES if os.path.exists(f)],
        "write_files": [f for f in _WRITABLE_FILES if os.path.exists(f)],
        "write_dirs": [str(Path(writable).resolve())],
        "memory_mb": int(memory_mb),
        "cpu_seconds": int(cpu_seconds),
        "file_size_mb": 1024,
    }


def apply_landlock(policy: dict[str, Any]) -> str:
    """Restrict this process (and what it execs) to the policy's paths; returns a description.

    Raises when Landlock cannot be applied: the launcher then refuses to start the kernel."""
    from landlock import FSAccess, Ruleset

    read = FSAccess.READ_FILE | FSAccess.READ_DIR | FSAccess.EXECUTE
    read_file = FSAccess.READ_FILE | FSAccess.EXECUTE
    write_file = FSAccess.READ_FILE | FSAccess.WRITE_FILE
    if FSAccess.all_file() & FSAccess.TRUNCATE:
        write_file |= FSAccess.TRUNCATE
    rs = Ruleset()
    for d in policy["read_dirs"]:
        if os.path.isdir(d):
            rs.allow(d, rules=read)
    for f in policy["read_files"]:
        if os.path.exists(f):
            rs.allow(f, rules=read_file)
    for f in policy["write_files"]:
        if os.path.exists(f):
            rs.allow(f, rules=write_file)
    for d in policy["write_dirs"]:
        rs.allow(d)  # every right the ruleset handles, beneath the submission's directory only
    rs.apply()
    return landlock_status()[1]
