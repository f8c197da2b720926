"""The stats snapshot in Prometheus text exposition format (version 0.0.4), for `/metrics`."""

from __future__ import annotations

from typing import Any

from .stats import QUANTILES


def render_metrics(snapshot: dict[str, Any]) -> str:
    """The snapshot in Prometheus text exposition format (version 0.0.4)."""
    lines = [
        "# HELP asynchronicity_requests_total API requests served, by route and status.",
        "# TYPE asynchronicity_requests_total counter",
    ]
    for route, info in snapshot["routes"].items():
        for status, count in sorted(info["statuses"].items()):
            lines.append(
                f'asynchronicity_requests_total{{route="{route}",status="{status}"}} {count}'
            )
    for gauge in ("in_flight", "queued"):
        lines += [
            f"# HELP asynchronicity_{gauge} Requests {gauge.replace('_', ' ')} now.",
            f"# TYPE asynchronicity_{gauge} gauge",
            f"asynchronicity_{gauge} {snapshot[gauge]}",
        ]
    for series in ("intended", "actual", "overshoot", "queue_wait"):
        summary = snapshot[series]
        name = f"asynchronicity_{series}_seconds"
        lines += [f"# HELP {name} Per-request {series} delay.", f"# TYPE {name} summary"]
        for q in QUANTILES:
            value = summary[f"p{q * 100:g}_ms"] / 1000
            lines.append(f'{name}{{quantile="{q:g}"}} {value:.6f}')
        count = int(summary["count"])
        lines += [f"{name}_sum {summary['mean_ms'] * count / 1000:.6f}", f"{name}_count {count}"]
    lines += [
        "# HELP process_cpu_seconds_total Server process CPU time since the stats were reset.",
        "# TYPE process_cpu_seconds_total counter",
        f"process_cpu_seconds_total {snapshot['cpu']['total_s']:.6f}",
    ]
    return "\n".join(lines) + "\n"
