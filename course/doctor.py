"""``course doctor``: what works on this machine, and the one command that adds what is missing.

Checks Python, every dependency against its range in pyproject.toml, the Graphviz ``dot`` binary, a
GPU with CuPy, Chromium (browser tests) and the grading confinement. Only a too-old Python or a
missing runtime dependency is an error; every other part is optional and has a fallback.
"""

from __future__ import annotations

import importlib
import importlib.metadata as md
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository (editable install)
CHROMIUM = "/usr/bin/chromium"
MARKS = {"ok": "✓", "missing": "✗", "optional": "○"}


@dataclass
class Item:
    """One line of the report: ``status`` is ok, missing (required) or optional (missing)."""

    name: str
    status: str
    detail: str
    fix: str = ""

    def line(self) -> str:
        text = f"{MARKS[self.status]} {self.name}: {self.detail}"
        return text + (f"\n    add it: {self.fix}" if self.fix else "")


def _pip() -> str:
    return f"{shlex.quote(sys.executable)} -m pip install"


def _apt(package: str) -> str:
    sudo = "" if hasattr(os, "geteuid") and os.geteuid() == 0 else "sudo "
    return f"{sudo}apt-get install -y {package}"


def requirements() -> tuple[str, dict[str, list[str]]]:
    """(requires-python, {"runtime"|extra: [requirement, ...]}) from pyproject.toml.

    Read from the repository's pyproject.toml when there is one (the source of truth), else from
    the installed package's metadata."""
    pyproject = ROOT / "pyproject.toml"
    if pyproject.is_file():
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10
            tomllib = None
        if tomllib is not None:
            project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
            groups = {"runtime": list(project.get("dependencies", []))}
            groups.update(project.get("optional-dependencies", {}))
            return project.get("requires-python", ""), groups
    meta = md.metadata("autograd-course")
    groups: dict[str, list[str]] = {"runtime": []}
    for req in md.requires("autograd-course") or []:
        m = re.search(r";.*extra\s*==\s*['\"]([^'\"]+)['\"]", req)
        name = m.group(1) if m else "runtime"
        groups.setdefault(name, []).append(req.split(";")[0].strip() if m else req)
    return meta.get("Requires-Python", ""), groups


def _check_requirement(line: str, group: str) -> Item | None:
    try:  # packaging comes with jupyterlab; without it versions are shown, not compared
        from packaging.markers import default_environment
        from packaging.requirements import Requirement
    except ImportError:
        name = re.split(r"[<>=!~;\[ ]", line, maxsplit=1)[0]
        try:
            return Item(name, "ok", f"{md.version(name)} (wanted {line[len(name):]})")
        except md.PackageNotFoundError:
            return Item(name, "missing" if group == "runtime" else "optional",
                        "not installed", f"{_pip()} {shlex.quote(line)}")

    req = Requirement(line)
    if req.marker is not None and not req.marker.evaluate(default_environment()):
        return None  # e.g. tomli on Python >= 3.11
    # the range as pyproject.toml writes it (packaging would reorder it)
    wanted = line.split(";")[0].strip()[len(req.name):].strip() or "any version"
    name = req.name if group == "runtime" else f"{req.name} ({group})"
    status = "missing" if group == "runtime" else "optional"
    fix = f"{_pip()} {shlex.quote(f'{req.name}{req.specifier}')}"
    try:
        version = md.version(req.name)
    except md.PackageNotFoundError:
        return Item(name, status, f"not installed, needs {wanted}", fix)
    if req.specifier and not req.specifier.contains(version, prereleases=True):
        return Item(name, status, f"{version} installed, needs {wanted}", fix)
    return Item(name, "ok", f"{version} (needs {wanted})")


def check_python(requires: str) -> Item:
    version = ".".join(map(str, sys.version_info[:3]))
    try:
        from packaging.specifiers import SpecifierSet
        good = not requires or SpecifierSet(requires).contains(version)
    except ImportError:
        good = sys.version_info >= (3, 10)
    if good:
        return Item("Python", "ok", f"{version} at {sys.executable} (needs {requires or 'any'})")
    return Item("Python", "missing", f"{version} is too old, needs {requires}",
                "conda env create -f environment.yml  (or python3.11 -m venv .venv)")


def check_dot() -> Item:
    dot = shutil.which("dot")
    if dot is None:
        return Item("graphviz binary `dot`", "optional",
                    "not found: graphs are drawn with matplotlib instead", _apt("graphviz"))
    try:
        out = subprocess.run([dot, "-V"], capture_output=True, text=True, timeout=10)
        version = (out.stderr or out.stdout).strip()
    except (OSError, subprocess.SubprocessError):
        version = "version unknown"
    return Item("graphviz binary `dot`", "ok", f"{dot} ({version}): graphs render as SVG")


def check_gpu() -> Item:
    try:
        from autograd_lite import cuda
    except Exception as e:  # noqa: BLE001 - doctor reports, never crashes
        return Item("GPU and CuPy", "missing", f"autograd_lite does not import ({e})",
                    f"{_pip()} -e .")
    if cuda.is_available():
        name = ""
        try:
            from autograd_lite.backend import cupy_module
            props = cupy_module().cuda.runtime.getDeviceProperties(0)
            name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
        except Exception:  # noqa: BLE001 - the name is a nicety
            pass
        count = cuda.device_count()
        return Item("GPU and CuPy", "ok",
                    f"{count} CUDA device(s){f' ({name})' if name else ''}: device='cuda' works")
    from autograd_lite.backend import cupy_module

    # with CuPy installed only a machine with an NVIDIA GPU and driver helps: no command for that
    fix = "" if cupy_module() is not None else f"{_pip()} -e '.[gpu]'  (on an NVIDIA GPU machine)"
    return Item("GPU and CuPy", "optional",
                f"{cuda.unavailable_reason()} The CPU simulator and NumPy reference kernels "
                "are used instead.", fix)


def check_chromium() -> Item:
    if Path(CHROMIUM).exists():
        return Item("chromium", "ok", f"{CHROMIUM}: the browser tests can run")
    return Item("chromium", "optional",
                f"not found at {CHROMIUM}: the browser tests (tests/browser) skip",
                _apt("chromium"))


def check_confinement() -> Item:
    """The grading engineer's ``course.grading.confinement.describe()``, when it exists."""
    try:
        mod = importlib.import_module("course.grading.confinement")
    except ImportError:
        return Item("grading confinement", "optional",
                    "course.grading is not installed in this version; `course grade` is "
                    "unavailable")
    except Exception as e:  # noqa: BLE001
        return Item("grading confinement", "optional",
                    f"course.grading.confinement fails to import ({type(e).__name__}: {e})")
    describe = getattr(mod, "describe", None)
    if describe is None:
        return Item("grading confinement", "optional",
                    "course.grading.confinement has no describe(); cannot tell")
    try:
        text = describe()
    except Exception as e:  # noqa: BLE001
        return Item("grading confinement", "optional",
                    f"describe() raised {type(e).__name__}: {e}")
    if isinstance(text, dict):
        text = "; ".join(f"{k}: {v}" for k, v in text.items())
    text = str(text).strip()
    # describe() says which confinement grading uses; process isolation alone is the fallback
    weaker = re.search(r"unavailable|not available|isolation only", text, re.IGNORECASE)
    status = "optional" if weaker else "ok"
    return Item("grading confinement", status, text)


def collect() -> list[Item]:
    """Every item of the report, in the order it is printed."""
    requires, groups = requirements()
    items = [check_python(requires)]
    for group, lines in groups.items():
        if group == "gpu":
            continue  # reported with the GPU below
        for line in lines:
            item = _check_requirement(line, group)
            if item is not None:
                items.append(item)
    items += [check_dot(), check_gpu(), check_chromium(), check_confinement()]
    return items


def main() -> int:
    """Print the report; 1 only when Python or a runtime dependency is missing."""
    items = collect()
    print("course doctor: what works here, and how to add what is missing\n")
    for item in items:
        print(item.line())
    missing = [i for i in items if i.status == "missing"]
    optional = [i for i in items if i.status == "optional"]
    print()
    if missing:
        print(f"{len(missing)} required part(s) missing: the course will not run until they are "
              "added (commands above).")
        return 1
    print("The course runs here." + (f" {len(optional)} optional part(s) missing; each has a "
                                     "fallback." if optional else " Everything is available."))
    return 0
