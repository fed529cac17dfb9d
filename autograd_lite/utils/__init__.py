"""``autograd_lite.utils``, as ``torch.utils``: ``utils.checkpoint`` (activation checkpointing)."""

from . import checkpoint

__all__ = ["checkpoint"]
