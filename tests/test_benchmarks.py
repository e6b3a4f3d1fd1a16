"""The benchmark harness runs (a smoke run: a few rounds, no timing asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
