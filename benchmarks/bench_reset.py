"""Per-test reset cost of the pytest plugin, against the floor of any cross-thread call.

The plugin calls ``MockServer.reset()`` from the test thread before every test; the server runs on
its own thread, so a reset is one hop onto the server's loop plus ``State.reset()``. Measured:

- ``hop``: a no-op handed to the server's loop the same way (the floor, and the baseline);
- ``reset, empty``: ``mock.reset()`` after a test that did nothing;
- ``reset, busy``: ``mock.reset()`` after a test that made 100 requests (journal, token cache,
  stateful collections), added 20 stubs and moved the clock;
- ``POST /__mock/reset``: the same over HTTP on a kept-alive connection, as another language's
  suite would do it.

Run alone: ``python -m benchmarks.bench_reset [--rounds N]``. Loopback only; bounded by rounds.
"""

from __future__ import annotations

import argparse
import http.client
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from benchmarks.results import Row, Section, Stat
from mockserver import MockServer

__all__ = ["run"]

#: Requests a "busy" test makes before the reset.
BUSY_REQUESTS = 100


def _time(
    fn: Callable[[], object], rounds: int, prepare: Callable[[], object] | None = None
) -> tuple[float, ...]:
    samples = []
    for _ in range(rounds):
        if prepare is not None:
            prepare()
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1e6)
    return tuple(samples)


def _busy_test(mock: MockServer, conn: http.client.HTTPConnection) -> Callable[[], None]:
    headers = mock.auth_headers()

    def fill() -> None:
        for i in range(BUSY_REQUESTS):
            path = ("/status", "/users/me", "/audit-logs", f"/projects/prj_{i}")[i % 4]
            conn.request("GET", path, headers=headers)
            conn.getresponse().read()
        for _ in range(20):
            mock.stub("users.me", status=503)
        mock.advance_clock(3600)

    return fill


def _http_reset(conn: http.client.HTTPConnection) -> Callable[[], None]:
    def reset() -> None:
        conn.request("POST", "/__mock/reset")
        response = conn.getresponse()
        response.read()
        if response.status >= 300:
            raise RuntimeError(f"POST /__mock/reset answered {response.status}")

    return reset


def run(rounds: int) -> Section:
    """Measure each kind of reset ``rounds`` times (fewer for busy ones), in microseconds."""
    rounds = max(rounds, 5)
    busy_rounds = max(rounds // 50, 5)
    with MockServer() as mock:
        address = urlsplit(mock.url)
        conn = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=10)
        try:
            hop = _time(lambda: mock._on_loop(lambda: None), rounds)
            empty = _time(mock.reset, rounds)
            busy = _time(mock.reset, busy_rounds, _busy_test(mock, conn))
            over_http = _time(_http_reset(conn), rounds)
        finally:
            conn.close()
    section = Section(
        title="Per-test reset",
        notes=[
            f"{rounds} rounds ({busy_rounds} for busy, after {BUSY_REQUESTS} requests, 20 stubs "
            "and a clock move); microseconds; ratios against the cross-thread hop",
        ],
    )
    base = section.add(
        Row(key="reset.hop", name="hop (no-op on the server loop)", unit="µs", value=Stat(hop))
    )
    for key, name, samples in (
        ("reset.empty", "mock.reset(), empty", empty),
        ("reset.busy", "mock.reset(), busy", busy),
        ("reset.http", "POST /__mock/reset", over_http),
    ):
        p95 = sorted(samples)[max(0, round(len(samples) * 0.95) - 1)]
        section.add(
            Row(
                key=key,
                name=name,
                unit="µs",
                value=Stat(samples),
                baseline=base,
                paired=False,
                note=f"p95 {p95:.0f} µs",
            )
        )
    return section


def main() -> None:
    """Print the reset table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000, help="samples per measurement")
    print(run(parser.parse_args().rounds).text())


if __name__ == "__main__":
    main()
