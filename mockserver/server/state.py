"""The mock's mutable state, kept in one place under an AppKey, with one ``reset()``."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from mockserver.auth.issuer import TokenIssuer
from mockserver.catalog.model import Catalog
from mockserver.clock import Clock
from mockserver.config import Config

__all__ = ["STATE", "State"]


@dataclass
class State:
    """Everything a running mock may change: today the clock and the token cache."""

    config: Config
    catalog: Catalog
    clock: Clock = field(default_factory=Clock)
    issuer: TokenIssuer = field(init=False)

    def __post_init__(self) -> None:
        self.issuer = TokenIssuer(self.catalog.auth, self.clock)

    def reset(self) -> None:
        """Back to the state just after start-up."""
        self.clock.reset()
        self.issuer.forget_cached()


STATE = web.AppKey("coherta_mock_state", State)
