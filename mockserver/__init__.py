"""An offline mock of the Coherta API: YAML fixtures, a fake JWT issuer, a CLI, a pytest plugin."""

from __future__ import annotations

__version__ = "0.1.0"

from mockserver.auth.issuer import Grant, TokenIssuer, VerifiedToken
from mockserver.catalog.loader import check_fixtures, load_catalog
from mockserver.catalog.model import (
    AuthSettings,
    Catalog,
    Endpoint,
    FieldSpec,
    Group,
    RequestSpec,
    ResponseVariant,
    User,
)
from mockserver.clock import Clock
from mockserver.config import Config
from mockserver.errors import (
    ConfigError,
    ControlError,
    FixtureError,
    MockServerError,
    Problem,
    TokenError,
)
from mockserver.server.app import create_app
from mockserver.testing.harness import MockServer

__all__ = [
    "AuthSettings",
    "Catalog",
    "Clock",
    "Config",
    "ConfigError",
    "ControlError",
    "Endpoint",
    "FieldSpec",
    "FixtureError",
    "Grant",
    "Group",
    "MockServer",
    "MockServerError",
    "Problem",
    "RequestSpec",
    "ResponseVariant",
    "TokenError",
    "TokenIssuer",
    "User",
    "VerifiedToken",
    "__version__",
    "check_fixtures",
    "create_app",
    "load_catalog",
]
