"""pyproject.toml and environment.yml must ask for the same packages with the same ranges.

Runtime and dev dependencies of pyproject.toml are compared with the conda dependencies of
environment.yml. Conda's `python-graphviz` is pip's `graphviz`; conda's `graphviz` (the `dot`
binary), `python` and `pip` have no pip counterpart; the `gpu` extra is not part of the conda env.
Packages that conda-forge lacks are listed with their range in the environment's `pip:` section,
before `-e .[dev]`, and compared like the others.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
ENVIRONMENT = ROOT / "environment.yml"

CONDA_TO_PIP = {"python-graphviz": "graphviz"}
CONDA_ONLY = {"python", "pip", "graphviz"}  # graphviz here is the `dot` binary
PIP_EXTRAS_IN_CONDA = ("dev",)


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pip_requirements(pyproject_text: str) -> dict[str, SpecifierSet]:
    project = tomllib.loads(pyproject_text)["project"]
    lines = list(project.get("dependencies", []))
    extras = project.get("optional-dependencies", {})
    for extra in PIP_EXTRAS_IN_CONDA:
        lines += extras.get(extra, [])
    result: dict[str, SpecifierSet] = {}
    for line in lines:
        req = Requirement(line)
        name = normalize(req.name)
        assert name not in result, f"{name} listed twice in pyproject.toml"
        result[name] = req.specifier
    return result


def conda_specs(environment_text: str) -> dict[str, SpecifierSet]:
    """All conda dependencies (pip section excluded), keyed by normalized conda name."""
    env = yaml.safe_load(environment_text)
    result: dict[str, SpecifierSet] = {}
    for dep in env.get("dependencies", []):
        if isinstance(dep, dict):  # the `pip:` sub-list
            continue
        match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*", str(dep))
        assert match, f"cannot parse conda dependency {dep!r}"
        name, spec = normalize(match.group(1)), match.group(2).replace(" ", "")
        assert name not in result, f"{name} listed twice in environment.yml"
        result[name] = SpecifierSet(spec)
    return result


def pip_section_specs(environment_text: str) -> dict[str, SpecifierSet]:
    """Requirements of the environment's `pip:` section, other than the project itself."""
    env = yaml.safe_load(environment_text)
    result: dict[str, SpecifierSet] = {}
    for dep in env.get("dependencies", []):
        if not isinstance(dep, dict):
            continue
        for line in dep.get("pip", []):
            if line.startswith("-e "):
                continue
            req = Requirement(line)
            result[normalize(req.name)] = req.specifier
    return result


def conda_requirements(environment_text: str) -> dict[str, SpecifierSet]:
    """Conda and pip-section dependencies that have a pip counterpart, keyed by the pip name."""
    result = {
        CONDA_TO_PIP.get(name, name): spec
        for name, spec in conda_specs(environment_text).items()
        if name not in CONDA_ONLY
    }
    for name, spec in pip_section_specs(environment_text).items():
        assert name not in result, f"{name} is in environment.yml's conda list and its pip section"
        result[name] = spec
    return result


def mismatches(pyproject_text: str, environment_text: str) -> list[str]:
    pip = pip_requirements(pyproject_text)
    conda = conda_requirements(environment_text)
    problems = []
    for name in sorted(pip.keys() - conda.keys()):
        problems.append(f"{name}: in pyproject.toml, missing from environment.yml")
    for name in sorted(conda.keys() - pip.keys()):
        problems.append(f"{name}: in environment.yml, missing from pyproject.toml")
    for name in sorted(pip.keys() & conda.keys()):
        if pip[name] != conda[name]:
            problems.append(
                f"{name}: pyproject.toml has '{pip[name]}', environment.yml has '{conda[name]}'"
            )
    return problems


@pytest.fixture(scope="module")
def pyproject_text() -> str:
    return PYPROJECT.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def environment_text() -> str:
    return ENVIRONMENT.read_text(encoding="utf-8")


def test_pyproject_and_environment_agree(pyproject_text, environment_text):
    assert mismatches(pyproject_text, environment_text) == []


def test_every_dependency_has_lower_and_upper_bound(pyproject_text):
    project = tomllib.loads(pyproject_text)["project"]
    lines = list(project["dependencies"])
    for extra_lines in project["optional-dependencies"].values():
        lines += extra_lines
    for line in lines:
        operators = {spec.operator for spec in Requirement(line).specifier}
        assert ">=" in operators and "<" in operators, f"{line!r} needs a >= and a < bound"


def _lower_bounds(specs: SpecifierSet) -> set[str]:
    return {str(spec) for spec in specs if spec.operator == ">="}


def test_python_range_matches_requires_python(pyproject_text, environment_text):
    requires_python = SpecifierSet(tomllib.loads(pyproject_text)["project"]["requires-python"])
    conda_python = conda_specs(environment_text)["python"]
    assert _lower_bounds(conda_python) == _lower_bounds(requires_python)
    for version in ("3.10", "3.11", "3.12"):
        assert version in conda_python and version in requires_python


def test_environment_installs_project_with_dev_extra(environment_text):
    env = yaml.safe_load(environment_text)
    assert env["name"] == "autograd-course"
    assert env["channels"] == ["conda-forge"]
    pip_sections = [dep["pip"] for dep in env["dependencies"] if isinstance(dep, dict)]
    assert len(pip_sections) == 1 and pip_sections[0][-1] == "-e .[dev]"
    assert {"graphviz", "python-graphviz", "pip"} <= conda_specs(environment_text).keys()


def test_gpu_extra_stays_out_of_conda_env(pyproject_text, environment_text):
    gpu = tomllib.loads(pyproject_text)["project"]["optional-dependencies"]["gpu"]
    assert [normalize(Requirement(line).name) for line in gpu] == ["cupy-cuda12x"]
    assert "cupy-cuda12x" not in conda_specs(environment_text)


def _drop_line(text: str, pattern: str) -> str:
    lines = text.splitlines(keepends=True)
    kept = [line for line in lines if not re.search(pattern, line)]
    assert len(kept) == len(lines) - 1, f"pattern {pattern!r} should match exactly one line"
    return "".join(kept)


@pytest.mark.parametrize(
    "conda_line, pip_name",
    [
        (r"^\s*- numpy ", "numpy"),
        (r"^\s*- python-graphviz ", "graphviz"),
        (r"^\s*- hypothesis ", "hypothesis"),
    ],
)
def test_dep_dropped_from_environment_is_reported(
    pyproject_text, environment_text, conda_line, pip_name
):
    problems = mismatches(pyproject_text, _drop_line(environment_text, conda_line))
    assert problems == [f"{pip_name}: in pyproject.toml, missing from environment.yml"]


def test_dep_dropped_from_pyproject_is_reported(pyproject_text, environment_text):
    problems = mismatches(_drop_line(pyproject_text, r'^\s*"ruff'), environment_text)
    assert problems == ["ruff: in environment.yml, missing from pyproject.toml"]


def test_changed_range_is_reported(pyproject_text, environment_text):
    changed = re.sub(r"(- numpy >=[^,]+),<\S+", r"\1,<99", environment_text)
    assert changed != environment_text
    problems = mismatches(pyproject_text, changed)
    assert len(problems) == 1 and problems[0].startswith("numpy: pyproject.toml has")


def test_pip_section_ranges_are_compared(pyproject_text, environment_text):
    changed = re.sub(r"(- landlock>=[^,]+),<[^;\s]+", r"\1,<99", environment_text)
    assert changed != environment_text
    problems = mismatches(pyproject_text, changed)
    assert len(problems) == 1 and problems[0].startswith("landlock: pyproject.toml has")


def test_conda_only_packages_are_not_compared():
    pyproject = '[project]\nname = "x"\ndependencies = ["graphviz>=0.20,<1"]\n'
    environment = (
        "dependencies:\n  - python >=3.10\n  - graphviz\n  - python-graphviz >=0.20,<1\n  - pip\n"
    )
    assert mismatches(pyproject, environment) == []
    assert mismatches(pyproject, environment.replace("python-graphviz", "pygraphviz")) == [
        "graphviz: in pyproject.toml, missing from environment.yml",
        "pygraphviz: in environment.yml, missing from pyproject.toml",
    ]
