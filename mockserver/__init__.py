"""An offline mock of the Coherta API: YAML fixtures, a fake JWT issuer, a CLI, a pytest plugin.

The public names below are imported on first use: the pytest plugin lives in this package, and a
test run that never asks for the mock should not pay for importing aiohttp, PyJWT and Jinja2.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
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
    from mockserver.server.reload import ReloadResult
    from mockserver.testing.harness import MockServer

_HOMES = {
    "AuthSettings": "mockserver.catalog.model",
    "Catalog": "mockserver.catalog.model",
    "Clock": "mockserver.clock",
    "Config": "mockserver.config",
    "ConfigError": "mockserver.errors",
    "ControlError": "mockserver.errors",
    "Endpoint": "mockserver.catalog.model",
    "FieldSpec": "mockserver.catalog.model",
    "FixtureError": "mockserver.errors",
    "Grant": "mockserver.auth.issuer",
    "Group": "mockserver.catalog.model",
    "MockServer": "mockserver.testing.harness",
    "MockServerError": "mockserver.errors",
    "Problem": "mockserver.errors",
    "ReloadResult": "mockserver.server.reload",
    "RequestSpec": "mockserver.catalog.model",
    "ResponseVariant": "mockserver.catalog.model",
    "TokenError": "mockserver.errors",
    "TokenIssuer": "mockserver.auth.issuer",
    "User": "mockserver.catalog.model",
    "VerifiedToken": "mockserver.auth.issuer",
    "check_fixtures": "mockserver.catalog.loader",
    "create_app": "mockserver.server.app",
    "load_catalog": "mockserver.catalog.loader",
}

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
    "ReloadResult",
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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'mockserver' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
