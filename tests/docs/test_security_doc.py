"""docs/security.md states the code's limits: every number there is read from the constants (or
measured), so the page cannot drift from what the mock does."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import pytest
import yaml
from aiohttp.test_utils import TestClient
from jinja2.sandbox import MAX_RANGE

from mockserver import Config, load_catalog
from mockserver.auth.issuer import CACHE_SIZE
from mockserver.auth.keys import SigningKeys
from mockserver.catalog.behaviour import MAX_DELAY
from mockserver.catalog.model import AuthSettings
from mockserver.catalog.schema import schema_text
from mockserver.catalog.templating import MAX_EXPONENT, MAX_POWER_BITS, MAX_RENDERED_CHARS
from mockserver.catalog.yamlsource import MAX_DEPTH, MAX_NODES, read_yaml
from mockserver.clock import format_rfc3339
from mockserver.control.operations import CLOCK_MAX, CLOCK_MIN
from mockserver.errors import FixtureError
from mockserver.portal.views import _MAX_CACHED_PAGES
from mockserver.server.app import MAX_FIELD_SIZE, MAX_LINE_SIZE
from mockserver.server.journal import MAX_BODY_CHARS
from tests.conftest import MINIMAL

RENEWAL_WINDOW = AuthSettings.__dataclass_fields__["renewal_window"].default
DOC = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text()
#: The page with line breaks and indentation folded, for phrases that wrap.
FLAT = " ".join(DOC.split())


@pytest.mark.parametrize(
    ("figure", "value"),
    [
        ("**{:,} bytes** (128 KiB)", MAX_FIELD_SIZE),
        ("**{:,} bytes** (16 KiB)", MAX_LINE_SIZE),
        ("the last **{:,}** requests", Config().journal_size),
        ("**{:,}** characters, then", MAX_BODY_CHARS),
        ("**{:,}** tokens, then emptied", CACHE_SIZE),
        ("emptied when it holds {:,} tokens", CACHE_SIZE),
        ("| **{:,}** |", MAX_NODES),
        ("more than {:,} values (an alias bomb?)", MAX_NODES),
        ("| **{:,}** characters or items", MAX_RENDERED_CHARS),
        ("exponent at most **{}**", MAX_EXPONENT),
        ("result at most **{:,}** bits", MAX_POWER_BITS),
        ("| **{:,}** items (Jinja's sandbox)", MAX_RANGE),
        ("bounded by\n  `range()`'s {:,} items", MAX_RANGE),
        ("| **{:g}** seconds |", MAX_DELAY),
        ("between **{}**", format_rfc3339(CLOCK_MIN)),
        ("and **{}** |", format_rfc3339(CLOCK_MAX)),
        ("| **{}**, then emptied |", _MAX_CACHED_PAGES),
        ("(default {:,}) after its expiry", RENEWAL_WINDOW),
    ],
    ids=lambda v: str(v)[:24],
)
def test_security_doc_states_the_code_limits(figure: str, value: object) -> None:
    """Each limit's number in docs/security.md is the code's constant."""
    assert " ".join(figure.format(value).split()) in FLAT


def test_security_doc_states_the_hmac_and_rsa_key_sizes() -> None:
    """The HMAC secret minimum comes from auth.schema.json; the generated RSA key is measured."""
    schema = json.loads(schema_text("auth"))
    minimum = schema["properties"]["signing"]["properties"]["secret"]["minLength"]
    assert f"at least **{minimum}** characters" in FLAT
    auth = load_catalog(MINIMAL).auth
    keys = SigningKeys.from_settings(
        dataclasses.replace(auth, algorithm="RS256", secret=None, private_key_pem=None)
    )
    assert f"**{keys.signing_key.key_size:,}**-bit key" in FLAT


def test_security_doc_states_the_yaml_nesting_limit(tmp_path: Path) -> None:
    """The stated nesting limit is where reading starts to refuse: that depth loads, one more
    is a located error; LibYAML's own limit stops the parser itself at 1,000."""
    assert f"| YAML nesting | **{MAX_DEPTH:,}** levels" in DOC
    path = tmp_path / "deep.yaml"
    path.write_text("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    assert read_yaml(path).data is not None
    path.write_text("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    with pytest.raises(FixtureError, match=f"{path}:1:{MAX_DEPTH + 1}: the document nests"):
        read_yaml(path)
    assert "(LibYAML stops at 1,000 while parsing)" in DOC
    path.write_text("[" * 1001 + "]" * 1001)
    with pytest.raises(FixtureError, match="exceeded maximum nesting depth"):
        read_yaml(path)
    assert yaml.__with_libyaml__


async def test_security_doc_states_the_body_limit(client: TestClient) -> None:
    """The stated body limit is the one the server enforces: one byte more is 413 naming it."""
    limit = 1_048_576
    assert f"| request body | **{limit:,} bytes** (1 MiB)" in DOC
    over = io.BytesIO(b"x" * (limit + 1))
    resp = await client.post("/token", data=over, headers={"Content-Type": "application/json"})
    assert resp.status == 413
    assert f"the limit of {limit:,} bytes" in (await resp.json())["error_description"]
    assert f"the limit of {limit:,} bytes." in DOC
    at_limit = io.BytesIO(b"x" * limit)
    resp = await client.post("/token", data=at_limit, headers={"Content-Type": "application/json"})
    assert resp.status == 400  # read whole, and then found not to be JSON
