"""The mock's mutable state, kept in one place under an AppKey, with one ``reset()``."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from mockserver.auth.issuer import TokenIssuer
from mockserver.catalog.model import Catalog
from mockserver.clock import Clock
from mockserver.config import Config
from mockserver.server.journal import Journal
from mockserver.server.stubs import StubRegistry

__all__ = ["STATE", "State"]


@dataclass
class State:
    """Everything a running mock may change: clock, token cache, journal and runtime stubs."""

    config: Config
    catalog: Catalog
    clock: Clock = field(default_factory=Clock)
    issuer: TokenIssuer = field(init=False)
    journal: Journal = field(init=False)
    stubs: StubRegistry = field(default_factory=StubRegistry)

    def __post_init__(self) -> None:
        self.issuer = TokenIssuer(self.catalog.auth, self.clock)
        self.journal = Journal(self.config.journal_size)

    def reset(self) -> None:
        """Back to the state just after start-up: journal, stubs, clock and token cache."""
        self.clock.reset()
        self.issuer.forget_cached()
        self.journal.clear()
        self.stubs.clear()


STATE = web.AppKey("coherta_mock_state", State)
