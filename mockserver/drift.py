"""``coherta-mock drift``: do the fixtures still describe the live API?

For every GET endpoint of a catalog, a request is built from the fixture's examples and sent to
the live API; its answer is compared with the fixture's default response: the status, and for JSON
bodies the keys on each side and the type of each value. The comparison (``compare_bodies``,
``compare_response``) and the planning (``plan_requests``) are pure functions; only
``run_drift`` talks HTTP, and it imports aiohttp's client when it is called.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, urlencode, urlsplit

from mockserver.catalog.model import Catalog, Endpoint, FieldSpec, ResponseVariant
from mockserver.catalog.templating import is_template
from mockserver.catalog.validation import json_type
from mockserver.errors import ConfigError, MockServerError

__all__ = [
    "LIVE_TEXT",
    "Difference",
    "DriftError",
    "DriftReport",
    "EndpointResult",
    "PlannedRequest",
    "TargetUnreachableError",
    "TokenRefusedError",
    "check_target",
    "compare_bodies",
    "compare_response",
    "parse_live_body",
    "plan_requests",
    "run_drift",
]

DifferenceKind = Literal["status", "type", "missing", "new"]
Outcome = Literal["ok", "drift", "skipped"]


class DriftError(MockServerError):
    """The drift check could not run to the end."""


class TargetUnreachableError(DriftError):
    """The live API did not answer."""


class TokenRefusedError(DriftError):
    """The live API's ``POST /token`` did not give a token."""


@dataclass(frozen=True, kw_only=True)
class Difference:
    """One way the live answer differs from the fixture."""

    kind: DifferenceKind
    path: str = ""
    expected: str = ""
    live: str = ""

    def __str__(self) -> str:
        if self.kind == "status":
            return f"status {self.expected} -> {self.live}"
        if self.kind == "type":
            return f"{self.path}: expected {self.expected}, live {self.live}"
        if self.kind == "missing":
            return f"{self.path}: missing in live"
        return f"{self.path}: new in live"

    def as_dict(self) -> dict[str, str]:
        """The difference as JSON, with its message."""
        return {
            "kind": self.kind,
            "path": self.path,
            "expected": self.expected,
            "live": self.live,
            "message": str(self),
        }


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def compare_bodies(expected: Any, live: Any, path: str = "") -> list[Difference]:
    """How the JSON value ``live`` differs in shape from the fixture's ``expected``.

    Keys present on one side only, and values of another type, compared recursively; for lists
    the first elements are compared. A fixture string holding a template is any type, null on
    either side matches anything (optional values), and an integer stands for a number.
    """
    if isinstance(expected, str) and is_template(expected):
        return []
    if expected is None or live is None:
        return []
    want, got = json_type(expected), json_type(live)
    if want != got:
        if want == "number" and got == "integer":
            return []
        return [Difference(kind="type", path=path or "body", expected=want, live=got)]
    if isinstance(expected, dict):
        out: list[Difference] = []
        for key, value in expected.items():
            where = _join(path, str(key))
            if key not in live:
                out.append(Difference(kind="missing", path=where))
            else:
                out.extend(compare_bodies(value, live[key], where))
        out.extend(
            Difference(kind="new", path=_join(path, str(key)))
            for key in live
            if key not in expected
        )
        return out
    if isinstance(expected, list) and expected and live:
        return compare_bodies(expected[0], live[0], f"{path}[0]")
    return []


class _Text:
    """The marker of a live body that is not JSON."""


#: A live answer whose body is not JSON.
LIVE_TEXT: Any = _Text()


def compare_response(
    expected_status: int, expected_body: Any, live_status: int, live_body: Any
) -> list[Difference]:
    """The differences between a fixture's default response and a live answer.

    ``expected_body`` is the fixture's example (a mapping or list for JSON; text, a template or
    None are not compared); ``live_body`` is the parsed JSON, or ``LIVE_TEXT``. When the statuses
    differ only the status is reported: the bodies of different answers are not comparable.
    """
    if expected_status != live_status:
        return [Difference(kind="status", expected=str(expected_status), live=str(live_status))]
    if not isinstance(expected_body, dict | list):
        return []
    if live_body is LIVE_TEXT:
        return [
            Difference(kind="type", path="body", expected=json_type(expected_body), live="text")
        ]
    return compare_bodies(expected_body, live_body)


@dataclass(frozen=True, kw_only=True)
class PlannedRequest:
    """The request built for one fixture endpoint, and the answer the fixture expects."""

    endpoint_id: str
    route: str
    url_path: str
    bearer: bool
    headers: tuple[tuple[str, str], ...] = ()
    status: int
    body: Any = None


@dataclass(frozen=True, kw_only=True)
class EndpointResult:
    """What the drift check found for one endpoint."""

    endpoint_id: str
    method: str = "GET"
    route: str
    url_path: str = ""
    outcome: Outcome
    differences: tuple[Difference, ...] = ()
    reason: str = ""

    def lines(self) -> list[str]:
        """The result as report lines: the endpoint, then one indented line per difference."""
        label = {"ok": "OK", "drift": "DRIFT", "skipped": "SKIP"}[self.outcome]
        shown = self.url_path or self.route
        head = f"{label:<6} {self.method} {shown}  [{self.endpoint_id}]"
        if self.outcome == "skipped":
            return [f"{head}: {self.reason}"]
        return [head, *(f"         {d}" for d in self.differences)]

    def as_dict(self) -> dict[str, Any]:
        """The result as JSON."""
        return {
            "id": self.endpoint_id,
            "method": self.method,
            "route": self.route,
            "url_path": self.url_path,
            "outcome": self.outcome,
            "differences": [d.as_dict() for d in self.differences],
            "reason": self.reason,
        }


@dataclass(frozen=True, kw_only=True)
class DriftReport:
    """Every endpoint's result against one live API."""

    target: str
    fixtures: str
    results: tuple[EndpointResult, ...] = field(default_factory=tuple)

    def count(self, outcome: Outcome) -> int:
        """How many endpoints had ``outcome``."""
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def checked(self) -> int:
        """Endpoints whose live answer was compared."""
        return self.count("ok") + self.count("drift")

    @property
    def drifted(self) -> bool:
        """True when any endpoint drifted."""
        return self.count("drift") > 0

    def summary(self) -> str:
        """``N endpoints checked · D drifted · S skipped``."""
        noun = "endpoint" if self.checked == 1 else "endpoints"
        return (
            f"{self.checked} {noun} checked · {self.count('drift')} drifted · "
            f"{self.count('skipped')} skipped"
        )

    def text(self) -> str:
        """The report for a terminal: one block per endpoint, then the summary."""
        lines = [f"drift of {self.fixtures} against {self.target}"]
        for result in self.results:
            lines.extend(result.lines())
        lines.append(self.summary())
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON."""
        return {
            "target": self.target,
            "fixtures": self.fixtures,
            "endpoints": [r.as_dict() for r in self.results],
            "summary": {
                "checked": self.checked,
                "drifted": self.count("drift"),
                "skipped": self.count("skipped"),
            },
        }


def _text_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_text_value(v) for v in value)
    return str(value)


def _default_variant(endpoint: Endpoint) -> ResponseVariant | None:
    variant = next((v for v in endpoint.responses if v.is_default), None)
    if variant is not None and variant.sequence:
        # A sequence answers its first item first; that is what a single request sees.
        return variant.sequence[0]
    return variant


def _missing_example(fields: Iterable[FieldSpec], where: str) -> str | None:
    for spec in fields:
        if spec.example is None:
            return f"{where} {spec.name} has no example"
    return None


def plan_requests(catalog: Catalog) -> list[PlannedRequest | EndpointResult]:
    """For each GET endpoint, the request to send, or a skipped result saying why not."""
    out: list[PlannedRequest | EndpointResult] = []
    for endpoint in catalog.endpoints:
        if endpoint.method != "GET":
            continue

        def skip(reason: str, endpoint: Endpoint = endpoint) -> EndpointResult:
            return EndpointResult(
                endpoint_id=endpoint.id, route=endpoint.path, outcome="skipped", reason=reason
            )

        variant = _default_variant(endpoint)
        if variant is None:
            out.append(skip("no default response: every variant has a 'when'"))
            continue
        if variant.fault is not None:
            out.append(skip(f"the default response is a fault ({variant.fault})"))
            continue
        query = [f for f in endpoint.request.query if f.required]
        headers = [
            f for f in endpoint.request.headers if f.required and f.name.lower() != "authorization"
        ]
        problem = (
            _missing_example(endpoint.request.path, "path parameter")
            or _missing_example(query, "required query parameter")
            or _missing_example(headers, "required header")
        )
        if problem:
            out.append(skip(problem))
            continue
        path = endpoint.path
        for spec in endpoint.request.path:
            path = path.replace("{" + spec.name + "}", quote(_text_value(spec.example), safe=""))
        if query:
            path += "?" + urlencode([(f.name, _text_value(f.example)) for f in query])
        out.append(
            PlannedRequest(
                endpoint_id=endpoint.id,
                route=endpoint.path,
                url_path=path,
                bearer=endpoint.protected,
                headers=tuple((f.name, _text_value(f.example)) for f in headers),
                status=variant.status,
                body=variant.example,
            )
        )
    return out


def check_target(text: str) -> str:
    """The ``--target`` base URL without a trailing slash; ConfigError unless it is http(s)."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"--target {text!r} is not an http(s) URL; give one like https://api.example.com"
        )
    if parts.query or parts.fragment:
        raise ConfigError(f"--target {text!r} has a query or fragment; give only a base URL")
    return text.rstrip("/")


def parse_live_body(content_type: str, raw: bytes) -> Any:
    """A live body as JSON when it is sent as JSON and parses, else ``LIVE_TEXT``."""
    mime = content_type.split(";")[0].strip().lower()
    if mime == "application/json" or mime.endswith("+json"):
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return LIVE_TEXT
    return LIVE_TEXT


def _token_failure(url: str, status: int, raw: bytes) -> str:
    detail = ""
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        body = None
    if isinstance(body, dict) and body.get("error"):
        detail = f" ({body['error']}: {body.get('error_description', '')})".replace(": )", ")")
    return (
        f"POST {url} answered {status}{detail}; check --username and --password, and that "
        "--target is the API's base URL"
    )


async def run_drift(
    catalog: Catalog,
    target: str,
    *,
    username: str = "demo",
    password: str = "secret",
    timeout: float = 30.0,
) -> DriftReport:
    """Check every GET endpoint of ``catalog`` against the live API at ``target``.

    Raises TargetUnreachableError when the API does not answer, TokenRefusedError when a bearer
    endpoint needs a token and ``POST /token`` does not give one.
    """
    import aiohttp  # here only: the comparison above stays importable without a client

    base = check_target(target)
    plans = plan_requests(catalog)
    results: list[EndpointResult] = []
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with aiohttp.ClientSession(
        timeout=client_timeout, cookie_jar=aiohttp.DummyCookieJar()
    ) as session:

        async def send(method: str, url: str, **kwargs: Any) -> tuple[int, str, bytes]:
            try:
                async with session.request(method, url, allow_redirects=False, **kwargs) as resp:
                    return resp.status, resp.headers.get("Content-Type", ""), await resp.read()
            except (TimeoutError, aiohttp.ClientError) as exc:
                reason = str(exc) or type(exc).__name__
                raise TargetUnreachableError(
                    f"{base} did not answer {method} {url}: {reason}; check --target and that "
                    "the API is up"
                ) from None

        token: str | None = None
        if any(isinstance(p, PlannedRequest) and p.bearer for p in plans):
            url = f"{base}/token"
            status, _, raw = await send(
                "POST", url, json={"username": username, "password": password}
            )
            try:
                answer = json.loads(raw.decode("utf-8")) if status == 200 else None
            except (UnicodeDecodeError, ValueError):
                answer = None
            token = answer.get("access_token") if isinstance(answer, dict) else None
            if not isinstance(token, str) or not token:
                if status == 200:
                    raise TokenRefusedError(f"POST {url} answered 200 without an access_token")
                raise TokenRefusedError(_token_failure(url, status, raw))
        for plan in plans:
            if isinstance(plan, EndpointResult):
                results.append(plan)
                continue
            headers = dict(plan.headers)
            if plan.bearer and token:
                headers["Authorization"] = f"Bearer {token}"
            status, content_type, raw = await send("GET", base + plan.url_path, headers=headers)
            live = parse_live_body(content_type, raw)
            differences = compare_response(plan.status, plan.body, status, live)
            results.append(
                EndpointResult(
                    endpoint_id=plan.endpoint_id,
                    route=plan.route,
                    url_path=plan.url_path,
                    outcome="drift" if differences else "ok",
                    differences=tuple(differences),
                )
            )
    return DriftReport(target=base, fixtures=catalog.root, results=tuple(results))
