"""The driver: every benchmark in one run, one table each, issue 9's targets, RESULTS.md.

``python -m benchmarks`` (``make bench``): start-up, reset, fixture loading, throughput of the
baselines and the mock, the large catalog's per-request cost, memory under load.
``--peers`` (``make bench-peers``) adds WireMock, Mockoon, json-server and oauth2-mock-server.
``--profile smoke`` (``make bench-smoke``) runs every part briefly, to check the harness.
``--results benchmarks/RESULTS.md`` writes the Markdown report; ``--json FILE`` every sample.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from benchmarks import bench_loading, bench_reset, bench_startup, peers
from benchmarks.bench_throughput import (
    LoadSettings,
    Route,
    mock_routes,
    run,
    section,
    start_servers,
)
from benchmarks.load import load_tool
from benchmarks.machine import describe_machine, load_average, tool_versions
from benchmarks.procs import Server, memory_mb
from benchmarks.report import Report
from benchmarks.results import Row, Section, Stat
from benchmarks.targets import evaluate

__all__ = ["PROFILES", "Profile", "main"]


@dataclass(frozen=True, kw_only=True)
class Profile:
    """How many runs, rounds and seconds each part gets."""

    startup_runs: int
    reset_rounds: int
    loading_runs: int
    large_endpoints: int
    load: LoadSettings
    peer_starts: int = 3
    wiremock_warmup: float = 10.0


PROFILES = {
    "full": Profile(
        startup_runs=8,
        reset_rounds=5000,
        loading_runs=3,
        large_endpoints=10_000,
        load=LoadSettings(seconds=4, rounds=3, connections=32, warmup=1),
    ),
    "smoke": Profile(
        startup_runs=1,
        reset_rounds=20,
        loading_runs=1,
        large_endpoints=300,
        load=LoadSettings(seconds=1, rounds=1, connections=8, warmup=0),
        peer_starts=1,
        wiremock_warmup=2.0,
    ),
}


class Run:
    """The sections of one run as they are measured, with every row by key."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self.rows: dict[str, Row] = {}
        self._since = time.monotonic()

    def keep(self, table: Section) -> None:
        """Record ``table`` and print it at once, with the time it took."""
        self.sections.append(table)
        self.rows.update({r.key: r for r in table.rows})
        took = time.monotonic() - self._since
        print(f"{table.text()}\n   ({took:.0f} s)\n", flush=True)
        self._since = time.monotonic()


def _memory_section(
    servers: dict[str, Server], before: dict[str, dict[str, float]], after: dict[str, list[float]]
) -> Section:
    table = Section(
        title="Memory (RSS) under load",
        notes=[
            "VmRSS of each server process (with its children), MB: before any load, and after "
            "each round of load (min-max over rounds); ratios: after against before",
        ],
    )
    for name, server in servers.items():
        base = table.add(
            Row(
                key=f"memory.{name}.before",
                name=f"{server.name}: before load",
                unit="MB",
                value=Stat((before[name]["VmRSS"],)),
            )
        )
        peak = memory_mb(server.pid)["VmHWM"]
        table.add(
            Row(
                key=f"memory.{name}.after",
                name=f"{server.name}: after load",
                unit="MB",
                value=Stat(tuple(after[name])),
                baseline=base,
                paired=False,
                note=f"peak (VmHWM) {peak:.1f} MB",
            )
        )
    return table


def _throughput(
    record: Run, profile: Profile, with_peers: bool, work: Path, stack: ExitStack
) -> list[str]:
    """Generate, load, serve and drive everything; return notes on the run."""
    notes = []
    large, took = bench_loading.generate(work / "fixtures", profile.large_endpoints)
    record.keep(bench_loading.run(large, profile.loading_runs, took))
    servers = start_servers(stack, large.root)
    by_role: dict[str, Server] = {"bare": servers.bare, "mock": servers.mock}
    if servers.generated is not None:
        by_role["mock_large"] = servers.generated
    loops = ", ".join(f"{role}: {loop}" for role, loop in servers.loops.items())
    notes.append(f"event loops (read from each process's memory maps): {loops}")
    if servers.loops.get("bare") != servers.loops.get("mock"):
        notes.append("WARNING: the baseline and the mock ran on different event loops")
    routes = mock_routes(servers, (large.open_path, large.protected_path))
    running: list[tuple[peers.Peer, Server]] = []
    if with_peers:
        (work / "peers").mkdir()
        running = peers.start_peers(
            stack, work / "peers", profile.peer_starts, profile.wiremock_warmup
        )
        for peer, server in running:
            by_role[peer.key] = server
            routes.append(
                Route(
                    key=f"peers.throughput.{peer.key}",
                    name=peer.name,
                    server=server,
                    path=peer.path,
                    method=peer.method,
                    body=peer.body,
                    headers=peer.headers,
                    warmup=peer.warmup,
                )
            )
    before = {role: memory_mb(s.pid) for role, s in by_role.items()}
    after: dict[str, list[float]] = {role: [] for role in by_role}

    def sample(_: int) -> None:
        for role, server in by_role.items():
            after[role].append(memory_mb(server.pid)["VmRSS"])

    started = time.monotonic()
    run(routes, profile.load, after_round=sample)
    notes.append(f"throughput: {time.monotonic() - started:.0f} s of load in all")
    tool = load_tool(profile.load.tool)
    how = (
        f"{'wrk -t1' if tool == 'wrk' else 'Python load generator'}, "
        f"{profile.load.connections} connections, {profile.load.seconds:g} s per measurement, "
        f"{profile.load.rounds} rounds; every route once per round, in turn"
    )
    mine = [r for r in routes if r.key.startswith("throughput.")]
    record.keep(section("Throughput", mine, [how, "ratios against the bare handler"], record.rows))
    large_routes = [r for r in routes if r.key.startswith("large.")]
    if large_routes:
        table = section(
            f"Per-request cost on the {large.endpoints:,}-endpoint catalog",
            large_routes,
            [
                "the same mock serving the large catalog, driven in the same rounds; ratios "
                "against the same kind of route on the shipped catalog (/status, /audit-logs)",
            ],
            record.rows,
        )
        if servers.generated is not None:
            table.add(
                Row(
                    key="startup.serve_large",
                    name="serve on the large catalog, start to first 200",
                    unit="ms",
                    value=Stat((servers.generated.started_in * 1000,)),
                    baseline=record.rows.get("startup.serve"),
                    paired=False,
                )
            )
        record.keep(table)
    peer_routes = [r for r in routes if r.key.startswith("peers.")]
    if peer_routes:
        record.keep(
            section(
                "Peers: throughput",
                peer_routes,
                [how, "ratios against the bare handler; WireMock after its warm-up"],
                record.rows,
            )
        )
        record.keep(
            peers.startup_section([p for p, _ in running], record.rows.get("startup.serve"))
        )
    record.keep(_memory_section(by_role, before, after))
    return notes


def main(argv: list[str] | None = None) -> None:
    """Run the benchmarks and print (and optionally write) the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=sorted(PROFILES), default="full")
    parser.add_argument("--peers", action="store_true", help="add the peers (npm, Java)")
    parser.add_argument("--load", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--seconds", type=float, help="per throughput measurement")
    parser.add_argument("--rounds", type=int, help="throughput rounds (the noise)")
    parser.add_argument("--results", type=Path, help="write the Markdown report here")
    parser.add_argument("--json", type=Path, help="write every sample as JSON here")
    args = parser.parse_args(argv)
    profile = PROFILES[args.profile]
    load = replace(profile.load, tool=args.load)
    if args.seconds is not None:
        # wrk counts whole seconds; the Python generator can run shorter (tests use that).
        load = replace(load, seconds=max(0.2, min(args.seconds, 60.0)))
    if args.rounds is not None:
        load = replace(load, rounds=max(1, min(args.rounds, 20)))
    profile = replace(profile, load=load)
    command = "python -m benchmarks " + shlex.join(sys.argv[1:] if argv is None else argv)
    report = Report(
        command=command.strip(),
        machine=describe_machine(),
        versions=tool_versions(),
        settings={k: str(v) for k, v in asdict(profile).items()},
    )
    if args.peers:
        report.versions.update(peers.versions(peers.peer_cache()))
    report.settings["load generator"] = load_tool(load.tool)
    report.notes.append(f"load average at the start: {load_average()}")
    busy = os.getloadavg()[0]
    if busy > 1.0:
        report.notes.append(
            f"WARNING: the machine was busy before the run (1-minute load average {busy:.1f} on "
            f"{len(os.sched_getaffinity(0))} cores): absolute figures are depressed and noisier, "
            "and the JVM (WireMock) suffers most from sharing the CPU; prefer the ratios"
        )
    print(f"coherta-mock benchmarks, profile {args.profile}; load average {load_average()}\n")
    record = Run()
    record.keep(bench_startup.run(profile.startup_runs))
    record.keep(bench_reset.run(profile.reset_rounds))
    with tempfile.TemporaryDirectory(prefix="coherta-bench-") as tmp, ExitStack() as stack:
        report.notes += _throughput(record, profile, args.peers, Path(tmp), stack)
    report.notes.append(f"load average at the end: {load_average()}")
    report.sections = record.sections
    report.verdicts = evaluate(record.rows, profile.large_endpoints)
    print(report.targets_text())
    for note in report.notes:
        print(f"   {note}")
    if args.results is not None:
        args.results.write_text(report.markdown())
        print(f"\nwrote {args.results}")
    if args.json is not None:
        args.json.write_text(report.as_json())
