"""The benchmark harness runs (a smoke run: a few rounds, no timing asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_bench_reset_smoke_prints_every_measurement() -> None:
    """bench_reset.py runs with a handful of rounds and reports each row with a ratio."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_reset.py"), "--rounds", "10"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    rows = result.stdout.strip().splitlines()[2:]
    assert [r[:34].strip() for r in rows] == [
        "hop (no-op on the server loop)",
        "mock.reset(), empty",
        "mock.reset(), busy",
        "POST /__mock/reset",
    ]
    assert rows[0].split()[-1] == "1.00"


@pytest.mark.parametrize("load", ["auto", "python"])
def test_bench_throughput_smoke_reports_ratios_against_bare_aiohttp(load: str) -> None:
    """bench_throughput.py measures the baseline and the mock's routes in one short run."""
    script = ROOT / "benchmarks" / "bench_throughput.py"
    result = subprocess.run(
        [sys.executable, str(script), "--seconds", "1", "--load", load],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    rows = result.stdout.strip().splitlines()[2:]
    assert [r[:42].strip() for r in rows] == [
        "bare aiohttp handler (baseline)",
        "mock: open canned route GET /status",
        "mock: protected GET /audit-logs",
        "mock: protected templated GET /users/me",
        "mock: POST /token",
    ]
    assert rows[0].split()[-1] == "1.00"
    for row in rows:
        rps, non_2xx = float(row.split()[-5]), float(row.split()[-2])
        assert rps > 0
        assert non_2xx == 0
