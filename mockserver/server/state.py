"""The mock's mutable state, kept in one place under an AppKey, with one ``reset()``."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web

from mockserver.catalog.model import Catalog, ResponseVariant
from mockserver.clock import Clock
from mockserver.config import Config
from mockserver.errors import Problem
from mockserver.server.chaos import Chaos
from mockserver.server.journal import Journal
from mockserver.server.stubs import StubRegistry

if TYPE_CHECKING:
    from mockserver.auth.issuer import TokenIssuer
    from mockserver.server.collections import CollectionStore
    from mockserver.server.generation import Generation

__all__ = ["INITIAL_SCENARIO_STATE", "STATE", "State"]

#: The state every scenario starts in (WireMock's name for it).
INITIAL_SCENARIO_STATE = "Started"


@dataclass
class State:
    """Everything a running mock may change, and ``reset()`` that puts it all back.

    What is built from the fixtures (catalog, routes, token issuer, collections) lives in one
    ``Generation``, which a reload replaces whole; the rest outlives reloads.
    """

    config: Config
    clock: Clock = field(default_factory=Clock)
    generation: Generation = field(init=False)
    #: Why the last reload failed (the previous generation still serves); empty when it didn't.
    reload_problems: tuple[Problem, ...] = ()
    #: Held while a reload runs: one at a time.
    reloading: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    journal: Journal = field(init=False)
    stubs: StubRegistry = field(default_factory=StubRegistry)
    chaos: Chaos = field(init=False)
    scenarios: dict[str, str] = field(default_factory=dict)
    #: Calls answered so far by each sequence, keyed by the variant's identity.
    sequences: dict[int, int] = field(default_factory=dict)
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.journal = Journal(self.config.journal_size)
        self.chaos = Chaos(self.config.chaos, self.config.chaos_faults, self.config.seed)
        self.rng = random.Random(self.config.seed)

    @property
    def catalog(self) -> Catalog:
        """The catalog being served."""
        return self.generation.catalog

    @property
    def issuer(self) -> TokenIssuer:
        """The token issuer of the catalog being served."""
        return self.generation.issuer

    @property
    def collections(self) -> CollectionStore:
        """The stateful collections of the catalog being served."""
        return self.generation.collections

    def scenario_state(self, name: str) -> str:
        """The current state of a scenario."""
        return self.scenarios.get(name, INITIAL_SCENARIO_STATE)

    def next_in_sequence(self, variant: ResponseVariant) -> ResponseVariant:
        """The sequence item that answers this call, moving the sequence on."""
        count = self.sequences.get(id(variant), 0)
        self.sequences[id(variant)] = count + 1
        items = variant.sequence
        if count < len(items):
            return items[count]
        return items[count % len(items)] if variant.loop else items[-1]

    def reset(self) -> None:
        """Back to the state just after start-up: journal, stubs, clock, tokens, collections,
        scenarios, sequences, chaos and the random generator."""
        self.clock.reset()
        self.generation.issuer.reset()
        self.journal.clear()
        self.stubs.clear()
        self.generation.collections.reset()
        self.scenarios.clear()
        self.sequences.clear()
        self.chaos.configure(self.config.chaos, self.config.chaos_faults, self.config.seed)
        self.rng = random.Random(self.config.seed)


STATE = web.AppKey("coherta_mock_state", State)
