"""Per-test reset cost of the pytest plugin, as ratios against baselines measured in the same run.

The plugin calls ``MockServer.reset()`` from the test thread before every test; the server runs on
its own thread, so a reset is one hop onto the server's loop plus ``State.reset()``. Measured:

- ``hop``: a no-op handed to the server's loop the same way (the floor of any cross-thread call);
- ``reset, empty``: ``mock.reset()`` after a test that did nothing;
- ``reset, busy``: ``mock.reset()`` after a test that left a full journal (1,000 entries), 20
  stubs and a moved clock;
- ``POST /__mock/reset``: the same over HTTP, as another language's suite would do it.

Run: ``python benchmarks/bench_reset.py [--rounds N]``. Loopback only; bounded by ``--rounds``.
"""

from __future__ import annotations

import argparse
import statistics
import time
import urllib.request
from collections.abc import Callable

from mockserver import MockServer


def _time(
    fn: Callable[[], object], rounds: int, prepare: Callable[[], object] | None = None
) -> list[float]:
    samples = []
    for _ in range(rounds):
        if prepare is not None:
            prepare()
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def _fill(mock: MockServer, requests: int) -> None:
    state = mock.state

    def fill() -> None:
        for i in range(requests):
            state.journal.record(
                at=0.0,
                method="GET",
                path=f"/x/{i}",
                query={},
                headers={},
                endpoint="users.me",
                stub=None,
                status=200,
            )

    mock._on_loop(fill)
    for _ in range(20):
        mock.stub("users.me", status=503)
    mock.advance_clock(3600)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000, help="samples per measurement")
    args = parser.parse_args()
    rounds = max(args.rounds, 5)

    with MockServer() as mock:
        busy_rounds = max(rounds // 10, 5)
        results = {
            "hop (no-op on the server loop)": _time(lambda: mock._on_loop(lambda: None), rounds),
            "mock.reset(), empty": _time(mock.reset, rounds),
            "mock.reset(), busy": _time(mock.reset, busy_rounds, lambda: _fill(mock, 1000)),
            "POST /__mock/reset": _time(
                lambda: urllib.request.urlopen(
                    urllib.request.Request(f"{mock.url}/__mock/reset", method="POST"), timeout=10
                ).read(),
                rounds,
            ),
        }
    hop = statistics.median(results["hop (no-op on the server loop)"])
    print(f"per-test reset, {rounds} rounds ({busy_rounds} for busy), medians in microseconds")
    print(f"{'measurement':34} {'median':>9} {'p95':>9} {'min':>9} {'max':>9} {'x hop':>7}")
    for name, samples in results.items():
        ordered = sorted(samples)
        p95 = ordered[int(len(ordered) * 0.95) - 1]
        med = statistics.median(samples)
        print(
            f"{name:34} {med * 1e6:9.1f} {p95 * 1e6:9.1f} {ordered[0] * 1e6:9.1f} "
            f"{ordered[-1] * 1e6:9.1f} {med / hop:7.2f}"
        )


if __name__ == "__main__":
    main()
