"""Shared helpers for the exercise case files (``cases_chNN.py``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Fresh:
    """An answer built anew for each test, e.g. ``Fresh(lambda: make_model())``."""

    make: Callable[[], Any]


def not_implemented(*args: Any, **kwargs: Any) -> Any:
    """What a released exercise function does before the learner writes it."""
    raise NotImplementedError()
