"""Issue 9's targets, each checked against the figures of one run: met, or missed by how much."""

from __future__ import annotations

import math
from dataclasses import dataclass

from benchmarks.results import Row

__all__ = ["Verdict", "evaluate"]


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """One target: what it asks, what was measured, and whether it was met."""

    target: str
    measured: str
    met: bool | None  # None: not measured in this run

    @property
    def verdict(self) -> str:
        """``met``, ``MISSED`` or ``not measured``."""
        return {True: "met", False: "MISSED", None: "not measured"}[self.met]


def _at_least(need: float, got: float) -> str:
    """How far ``got`` is from ``need`` (for "at least" targets)."""
    if got >= need:
        return f"{got / need:.2f}x the target"
    return f"short by {(need - got) / need:.1%} (needs {need / got:.2f}x)"


def _at_most(limit: float, got: float) -> str:
    """How far ``got`` is from ``limit`` (for "at most" targets)."""
    if got <= limit:
        return f"{limit / got:.2f}x margin"
    return f"over by {(got - limit) / limit:.1%} ({got / limit:.2f}x the limit)"


def _median(rows: dict[str, Row], key: str) -> float:
    row = rows.get(key)
    return row.value.median if row is not None else math.nan


def _ratio(target: str, rows: dict[str, Row], key: str, need: float, label: str) -> Verdict:
    row = rows.get(key)
    if row is None or math.isnan(row.ratio):
        return Verdict(target=target, measured="not measured", met=None)
    lo, hi = row.ratio_range
    spread = f" (rounds {lo:.2f}-{hi:.2f})" if not math.isnan(lo) else ""
    return Verdict(
        target=target,
        measured=f"{label} {row.ratio:.2f}x{spread}: {_at_least(need, row.ratio)}",
        met=row.ratio >= need,
    )


def _limit(target: str, value: float, limit: float, unit: str) -> Verdict:
    if math.isnan(value):
        return Verdict(target=target, measured="not measured", met=None)
    return Verdict(
        target=target,
        measured=f"{value:,.1f} {unit}: {_at_most(limit, value)}",
        met=value <= limit,
    )


def _peers(rows: dict[str, Row]) -> list[Verdict]:
    mock = _median(rows, "throughput.status")
    found = []
    for key, row in rows.items():
        if key.startswith("peers.throughput.") and key != "peers.throughput.oauth2":
            ratio = mock / row.value.median if row.value.median else math.nan
            found.append(
                Verdict(
                    target=f"ahead of {row.name} on the canned route",
                    measured=f"mock {mock:,.0f} vs {row.value.median:,.0f} req/s = {ratio:.2f}x: "
                    + _at_least(1.0, ratio),
                    met=ratio >= 1.0,
                )
            )
    if not found:
        found.append(
            Verdict(
                target="ahead of every peer on the canned route",
                measured="peers not run (make bench-peers)",
                met=None,
            )
        )
    return found


def _flat(rows: dict[str, Row]) -> Verdict:
    target = "RSS flat under load (last round within 5% of the first)"
    after = rows.get("memory.mock.after")
    before = rows.get("memory.mock.before")
    if after is None or before is None or not after.value.samples:
        return Verdict(target=target, measured="not measured", met=None)
    first, last = after.value.samples[0], after.value.samples[-1]
    growth = (last - first) / first
    return Verdict(
        target=target,
        measured=f"{before.value.median:.1f} MB before load, {first:.1f} after round 1, "
        f"{last:.1f} after the last ({growth:+.1%})",
        met=growth <= 0.05,
    )


def _token(rows: dict[str, Row]) -> Verdict:
    target = "POST /token at least 5x oauth2-mock-server"
    mock, peer = _median(rows, "throughput.token"), _median(rows, "peers.throughput.oauth2")
    if math.isnan(peer):
        return Verdict(target=target, measured="peers not run (make bench-peers)", met=None)
    ratio = mock / peer
    return Verdict(
        target=target,
        measured=f"{mock:,.0f} vs {peer:,.0f} req/s = {ratio:.2f}x: {_at_least(5.0, ratio)}",
        met=ratio >= 5.0,
    )


def _large_routes(rows: dict[str, Row]) -> list[Verdict]:
    found = []
    for key, row in rows.items():
        if key.startswith("large."):
            found.append(
                _ratio(
                    f"large-catalog route at the shipped cost (≥0.9x, noise allowed): {row.name}",
                    rows,
                    key,
                    0.9,
                    "vs shipped",
                )
            )
    return found


def evaluate(rows: dict[str, Row], large_endpoints: int) -> list[Verdict]:
    """Every target of issue 9 against ``rows`` (by key) of one run."""
    load_target = f"the {large_endpoints:,}-endpoint catalog loads in under 2 s"
    if large_endpoints < 10_000:
        load_target += " (a smaller catalog in this run: not the target's size)"
    return [
        _ratio(
            "protected route ≥0.8x bare aiohttp",
            rows,
            "throughput.audit_logs",
            0.8,
            "GET /audit-logs",
        ),
        _ratio(
            "open canned route ≥0.9x bare aiohttp", rows, "throughput.status", 0.9, "GET /status"
        ),
        *_peers(rows),
        _limit(
            "RSS ≤60 MB serving the shipped catalog, after load",
            _median(rows, "memory.mock.after"),
            60,
            "MB",
        ),
        _flat(rows),
        _serve(rows),
        _limit(
            "MockServer in-process start <100 ms after imports (cold)",
            _median(rows, "startup.inprocess_cold"),
            100,
            "ms",
        ),
        _limit("per-test reset <1 ms (empty)", _median(rows, "reset.empty") / 1000, 1, "ms"),
        _limit(
            "per-test reset <1 ms (after a busy test)", _median(rows, "reset.busy") / 1000, 1, "ms"
        ),
        _load_time(rows, load_target, large_endpoints),
        *_large_routes(rows),
        _token(rows),
    ]


def _load_time(rows: dict[str, Row], target: str, endpoints: int) -> Verdict:
    seconds = _median(rows, "loading.large_seconds") / 1000
    if endpoints >= 10_000:
        return _limit(target, seconds, 2, "s")
    return Verdict(target=target, measured=f"{seconds:,.2f} s", met=None)


def _serve(rows: dict[str, Row]) -> Verdict:
    target = '`serve` start to first 200 ≤1.2x `python -c "import aiohttp, jwt, yaml"`'
    row = rows.get("startup.serve")
    if row is None or math.isnan(row.ratio):
        return Verdict(target=target, measured="not measured", met=None)
    base = row.baseline.value.median if row.baseline is not None else math.nan
    return Verdict(
        target=target,
        measured=f"{row.value.median:,.0f} ms vs {base:,.0f} ms = {row.ratio:.2f}x: "
        + _at_most(1.2, row.ratio),
        met=row.ratio <= 1.2,
    )
