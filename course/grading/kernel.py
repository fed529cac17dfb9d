"""One confined ipykernel for one submitted notebook, driven through jupyter_client.

The kernel is started through ``course.grading.launcher`` (limits + Landlock before exec), with
HOME, TMPDIR, IPYTHONDIR, MPLCONFIGDIR, the Jupyter dirs and its connection file all inside the
submission's temporary directory, and an environment that holds nothing of the grader's.
:meth:`Kernel.execute` enforces the per-cell and the total time limits (interrupt, then kill).
"""

from __future__ import annotations

import json
import os
import queue
import re
import secrets
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from course.grading.confinement import make_policy

_KEEP = 1 << 20  # the last MiB of a grader request's stdout is enough to find its result


@dataclass
class Outcome:
    """What one execute request did: ok, error, timeout or dead (the kernel is gone)."""

    status: str
    stdout: str = ""
    ename: str = ""
    evalue: str = ""

    def error_line(self) -> str:
        return f"{self.ename}: {self.evalue}" if self.evalue else self.ename


def kernel_env(root: Path) -> dict[str, str]:
    """A fresh environment for the kernel: every writable location inside ``root``."""
    dirs = {"HOME": "home", "TMPDIR": "tmp", "IPYTHONDIR": "ipython", "MPLCONFIGDIR": "mpl",
            "JUPYTER_RUNTIME_DIR": "runtime", "JUPYTER_CONFIG_DIR": "jupyter-config",
            "JUPYTER_DATA_DIR": "jupyter-data", "XDG_CACHE_HOME": "cache",
            "XDG_CONFIG_HOME": "config"}
    env = {}
    for var, sub in dirs.items():
        (root / sub).mkdir(exist_ok=True)
        env[var] = str(root / sub)
    env.update({
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin",
                                 "/bin"]),
        "LANG": "C.UTF-8", "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1",
        "MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1", "MALLOC_ARENA_MAX": "2",
        # one thread each: less address space under the memory limit, and fair on shared cores
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    })
    return env


class Kernel:
    """A kernel in temporary directory ``root``, working directory ``cwd`` (inside ``root``)."""

    def __init__(self, root: Path, cwd: Path, mode: str, memory_mb: int, total_timeout: float):
        self.root, self.cwd, self.mode = root, cwd, mode
        self.memory_mb, self.total_timeout = memory_mb, total_timeout
        self.deadline = float("inf")  # the notebook's clock starts when the kernel is ready
        self.km = None
        self.kc = None
        self.dead = False
        self.launcher_status: dict = {}
        self.agent = ""  # the random module name the grader's agent lives under

    # -- life cycle ---------------------------------------------------------------------------
    def start(self, startup_timeout: float) -> None:
        """Start the kernel; raises RuntimeError with a message if it does not come up.

        Start-up is the grader's time, not the notebook's: the total limit starts after it."""
        from jupyter_client import KernelManager
        from jupyter_client.kernelspec import KernelSpec

        env = kernel_env(self.root)
        status_file = self.root / "launcher.json"
        cpu = int(startup_timeout + self.total_timeout) + 30  # a backstop to the deadline
        policy = make_policy(self.mode, self.cwd, self.root, self.memory_mb, cpu, status_file)
        policy_file = self.root / "policy.json"
        policy_file.write_text(json.dumps(policy), encoding="utf-8")
        argv = [sys.executable, "-I", "-m", "course.grading.launcher", str(policy_file), "--",
                sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        # IPC sockets inside the temporary directory: no TCP ports for other kernels to probe
        # (unless the path is too long for a Unix socket name)
        sock = str(self.root / "runtime" / "kernel")
        net = {"transport": "ipc", "ip": sock} if len(sock) < 90 else {}
        km = KernelManager(kernel_name="python3", **net,
                           connection_file=str(self.root / "runtime" / "kernel.json"))
        km._kernel_spec = KernelSpec(argv=argv, display_name="grading", language="python",
                                     interrupt_mode="signal", env={})
        self.km = km
        log = open(self.root / "kernel.log", "wb")  # noqa: SIM115 - the kernel keeps it open
        try:
            km.start_kernel(env=env, cwd=str(self.root), stdout=log, stderr=log)
        finally:
            log.close()
        kc = km.blocking_client()
        kc.start_channels()
        self.kc = kc
        try:
            kc.wait_for_ready(timeout=startup_timeout)
        except (RuntimeError, TimeoutError) as e:
            self.launcher_status = self._read_status(status_file)
            why = self.launcher_status.get("error") or self.death_message() or str(e)
            self.shutdown()
            raise RuntimeError(f"the grading kernel did not start: {why}") from e
        self.launcher_status = self._read_status(status_file)
        self.deadline = time.monotonic() + self.total_timeout

    @staticmethod
    def _read_status(path: Path) -> dict:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def alive(self) -> bool:
        if not self.dead and self.km is not None and not self.km.is_alive():
            self.dead = True
        return not self.dead

    def death_message(self) -> str:
        """Why the kernel process ended, in words (exit code or signal)."""
        proc = getattr(getattr(self.km, "provisioner", None), "process", None)
        code = proc.poll() if proc is not None else None
        if code is None:
            return ""
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            extra = {"SIGKILL": " (killed: out of memory, or stopped by the grader)",
                     "SIGXCPU": " (CPU time limit)", "SIGXFSZ": " (file size limit)",
                     "SIGSEGV": " (crashed)", "SIGABRT": " (aborted, e.g. out of memory)"}
            return f"the kernel was killed by {name}{extra.get(name, '')}"
        return f"the kernel process exited with code {code} (os._exit or a crash in the code?)"

    def shutdown(self) -> None:
        """Stop the kernel and everything it started (its whole process group)."""
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:  # noqa: BLE001, S110 - best effort while tearing down
                pass
        prov = getattr(self.km, "provisioner", None)
        pgid = getattr(prov, "pgid", None)
        if pgid:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except OSError:
                pass
        if self.km is not None:
            try:
                self.km.shutdown_kernel(now=True)
            except Exception:  # noqa: BLE001, S110
                pass
            try:
                self.km.cleanup_resources()
            except Exception:  # noqa: BLE001, S110
                pass
        self.dead = True

    # -- running code -------------------------------------------------------------------------
    def execute(self, code: str, timeout: float, grader: bool = False) -> Outcome:
        """Run ``code``; ``grader`` requests are kept out of the history and keep their stdout."""
        if not self.alive():
            return Outcome("dead", evalue=self.death_message())
        msg_id = self.kc.execute(code, silent=False, store_history=not grader,
                                 allow_stdin=False, stop_on_error=False)
        end = min(time.monotonic() + timeout, self.deadline)
        out = Outcome("ok")
        chunks: list[str] = []
        if self._wait_idle(msg_id, end, out, chunks, grader):
            out.stdout = "".join(chunks)[-_KEEP:]
            return out
        if not self.alive():
            return Outcome("dead", evalue=self.death_message())
        # time is up: interrupt (KeyboardInterrupt in the cell), kill if that does not work
        try:
            self.km.interrupt_kernel()
        except Exception:  # noqa: BLE001, S110
            pass
        total = self.remaining() <= 0  # the notebook's limit, not the cell's, ran out
        if total or not self._wait_idle(msg_id, time.monotonic() + 5, Outcome("ok"), [], False):
            self.shutdown()
        return Outcome("timeout", evalue="total" if total else "cell")

    def _wait_idle(self, msg_id: str, end: float, out: Outcome, chunks: list[str],
                   keep: bool) -> bool:
        """Consume messages of ``msg_id`` until the kernel is idle (True) or ``end`` (False)."""
        kept = 0
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return False
            try:
                msg = self.kc.get_iopub_msg(timeout=min(left, 0.5))
            except queue.Empty:
                if not self.alive():
                    return False
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream" and keep and content.get("name") == "stdout":
                chunks.append(content.get("text", ""))
                kept += len(chunks[-1])
                if kept > 4 * _KEEP:  # a flood of output: keep only the tail
                    tail = "".join(chunks)[-_KEEP:]
                    chunks[:] = [tail]
                    kept = len(tail)
            elif kind == "error":
                out.status, out.ename, out.evalue = "error", content.get("ename", ""), \
                    _strip_ansi(content.get("evalue", ""))
            elif kind == "status" and content.get("execution_state") == "idle":
                return True


def nonce() -> str:
    return "@@" + secrets.token_hex(16) + "@@"


def result_from(out: Outcome, token: str) -> dict | None:
    """The last payload the agent wrote between two copies of ``token``, or None."""
    found = re.findall(re.escape(token) + r"(.*?)" + re.escape(token), out.stdout, re.S)
    if not found:
        return None
    try:
        return json.loads(found[-1])
    except ValueError:
        return None


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)
