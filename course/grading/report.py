"""What grading writes: the gradebook, per-student feedback, run.json, the terminal summary.

Every file is written atomically (a temporary file in the same folder, then ``os.replace``), so an
interrupted run leaves either the previous file or the new one, never half of one.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

from course.grading.scoring import STATUSES

GRADEBOOK_FIELDS = ("student", "exercise", "points", "max_points", "status")


def atomic_write(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old or the new file, never a part."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def gradebook_csv(results: list[dict[str, Any]]) -> str:
    """One row per (student, exercise), students in the given order."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(GRADEBOOK_FIELDS)
    for res in results:
        for row in res["rows"]:
            writer.writerow([res["student"], row["exercise"], f"{row['points']:g}",
                             row["max_points"], row["status"]])
    return buf.getvalue()


_CSS = ("body{font-family:sans-serif;max-width:56em;margin:2em auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;"
        "text-align:left;vertical-align:top}.passed{color:#176f2c}.failed,.error,.timeout"
        "{color:#a3161a}.not_attempted,.missing{color:#7a5d00}")


def feedback_html(res: dict[str, Any]) -> str:
    """A self-contained HTML page: each exercise's result and message, then the cell errors."""
    e = html.escape
    got = sum(r["points"] for r in res["rows"])
    total = sum(r["max_points"] for r in res["rows"])
    lines = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>Feedback: {e(res['student'])}</title><style>{_CSS}</style></head><body>",
             f"<h1>Feedback for {e(res['student'])}</h1>",
             f"<p>Score: <b>{got:g} / {total:g}</b> points.</p>",
             "<table><tr><th>Exercise</th><th>Notebook</th><th>Status</th><th>Points</th>"
             "<th>Feedback</th></tr>"]
    for r in res["rows"]:
        title = f" ({r['title']})" if r.get("title") else ""
        lines.append(
            f"<tr><td>{e(r['exercise'] + title)}</td><td>{e(r.get('notebook', ''))}</td>"
            f"<td class=\"{e(r['status'])}\">{e(r['status'].replace('_', ' '))}</td>"
            f"<td>{r['points']:g} / {r['max_points']}</td><td>{e(r['message'])}</td></tr>")
    lines.append("</table>")
    if res.get("cell_errors"):
        lines.append("<h2>Errors while running your notebook</h2><ul>")
        for c in res["cell_errors"]:
            where = f"{c['notebook']}, cell {c['cell']}"
            if c.get("grade_id"):
                where += f" ({c['grade_id']})"
            lines.append(f"<li>{e(where)}: {e(c['message'])}</li>")
        lines.append("</ul>")
    if res.get("notes"):
        lines.append("<h2>Notes</h2><ul>")
        lines.extend(f"<li>{e(n)}</li>" for n in res["notes"])
        lines.append("</ul>")
    lines.append("</body></html>\n")
    return "\n".join(lines)


def summary_table(results: list[dict[str, Any]], confinement: str) -> str:
    """The terminal summary: one line per student with points and status counts."""
    width = max([len("student")] + [len(r["student"]) for r in results])
    shown = [s for s in STATUSES]
    head = f"{'student':<{width}}  {'points':>11}  " + "  ".join(f"{s:>13}" for s in shown)
    lines = [head, "-" * len(head)]
    totals: Counter = Counter()
    for res in results:
        counts = Counter(r["status"] for r in res["rows"])
        totals.update(counts)
        got = sum(r["points"] for r in res["rows"])
        total = sum(r["max_points"] for r in res["rows"])
        flag = " (skipped: already graded)" if res.get("skipped") else ""
        lines.append(f"{res['student']:<{width}}  {f'{got:g}/{total:g}':>11}  "
                     + "  ".join(f"{counts.get(s, 0):>13}" for s in shown) + flag)
    lines.append("-" * len(head))
    lines.append(f"{'all':<{width}}  {'':>11}  " + "  ".join(f"{totals.get(s, 0):>13}"
                                                           for s in shown))
    lines.append(f"confinement: {confinement}")
    return "\n".join(lines)


def run_json(info: dict[str, Any]) -> str:
    return json.dumps(info, indent=2, sort_keys=True) + "\n"


class Progress:
    """A one-line progress bar on a terminal, one line per submission otherwise."""

    def __init__(self, total: int, stream: TextIO | None = None, width: int = 30):
        self.total, self.done, self.width = total, 0, width
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = time.monotonic()

    def update(self, student: str, what: str) -> None:
        self.done += 1
        filled = int(self.width * self.done / max(1, self.total))
        bar = "#" * filled + "." * (self.width - filled)
        text = (f"[{bar}] {self.done}/{self.total} {student}: {what} "
                f"({time.monotonic() - self.start:.0f} s)")
        if self.tty:
            self.stream.write("\r\x1b[K" + text)
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
