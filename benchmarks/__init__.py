"""Benchmarks of coherta-mock for issue 9: start-up, throughput, fixture loading, peers.

``python -m benchmarks`` runs everything in one run and prints tables with ratios against
baselines measured in the same run; ``make bench``, ``make bench-peers`` and ``make bench-smoke``
are the usual ways in. One module per concept:

- ``results``: the figures (samples, medians, ranges, ratios) and how they print;
- ``procs``: starting, probing and stopping server processes, their memory;
- ``load``: wrk or a bounded Python load generator;
- ``canned``: the canned ``GET /status`` body every server answers;
- ``bare_server``: the bare aiohttp handler, the ceiling of our stack;
- ``bench_startup``, ``bench_reset``, ``bench_throughput``, ``bench_loading``: the measurements;
- ``generated_catalog``: a large valid fixture catalog, generated;
- ``peers``: WireMock, Mockoon, json-server and oauth2-mock-server from a cache folder;
- ``machine``, ``targets``, ``report``: the context, issue 9's targets, RESULTS.md;
- ``run``: the driver.
"""
