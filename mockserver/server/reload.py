"""Hot reload: load the fixtures again and swap the served generation, or keep the last good one.

A reload loads the catalog on a worker thread (the server keeps answering from the current
generation meanwhile), builds the next generation, and swaps it in with one assignment on the
server's loop. If the fixtures do not load, nothing is swapped: the mock keeps serving the last
good catalog, logs every problem (file:line:col) and reports them at ``GET /__mock/health``
(status ``degraded``) until a reload succeeds.

What a reload keeps: the journal, runtime stubs, the clock, scenario states and chaos settings,
and the token issuer (so issued tokens stay valid and revocations stay) when the auth settings did
not change. What it replaces: routes and responses, collections (back to the new seeds) and
sequence positions.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from mockserver.catalog.loader import load_catalog
from mockserver.errors import FixtureError, Problem
from mockserver.server.generation import Generation, build_generation
from mockserver.server.state import State

__all__ = ["ReloadResult", "reload_fixtures", "watch_fixtures"]

log = logging.getLogger("coherta_mock")

#: Quiet time after the last change before a watched reload: editors write in bursts.
WATCH_DEBOUNCE_MS = 200


@dataclass(frozen=True)
class ReloadResult:
    """What a reload did: the generation now served, and the problems if it failed."""

    generation: int
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        """True when the new fixtures are served."""
        return not self.problems


async def reload_fixtures(state: State) -> ReloadResult:
    """Reload ``state``'s fixture directory; on the server's loop."""
    async with state.reloading:
        root = state.config.fixtures_dir
        try:
            catalog = await asyncio.to_thread(load_catalog, root)
        except FixtureError as exc:
            state.reload_problems = tuple(exc.problems)
            log.error(
                "reload of %s failed; still serving generation %d. %s",
                root,
                state.generation.number,
                exc,
            )
            return ReloadResult(state.generation.number, state.reload_problems)
        previous = state.generation
        keep_issuer = catalog.auth == previous.catalog.auth
        generation: Generation = build_generation(
            catalog, state, previous.number + 1, previous.issuer if keep_issuer else None
        )
        state.generation = generation
        state.sequences.clear()
        state.reload_problems = ()
        totals = catalog.totals()
        log.info(
            "reloaded %s: generation %d, %d endpoints in %d groups%s",
            root,
            generation.number,
            totals["endpoints"],
            totals["groups"],
            "" if keep_issuer else "; auth settings changed, earlier tokens no longer verify",
        )
        return ReloadResult(generation.number, ())


async def _changes(root: Path) -> AsyncIterator[set[str]]:
    from watchfiles import awatch  # only a watching server needs it

    async for changes in awatch(root, debounce=WATCH_DEBOUNCE_MS, recursive=True):
        yield {path for _, path in changes}


async def watch_fixtures(state: State) -> None:
    """Reload whenever a file under the fixture directory changes; runs until cancelled."""
    root = state.config.fixtures_dir
    log.info("watching %s for changes", root)
    try:
        async for paths in _changes(root):
            names = sorted(Path(path).name for path in paths)
            log.info("fixtures changed (%s); reloading", ", ".join(names[:5]))
            await reload_fixtures(state)
    except (OSError, RuntimeError) as exc:
        # The folder went away or cannot be watched: say so once and keep serving; a reload
        # can still be asked for with POST /__mock/reload.
        log.error("stopped watching %s: %s; POST /__mock/reload still reloads", root, exc)
