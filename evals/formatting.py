"""How a metric is written in every table the evals print (reports, comparisons, the suite)."""

from __future__ import annotations


def fmt(value: float) -> str:
    """A metric as the tables show it: 0.762, 28.6 -> "28.6"."""
    return f"{value:.3f}" if isinstance(value, float) and value < 10 else f"{value:g}"
