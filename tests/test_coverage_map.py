"""notebooks/COVERAGE.md maps every seed document's topics to chapter sections that exist."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COVERAGE = ROOT / "notebooks" / "COVERAGE.md"
SEED_IDS = ("000", "001", "002", "003", "004")
ROW = re.compile(
    r"^\|\s*(?P<topic>[^|]+?)\s*\|\s*(?P<nb>\d\d_[a-z0-9_]+)\s*§\s*(?P<heading>[^|]+?)\s*\|$"
)


def parse_rows(text: str) -> list[tuple[str, str, str]]:
    """(topic, notebook stem, heading) for every mapping row of the table."""
    rows = []
    for line in text.splitlines():
        m = ROW.match(line.strip())
        if m:
            rows.append((m["topic"], m["nb"], m["heading"]))
    return rows


def headings(nb_path: Path) -> set[str]:
    """The text of every markdown heading in a notebook."""
    cells = json.loads(nb_path.read_text(encoding="utf-8"))["cells"]
    found = set()
    for cell in cells:
        if cell["cell_type"] != "markdown":
            continue
        for line in "".join(cell["source"]).splitlines():
            if line.startswith("#"):
                found.add(line.lstrip("#").strip())
    return found


ROWS = parse_rows(COVERAGE.read_text(encoding="utf-8"))


def test_every_seed_is_mapped():
    for seed in SEED_IDS:
        assert any(topic.startswith(f"{seed}:") for topic, _, _ in ROWS), (
            f"no row of notebooks/COVERAGE.md maps seed {seed}")


@pytest.mark.parametrize("topic,nb,heading", ROWS, ids=[f"{r[1]}-{i}" for i, r in enumerate(ROWS)])
def test_mapped_section_exists(topic, nb, heading):
    path = ROOT / "notebooks" / f"{nb}.ipynb"
    assert path.exists(), f"{topic!r} is mapped to {nb}.ipynb, which does not exist"
    assert heading in headings(path), (
        f"{topic!r} is mapped to section {heading!r}, which is not a heading of {nb}.ipynb")


def test_parser_rejects_a_missing_section(tmp_path):
    nb = tmp_path / "01_x.ipynb"
    nb.write_text(json.dumps({"cells": [{"cell_type": "markdown", "source": ["## 1.1 Here\n"]}]}))
    assert "1.1 Here" in headings(nb)
    assert "1.2 Missing" not in headings(nb)
    assert parse_rows("| 000: a | 01_x § 1.2 Missing |") == [("000: a", "01_x", "1.2 Missing")]
