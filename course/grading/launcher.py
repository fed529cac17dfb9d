"""The grading kernel's launcher: limits and confinement first, then exec the kernel.

Usage (built by the executor, not by people)::

    python -m course.grading.launcher POLICY.json -- python -m ipykernel_launcher -f CONN.json

It runs in the process that becomes the kernel: it sets resource limits (address space, CPU time,
file size, no core dumps), applies the Landlock rules of the policy, writes what it applied to the
policy's status file, and ``exec``s the kernel command, so nothing the submission runs escapes them.
If the policy asks for Landlock and it cannot be applied, the kernel is not started (exit 3).
"""

from __future__ import annotations

import json
import os
import resource
import sys

from course.grading.confinement import apply_landlock


def _limit(which: int, value: int) -> None:
    hard = resource.getrlimit(which)[1]
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))  # hard = soft: the submission cannot raise it


def apply_limits(policy: dict) -> dict:
    """Set the resource limits of the policy on this process; returns what was set."""
    mb = 1024 * 1024
    done = {}
    if policy.get("memory_mb"):
        _limit(resource.RLIMIT_AS, int(policy["memory_mb"]) * mb)
        done["address_space_mb"] = int(policy["memory_mb"])
    if policy.get("cpu_seconds"):
        _limit(resource.RLIMIT_CPU, int(policy["cpu_seconds"]))
        done["cpu_seconds"] = int(policy["cpu_seconds"])
    if policy.get("file_size_mb"):
        _limit(resource.RLIMIT_FSIZE, int(policy["file_size_mb"]) * mb)
        done["file_size_mb"] = int(policy["file_size_mb"])
    _limit(resource.RLIMIT_CORE, 0)
    return done


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python -m course.grading.launcher POLICY.json -- KERNEL COMMAND...",
              file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as f:
        policy = json.load(f)
    command = argv[2:]
    status = {"mode": policy["mode"], "landlock": False, "detail": "", "limits": {}}
    try:
        os.chdir(policy["workdir"])
        os.umask(0o077)
        status["limits"] = apply_limits(policy)
        if policy["mode"] == "landlock":
            status["detail"] = apply_landlock(policy)
            status["landlock"] = True
    except Exception as e:  # noqa: BLE001 - fail closed: report and do not start the kernel
        status["error"] = f"{type(e).__name__}: {e}"
        _write_status(policy, status)
        print(f"course.grading.launcher: not starting the kernel: {status['error']}",
              file=sys.stderr)
        return 3
    _write_status(policy, status)
    os.execv(command[0], command)
    return 0  # not reached


def _write_status(policy: dict, status: dict) -> None:
    with open(policy["status_file"], "w", encoding="utf-8") as f:
        json.dump(status, f)


if __name__ == "__main__":
    sys.exit(main())
