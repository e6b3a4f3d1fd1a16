"""The context of a run: the machine, its load, the date, the versions of everything measured."""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import re
import shutil
import subprocess
from pathlib import Path

from benchmarks.procs import ROOT

__all__ = ["describe_machine", "load_average", "tool_versions"]


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def describe_machine() -> dict[str, str]:
    """CPU, cores, memory, kernel, date and the repository's commit."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    total = re.search(r"^MemTotal:\s+(\d+) kB", meminfo, re.MULTILINE)
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": model.group(1).strip() if model else platform.processor() or "unknown",
        "cores (nproc)": str(len(os.sched_getaffinity(0))),
        "memory": f"{int(total.group(1)) / 1024 / 1024:.1f} GiB" if total else "unknown",
        "kernel": platform.release(),
        "commit": _command(["git", "-C", str(ROOT), "describe", "--always", "--dirty"]),
    }


def _command(argv: list[str], pattern: str = r"(.+)") -> str:
    if not shutil.which(argv[0]):
        return "not installed"
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    match = re.search(pattern, done.stdout + done.stderr)
    return match.group(1).strip() if match else "unknown"


def _package(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def tool_versions() -> dict[str, str]:
    """Versions of Python, the libraries on the request path, and the load and peer tools."""
    versions = {"Python": platform.python_version()}
    for name in ("coherta-mock", "aiohttp", "PyJWT", "PyYAML", "Jinja2", "uvloop"):
        versions[name] = _package(name)
    versions["wrk"] = _command(["wrk", "-v"], r"wrk (\S+)")
    versions["java"] = _command(["java", "-version"], r"version \"([^\"]+)\"")
    versions["node"] = _command(["node", "--version"])
    return versions
