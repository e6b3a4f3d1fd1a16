"""Fixture loading: time and peak memory of ``load_catalog`` on the shipped and a large catalog.

Each load runs in a fresh interpreter (so nothing is cached and the peak is the load's own):
``mockserver`` is imported first, then ``load_catalog(root)`` is timed, and the process's VmHWM
(peak RSS) and VmRSS are read from ``/proc/self/status`` before and after. The large catalog is
written by ``benchmarks.generated_catalog``; its per-request cost is measured with the throughput
rounds (``benchmarks.bench_throughput``), against the same routes of the shipped catalog.

Run alone: ``python -m benchmarks.bench_loading [--endpoints 10000] [--runs 3]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.generated_catalog import GeneratedCatalog, write_catalog
from benchmarks.procs import ROOT
from benchmarks.results import Row, Section, Stat
from mockserver.config import shipped_fixtures

__all__ = ["generate", "load_in_fresh_process", "run"]

#: Stop repeating a load once the runs so far took this long (seconds).
TIME_BOUND = 30.0

_PROBE = """
import json, re, sys, time
from pathlib import Path

def memory():
    text = Path("/proc/self/status").read_text()
    found = {k: re.search(k + r":\\s+(\\d+) kB", text) for k in ("VmRSS", "VmHWM")}
    return {k: int(m.group(1)) / 1024 for k, m in found.items()}

from mockserver.catalog.loader import load_catalog
before = memory()
start = time.perf_counter()
catalog = load_catalog(Path(sys.argv[1]))
seconds = time.perf_counter() - start
after = memory()
print(json.dumps({
    "seconds": seconds,
    "endpoints": len(catalog.endpoints),
    "rss_before": before["VmRSS"],
    "peak": after["VmHWM"],
    "rss_after": after["VmRSS"],
}))
"""


def load_in_fresh_process(root: Path) -> dict[str, float]:
    """Load ``root`` in a new interpreter: seconds, endpoints, RSS before/after, peak (MB)."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(root)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"loading {root} failed:\n{done.stderr[-2000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def generate(out: Path, endpoints: int) -> tuple[GeneratedCatalog, float]:
    """Write the large catalog into ``out``; return it and the seconds it took."""
    start = time.perf_counter()
    made = write_catalog(out, endpoints)
    return made, time.perf_counter() - start


def _loads(root: Path, runs: int) -> list[dict[str, float]]:
    results: list[dict[str, float]] = []
    started = time.monotonic()
    while len(results) < max(1, runs) and (not results or time.monotonic() - started < TIME_BOUND):
        results.append(load_in_fresh_process(root))
    return results


def run(large: GeneratedCatalog, runs: int, generated_in: float) -> Section:
    """Load the shipped catalog and ``large`` ``runs`` times each (bounded in time)."""
    shipped = _loads(shipped_fixtures(), runs)
    big = _loads(large.root, runs)
    n_small, n_big = int(shipped[0]["endpoints"]), int(big[0]["endpoints"])
    section = Section(
        title="Fixture loading",
        notes=[
            f"load_catalog() in a fresh process, after importing mockserver; {len(shipped)} and "
            f"{len(big)} runs; the large catalog: the shipped groups plus {large.groups} generated "
            f"files of up to 40 endpoints (written in {generated_in:.1f} s)",
            "ratios: the large catalog against the shipped one; 'per endpoint' divides the time "
            "by the endpoint count (linear loading keeps it near 1x)",
        ],
    )

    def stat(results: list[dict[str, float]], key: str, scale: float = 1.0) -> Stat:
        return Stat(tuple(r[key] * scale for r in results))

    small_time = section.add(
        Row(
            key="loading.shipped_seconds",
            name=f"shipped catalog ({n_small} endpoints): load time",
            unit="ms",
            value=stat(shipped, "seconds", 1000),
        )
    )
    section.add(
        Row(
            key="loading.large_seconds",
            name=f"large catalog ({n_big} endpoints): load time",
            unit="ms",
            value=stat(big, "seconds", 1000),
            baseline=small_time,
            paired=False,
        )
    )
    small_per = section.add(
        Row(
            key="loading.shipped_per_endpoint",
            name="shipped catalog: load time per endpoint",
            unit="µs",
            value=stat(shipped, "seconds", 1e6 / n_small),
        )
    )
    section.add(
        Row(
            key="loading.large_per_endpoint",
            name="large catalog: load time per endpoint",
            unit="µs",
            value=stat(big, "seconds", 1e6 / n_big),
            baseline=small_per,
            paired=False,
        )
    )
    small_peak = section.add(
        Row(
            key="loading.shipped_peak",
            name="shipped catalog: peak RSS of the loading process",
            unit="MB",
            value=stat(shipped, "peak"),
            note=f"{shipped[0]['rss_before']:.0f} MB after imports",
        )
    )
    section.add(
        Row(
            key="loading.large_peak",
            name="large catalog: peak RSS of the loading process",
            unit="MB",
            value=stat(big, "peak"),
            baseline=small_peak,
            paired=False,
            note=f"{big[0]['rss_before']:.0f} MB after imports",
        )
    )
    return section


def main() -> None:
    """Generate the large catalog in a temporary folder and print the loading table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="coherta-bench-") as tmp:
        large, took = generate(Path(tmp) / "fixtures", args.endpoints)
        print(run(large, args.runs, took).text())


if __name__ == "__main__":
    main()
