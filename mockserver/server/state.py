"""The mock's mutable state, kept in one place under an AppKey, with one ``reset()``."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from aiohttp import web

from mockserver.auth.issuer import TokenIssuer
from mockserver.catalog.model import Catalog, ResponseVariant
from mockserver.clock import Clock
from mockserver.config import Config
from mockserver.server.chaos import Chaos
from mockserver.server.collections import CollectionStore
from mockserver.server.journal import Journal
from mockserver.server.stubs import StubRegistry

__all__ = ["INITIAL_SCENARIO_STATE", "STATE", "State"]

#: The state every scenario starts in (WireMock's name for it).
INITIAL_SCENARIO_STATE = "Started"


@dataclass
class State:
    """Everything a running mock may change, and ``reset()`` that puts it all back."""

    config: Config
    catalog: Catalog
    clock: Clock = field(default_factory=Clock)
    issuer: TokenIssuer = field(init=False)
    journal: Journal = field(init=False)
    stubs: StubRegistry = field(default_factory=StubRegistry)
    collections: CollectionStore = field(init=False)
    chaos: Chaos = field(init=False)
    scenarios: dict[str, str] = field(default_factory=dict)
    #: Calls answered so far by each sequence, keyed by the variant's identity.
    sequences: dict[int, int] = field(default_factory=dict)
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.issuer = TokenIssuer(self.catalog.auth, self.clock)
        self.journal = Journal(self.config.journal_size)
        self.collections = CollectionStore(self.catalog.collections)
        self.chaos = Chaos(self.config.chaos, self.config.chaos_faults, self.config.seed)
        self.rng = random.Random(self.config.seed)

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
        self.issuer.reset()
        self.journal.clear()
        self.stubs.clear()
        self.collections.reset()
        self.scenarios.clear()
        self.sequences.clear()
        self.chaos.configure(self.config.chaos, self.config.chaos_faults, self.config.seed)
        self.rng = random.Random(self.config.seed)


STATE = web.AppKey("coherta_mock_state", State)
