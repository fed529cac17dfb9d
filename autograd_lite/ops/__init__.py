"""Differentiable primitives: one small Function per op, forward and backward side by side."""
