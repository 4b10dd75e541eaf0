"""The load test's figures: nearest-rank percentiles and the report as an aligned table.

The report itself (a dict, printed as JSON by `--json`) is built by `load_clients.run_load`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile, or None when there are no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


def format_table(report: dict[str, Any]) -> str:
    """The report as an aligned two-column table, then the error samples."""
    lat = report["latency_ms"]

    def fmt(value: float | None) -> str:
        return "–" if value is None else f"{value:,.1f}"

    rows = [
        ("url", report["url"]),
        ("transport", report["transport"]),
        ("clients", str(report["clients"])),
        (
            "duration s",
            f"{report['seconds']:g} (elapsed {report['elapsed_s']:.1f}, setup {report['setup_s']:.1f})",
        ),
        ("requests", str(report["requests"])),
        ("ok", str(report["ok"])),
        ("errors", str(report["errors"])),
        ("throughput req/s", f"{report['throughput_rps']:.2f}"),
        ("latency p50 ms", fmt(lat["p50"])),
        ("latency p95 ms", fmt(lat["p95"])),
        ("latency p99 ms", fmt(lat["p99"])),
        ("latency mean ms", fmt(lat["mean"])),
        ("latency max ms", fmt(lat["max"])),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [f"{name:<{width}}  {value}" for name, value in rows]
    if report["error_samples"]:
        lines.append("first errors:")
        lines.extend(f"  - {sample}" for sample in report["error_samples"])
    return "\n".join(lines)
