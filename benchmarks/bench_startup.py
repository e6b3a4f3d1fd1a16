"""Start-up: ``serve`` to the first 200 against the import baseline, and ``MockServer`` in-process.

- ``python -c "import aiohttp, jwt, yaml"``: the wall time of the libraries alone (the baseline);
- ``python -m mockserver serve --port 0``: from process start to the first 200 on ``GET /status``;
- in a fresh process, after ``import mockserver``: ``MockServer()`` built and started to the
  first 200 (cold), and a second one in the same process (warm).

Runs alternate between baseline and mock so that drift on a shared machine hits both alike.
Run alone: ``python -m benchmarks.bench_startup [--runs N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from benchmarks.procs import ROOT, start_announcing
from benchmarks.results import Row, Section, Stat

__all__ = ["run"]

BASELINE = [sys.executable, "-c", "import aiohttp, jwt, yaml"]
SERVE = [sys.executable, "-m", "mockserver", "serve", "--port", "0"]

# Runs in a fresh interpreter: times the import, then two starts to the first 200.
_PROBE = """
import json, time, urllib.request
t0 = time.perf_counter()
from mockserver import MockServer
t1 = time.perf_counter()
out = {"import": t1 - t0}
for name in ("cold", "warm"):
    start = time.perf_counter()
    with MockServer() as mock:
        with urllib.request.urlopen(mock.url + "/status", timeout=10) as response:
            assert response.status == 200
        out[name] = time.perf_counter() - start
print(json.dumps(out))
"""


def _baseline() -> float:
    start = time.perf_counter()
    subprocess.run(BASELINE, cwd=ROOT, check=True, timeout=60)
    return time.perf_counter() - start


def _serve() -> float:
    server = start_announcing("coherta-mock serve", SERVE)
    try:
        return server.started_in
    finally:
        server.stop()


def _in_process() -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(runs: int) -> Section:
    """Measure start-up ``runs`` times each (alternating), in milliseconds."""
    runs = max(1, runs)
    baseline, serve = [], []
    probes: dict[str, list[float]] = {"import": [], "cold": [], "warm": []}
    # An installed package has its bytecode cached (pip compiles it); a sandbox that sets
    # PYTHONDONTWRITEBYTECODE would make every start recompile our sources instead.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    _baseline()  # Warm the page cache once, so that the first run is not the odd one out.
    _serve()  # ...and write the bytecode of our own modules.
    for _ in range(runs):
        baseline.append(_baseline() * 1000)
        serve.append(_serve() * 1000)
        for key, value in _in_process().items():
            probes[key].append(value * 1000)
    section = Section(
        title="Start-up",
        notes=[
            f"{runs} runs each, alternating; wall time in ms; ratios against the import baseline "
            "(the in-process rows have no baseline: the target is absolute)",
        ],
    )
    base = section.add(
        Row(
            key="startup.import_baseline",
            name='python -c "import aiohttp, jwt, yaml"',
            unit="ms",
            value=Stat(tuple(baseline)),
        )
    )
    section.add(
        Row(
            key="startup.serve",
            name="serve --port 0, start to first 200",
            unit="ms",
            value=Stat(tuple(serve)),
            baseline=base,
        )
    )
    section.add(
        Row(
            key="startup.import_mockserver",
            name="import mockserver (fresh process)",
            unit="ms",
            value=Stat(tuple(probes["import"])),
        )
    )
    section.add(
        Row(
            key="startup.inprocess_cold",
            name="MockServer() start to first 200, cold",
            unit="ms",
            value=Stat(tuple(probes["cold"])),
            note="after imports; first in the process",
        )
    )
    section.add(
        Row(
            key="startup.inprocess_warm",
            name="MockServer() start to first 200, warm",
            unit="ms",
            value=Stat(tuple(probes["warm"])),
            note="a second one in the same process",
        )
    )
    return section


def main() -> None:
    """Print the start-up table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    print(run(parser.parse_args().runs).text())


if __name__ == "__main__":
    main()
