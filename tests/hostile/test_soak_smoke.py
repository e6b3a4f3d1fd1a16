"""The soak harness works: a short run with a few clients reports zero 5xx and passes.

The real soak (``python benchmarks/soak.py``, three minutes, 64 clients) is run by hand and its
figures go in the release notes; this smoke run only checks that the harness starts the server,
drives every kind of call, samples memory and descriptors, reads the log and stops cleanly.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")


def test_soak_smoke_short_run_reports_zero_5xx(tmp_path: Path) -> None:
    """`soak.py --seconds 3 --clients 4` exits 0 and reports no 5xx and every call answered."""
    report_file = tmp_path / "soak.json"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "soak.py"),
            "--seconds",
            "3",
            "--clients",
            "4",
            "--sample-every",
            "0.5",
            "--json",
            str(report_file),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert "5xx answers: 0" in result.stdout, result.stdout + result.stderr
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(report_file.read_text())
    assert report["server_errors"] == 0
    assert report["failures"] == []
    assert report["exit_status"] == 0
    calls = {key.rsplit(" ", 1)[0] for key in report["by_call"]}
    assert {"POST /token", "POST /token/renew", "GET /users/me", "POST /projects"} <= calls
    assert len(report["samples"]) >= 3
    assert all(s["rss_mib"] > 0 and s["fds"] > 0 for s in report["samples"])
