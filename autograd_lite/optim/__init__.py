"""``autograd_lite.optim``: Optimizer, SGD, Adam, AdamW."""

from .adam import Adam, AdamW
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Adam", "AdamW", "Optimizer", "SGD"]
