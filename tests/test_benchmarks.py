"""The benchmark harness works: a smoke run of every part, the generator, the load generators.

No timing is asserted (CI machines are noisy); what is asserted is that every part runs, reports
its rows with figures and ratios, counts failed answers, and that the generated catalog is valid.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.generated_catalog import PER_GROUP, write_catalog
from benchmarks.load import Request, measure
from benchmarks.procs import start_announcing
from benchmarks.results import Row, Stat
from benchmarks.targets import evaluate
from mockserver.catalog.loader import load_catalog

ROOT = Path(__file__).resolve().parent.parent

SECTIONS = [
    "Start-up",
    "Per-test reset",
    "Fixture loading",
    "Throughput",
    "Per-request cost on the 300-endpoint catalog",
    "Memory (RSS) under load",
]


def test_bench_smoke_runs_every_part_and_reports_ratios(tmp_path: Path) -> None:
    """`python -m benchmarks --profile smoke` prints each table and the targets."""
    results, samples = tmp_path / "RESULTS.md", tmp_path / "results.json"
    argv = ["--profile", "smoke", "--results", str(results), "--json", str(samples)]
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(samples.read_text())
    assert [s["title"] for s in report["sections"]] == SECTIONS
    rows = {r["key"]: r for s in report["sections"] for r in s["rows"]}
    for key in (
        "startup.import_baseline",
        "startup.serve",
        "startup.inprocess_cold",
        "reset.empty",
        "reset.busy",
        "loading.shipped_seconds",
        "loading.large_seconds",
        "throughput.bare",
        "throughput.status",
        "throughput.audit_logs",
        "throughput.users_me",
        "throughput.token",
        "large.status",
        "large.protected_generated",
        "memory.mock.after",
    ):
        assert rows[key]["sample_count"] > 0, key
        assert rows[key]["median"] > 0, key
    for key, row in rows.items():
        if key.startswith(("throughput.", "large.")) and key != "throughput.bare":
            assert row["ratio"] > 0, key
            assert row["note"] == "", f"{key}: {row['note']}"  # no error or non-2xx answer
    assert rows["throughput.bare"]["baseline"] is None
    assert rows["throughput.status"]["baseline"] == "throughput.bare"
    assert rows["large.audit_logs"]["baseline"] == "throughput.audit_logs"
    verdicts = {t["target"]: t["met"] for t in report["targets"]}
    assert any("POST /token" in t for t in verdicts)
    assert all(met in (True, False) for t, met in verdicts.items() if "≥0.8x bare" in t)
    for title in SECTIONS:
        assert f"== {title}" in done.stdout
    assert "== Targets (issue 9)" in done.stdout
    markdown = results.read_text()
    assert "## Targets" in markdown
    assert "cores (nproc)" in markdown
    assert "| mock: open GET /status |" in markdown


def test_generated_catalog_loads_with_the_expected_endpoint_count(tmp_path: Path) -> None:
    """A generated catalog is valid fixtures: it loads, with the shipped groups plus new ones."""
    made = write_catalog(tmp_path / "fixtures", 300)
    catalog = load_catalog(made.root)
    assert made.endpoints == len(catalog.endpoints) == 300
    generated = [g for g in catalog.groups if g.name.startswith("gen")]
    assert len(generated) == made.groups == len(list(made.root.glob("gen*.yaml")))
    assert all(len(g.endpoints) == PER_GROUP for g in generated[:-1])
    by_path = {(e.method, e.path): e for e in catalog.endpoints}
    last = made.open_path.split("/")[1]
    assert not by_path[("GET", made.open_path)].protected
    assert by_path[("GET", f"/{last}/items-1/{{item_id}}")].protected
    assert made.protected_path.startswith(f"/{last}/items-1/")
    assert {e.method for e in catalog.endpoints if e.id.startswith("gen")} == {"GET", "POST"}


def _loads(tool: str, seconds: float) -> None:
    server = start_announcing("bare", [sys.executable, "-m", "benchmarks.bare_server"])
    try:
        good = measure(Request(url=f"{server.url}/status"), seconds, 4, tool)
        bad = measure(Request(url=f"{server.url}/missing"), seconds, 4, tool)
    finally:
        server.stop()
    assert good.rps > 0
    assert good.bad == 0
    assert good.p50_ms <= good.p99_ms
    assert bad.rps > 0
    assert bad.bad > 0


def test_python_load_generator_counts_answers_and_failures() -> None:
    """The Python generator reports a rate and latencies, and counts 404s as failures."""
    _loads("python", 0.3)


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_wrk_load_counts_answers_and_failures() -> None:
    """wrk's output is parsed into a rate and latencies, and 404s count as failures."""
    _loads("wrk", 1)


def test_row_ratio_uses_the_median_and_pairs_rounds() -> None:
    """A row's ratio divides medians; its range pairs samples of the same round."""
    base = Row(key="b", name="b", unit="req/s", value=Stat((100.0, 200.0, 400.0)))
    row = Row(key="r", name="r", unit="req/s", value=Stat((50.0, 180.0, 100.0)), baseline=base)
    assert row.ratio == pytest.approx(0.5)
    assert row.ratio_range == pytest.approx((0.25, 0.9))


def test_targets_say_met_missed_or_not_measured() -> None:
    """Each target compares its figure; a figure that is missing is reported as not measured."""
    bare = Row(key="throughput.bare", name="bare", unit="req/s", value=Stat((1000.0,)))
    rows = {
        "throughput.bare": bare,
        "throughput.status": Row(
            key="throughput.status", name="s", unit="req/s", value=Stat((950.0,)), baseline=bare
        ),
        "throughput.audit_logs": Row(
            key="throughput.audit_logs", name="a", unit="req/s", value=Stat((500.0,)), baseline=bare
        ),
    }
    verdicts = {v.target: v for v in evaluate(rows, 10_000)}
    assert verdicts["open canned route ≥0.9x bare aiohttp"].met is True
    protected = verdicts["protected route ≥0.8x bare aiohttp"]
    assert protected.met is False
    assert "short by 37.5%" in protected.measured
    assert verdicts["POST /token at least 5x oauth2-mock-server"].met is None
