"""Loading a fixture directory into a Catalog, or every problem it has.

A fixture directory holds ``auth.yaml`` (the token issuer) and one ``*.yaml`` file per reference
group. Every file is read safely with positions, checked against the shipped JSON Schema, then
built into the frozen model; templates are compiled and static bodies serialised here, once.
Problems are collected across all files, so ``coherta-mock check`` lists them all at once.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path
from typing import Any

from mockserver.catalog.behaviour import Delay, ScenarioRule
from mockserver.catalog.matching import Conditions
from mockserver.catalog.model import (
    AuthSettings,
    Catalog,
    CollectionBinding,
    CollectionSpec,
    Endpoint,
    FieldSpec,
    Group,
    RequestSpec,
    ResponseVariant,
    User,
)
from mockserver.catalog.schema import schema_problems
from mockserver.catalog.templating import (
    Body,
    TemplateCompileError,
    compile_body,
    compile_text,
    compile_value,
    is_template,
)
from mockserver.catalog.yamlsource import Path_, YamlDocument, read_yaml
from mockserver.collector import collector_paused
from mockserver.errors import FixtureError, Problem

__all__ = ["AUTH_FILE", "build_variant", "check_fixtures", "load_catalog", "path_params"]

AUTH_FILE = "auth.yaml"
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_FIELD_LOCATIONS = ("path", "query", "headers", "body")


def path_params(path: str) -> list[str]:
    """The ``{name}`` placeholders of a route path, in order."""
    return _PARAM.findall(path)


class _Build:
    """One load: the problems found so far and what has been built."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []
        self.routes: dict[tuple[str, str], str] = {}
        self.ids: dict[str, str] = {}
        self.collections: dict[str, CollectionSpec] = {}
        # (document, path of the binding, collection name): checked once every file is read.
        self.bindings: list[tuple[YamlDocument, Path_, str]] = []

    def read(self, path: Path, schema: str) -> YamlDocument | None:
        try:
            doc = read_yaml(path, display=str(path))
        except FixtureError as exc:
            self.problems.extend(exc.problems)
            return None
        if not isinstance(doc.data, dict):
            self.problems.append(doc.problem((), "expected a YAML mapping at the top of the file"))
            return None
        found = schema_problems(doc, schema)
        self.problems.extend(found)
        return None if found else doc

    # -- groups ---------------------------------------------------------------------------------

    def group(self, doc: YamlDocument) -> Group:
        data = doc.data
        name = data["group"]["name"]
        for collection, spec in (data.get("collections") or {}).items():
            self.collection(doc, ("collections", collection), collection, spec)
        endpoints = [
            self.endpoint(doc, ("endpoints", i), spec, name)
            for i, spec in enumerate(data["endpoints"])
        ]
        return Group(
            name=name,
            title=data["group"]["title"],
            description=data["group"]["description"],
            endpoints=tuple(endpoints),
            source=doc.file,
        )

    def endpoint(self, doc: YamlDocument, at: Path_, spec: dict[str, Any], group: str) -> Endpoint:
        where = doc.where(at)
        source = f"{doc.file}:{where.line}:{where.column}"
        endpoint_id, method, path = spec["id"], spec["method"], spec["path"]
        if not endpoint_id.startswith(f"{group}."):
            self.problems.append(
                doc.problem(
                    (*at, "id"),
                    f"endpoint id {endpoint_id!r} must start with its group name '{group}.'",
                )
            )
        if endpoint_id in self.ids:
            self.problems.append(
                doc.problem(
                    (*at, "id"),
                    f"duplicate endpoint id {endpoint_id!r}; also at {self.ids[endpoint_id]}",
                )
            )
        self.ids.setdefault(endpoint_id, source)
        # `/users/{id}` and `/users/{user_id}` are the same route to the router.
        route_key = (method, _PARAM.sub("{}", path))
        if route_key in self.routes:
            self.problems.append(
                doc.problem(
                    (*at, "path"),
                    f"duplicate route {method} {path}; also defined at {self.routes[route_key]}",
                )
            )
        self.routes.setdefault(route_key, source)
        params = path_params(path)
        if len(set(params)) != len(params):
            self.problems.append(doc.problem((*at, "path"), f"path {path!r} repeats a parameter"))
        if spec["auth"] == "open" and spec.get("scopes"):
            self.problems.append(
                doc.problem((*at, "scopes"), "scopes apply only to 'auth: bearer' endpoints")
            )
        request = self.request(doc, (*at, "request"), spec.get("request") or {}, params)
        binding = (
            self.binding(doc, (*at, "collection"), spec["collection"], params)
            if "collection" in spec
            else None
        )
        param_set = frozenset(params)
        responses = tuple(
            self.variant(doc, (*at, "responses", i), v, param_set)
            for i, v in enumerate(spec["responses"])
        )
        self.check_reachable(doc, at, responses)
        return Endpoint(
            id=endpoint_id,
            method=method,
            path=path,
            summary=spec["summary"],
            description=spec.get("description", ""),
            auth=spec["auth"],
            scopes=tuple(spec.get("scopes", ())),
            request=request,
            responses=responses,
            group=group,
            builtin=spec.get("builtin"),
            collection=binding,
            validate=spec.get("validate", True),
            source=source,
        )

    def collection(self, doc: YamlDocument, at: Path_, name: str, spec: dict[str, Any]) -> None:
        where = doc.where(at, key=True)
        source = f"{doc.file}:{where.line}:{where.column}"
        if name in self.collections:
            self.problems.append(
                doc.problem(
                    at,
                    f"duplicate collection {name!r}; also at {self.collections[name].source}",
                    key=True,
                )
            )
            return
        id_field = spec.get("id_field", "id")
        seed = spec.get("seed") or []
        seen: set[Any] = set()
        for i, record in enumerate(seed):
            if id_field not in record:
                self.problems.append(
                    doc.problem((*at, "seed", i), f"seed record has no {id_field!r} field")
                )
            elif record[id_field] in seen:
                self.problems.append(
                    doc.problem((*at, "seed", i, id_field), f"duplicate id {record[id_field]!r}")
                )
            seen.add(record.get(id_field))

        def template_error(site: Path_, exc: TemplateCompileError) -> None:
            self.problems.append(doc.problem((*at, "defaults", *site), str(exc)))

        defaults = spec.get("defaults")
        self.collections[name] = CollectionSpec(
            name=name,
            id_prefix=spec["id_prefix"],
            label=spec.get("label", name.rstrip("s") or name),
            id_field=id_field,
            unique=tuple(spec.get("unique", ())),
            filters=tuple(spec.get("filters", ())),
            timestamps=spec.get("timestamps", True),
            defaults=compile_value(defaults, frozenset(), template_error) if defaults else None,
            seed=tuple(seed),
            source=source,
        )

    def binding(
        self, doc: YamlDocument, at: Path_, spec: dict[str, Any], params: list[str]
    ) -> CollectionBinding:
        parent = tuple((spec.get("parent") or {}).items())
        for field_name, param in parent:
            if param not in params:
                self.problems.append(
                    doc.problem(
                        (*at, "parent", field_name),
                        f"collection parent {field_name}: the route has no {{{param}}} parameter",
                    )
                )
        action = spec["action"]
        key = None
        if action in ("get", "replace", "update", "delete"):
            free = [p for p in params if p not in {param for _, param in parent}]
            if not free:
                self.problems.append(
                    doc.problem(
                        (*at, "action"),
                        f"collection action {action!r} needs a path parameter holding the id",
                    )
                )
            else:
                key = free[-1]
        self.bindings.append((doc, (*at, "name"), spec["name"]))
        return CollectionBinding(name=spec["name"], action=action, parent=parent, key=key)

    def check_bindings(self) -> None:
        for doc, at, name in self.bindings:
            if name not in self.collections:
                known = ", ".join(sorted(self.collections)) or "none declared"
                self.problems.append(
                    doc.problem(at, f"no collection named {name!r} (collections: {known})")
                )

    def request(
        self, doc: YamlDocument, at: Path_, spec: dict[str, Any], params: list[str]
    ) -> RequestSpec:
        fields: dict[str, list[FieldSpec]] = {loc: [] for loc in _FIELD_LOCATIONS}
        for location in _FIELD_LOCATIONS:
            for name, field in (spec.get(location) or {}).items():
                if location == "path" and name not in params:
                    self.problems.append(
                        doc.problem(
                            (*at, "path", name),
                            f"path parameter {name!r} is declared but the path has no {{{name}}}",
                            key=True,
                        )
                    )
                enum = field.get("enum")
                fields[location].append(
                    FieldSpec(
                        name=name,
                        location=location,  # type: ignore[arg-type]
                        type=field["type"],
                        required=True if location == "path" else field.get("required", False),
                        description=field.get("description", ""),
                        enum=tuple(enum) if enum is not None else None,
                        default=field.get("default"),
                        example=field.get("example"),
                        format=field.get("format"),
                    )
                )
        declared = {f.name for f in fields["path"]}
        # An undeclared placeholder is still a parameter: declare it as a required string.
        fields["path"].extend(
            FieldSpec(name=p, location="path", type="string", required=True)
            for p in params
            if p not in declared
        )
        return RequestSpec(**{loc: tuple(fields[loc]) for loc in _FIELD_LOCATIONS})

    def variant(
        self, doc: YamlDocument, at: Path_, spec: dict[str, Any], params: frozenset[str]
    ) -> ResponseVariant:
        where = doc.where(at)
        when = self.conditions(doc, (*at, "when"), spec["when"], params) if "when" in spec else None

        def template_error(site: Path_, exc: TemplateCompileError) -> None:
            pos = doc.where((*at, "body", *site))
            line = pos.line + max(exc.line - 1, 0)
            self.problems.append(
                Problem(file=doc.file, line=line, column=pos.column, message=str(exc))
            )

        body, example, content_type = self.body(doc, at, spec, params, template_error)
        sequence = tuple(
            self.sequence_item(doc, (*at, "sequence", i), item, params)
            for i, item in enumerate(spec.get("sequence") or ())
        )
        scenario = ScenarioRule(**spec["scenario"]) if "scenario" in spec else None
        delay = self.delay(doc, (*at, "delay"), spec["delay"]) if "delay" in spec else None
        headers: list[tuple[str, Any]] = []
        for name, value in (spec.get("headers") or {}).items():
            text = str(value) if not isinstance(value, bool) else str(value).lower()
            if is_template(text):
                try:
                    headers.append((name, compile_text(text, params, typed=False)))
                except TemplateCompileError as exc:
                    self.problems.append(doc.problem((*at, "headers", name), str(exc)))
            else:
                headers.append((name, text))
        return ResponseVariant(
            status=spec.get("status", 200),
            description=spec.get("description", ""),
            when=when,
            headers=tuple(headers),
            content_type=spec.get("content_type", content_type),
            body=body,
            example=example,
            sequence=sequence,
            loop=spec.get("loop", False),
            scenario=scenario,
            delay=delay,
            fault=spec.get("fault"),
            source=f"{doc.file}:{where.line}:{where.column}",
        )

    def sequence_item(
        self, doc: YamlDocument, at: Path_, spec: dict[str, Any], params: frozenset[str]
    ) -> ResponseVariant:
        for key in ("when", "sequence", "loop", "scenario"):
            if key in spec:
                self.problems.append(
                    doc.problem(
                        (*at, key),
                        f"{key!r} belongs on the response holding the sequence, not on an item",
                        key=True,
                    )
                )
        return self.variant(doc, at, spec, params)

    def delay(self, doc: YamlDocument, at: Path_, spec: Any) -> Delay | None:
        try:
            return Delay.from_spec(spec)
        except ValueError as exc:
            self.problems.append(doc.problem(at, str(exc)))
            return None

    def body(
        self,
        doc: YamlDocument,
        at: Path_,
        spec: dict[str, Any],
        params: frozenset[str],
        on_error: Any,
    ) -> tuple[Body, Any, str]:
        if "body_file" in spec:
            data = self.body_file(doc, (*at, "body_file"), spec["body_file"])
            guessed = mimetypes.guess_type(spec["body_file"])[0] or "application/octet-stream"
            try:
                example: Any = data.decode()
            except UnicodeDecodeError:
                example = None
            return (
                Body(static=data, _render=None, is_json=False, uses=frozenset()),
                example,
                guessed,
            )
        if "body" not in spec:
            return Body(static=b"", _render=None, is_json=False, uses=frozenset()), None, ""
        value = spec["body"]
        body = compile_body(value, params, on_error)
        kind = "application/json" if body.is_json else "text/plain; charset=utf-8"
        return body, value, kind

    def body_file(self, doc: YamlDocument, at: Path_, name: str) -> bytes:
        base = Path(doc.file).parent
        target = (base / name).resolve()
        if not target.is_relative_to(self.root.resolve()):
            self.problems.append(
                doc.problem(at, f"body_file {name!r} is outside the fixtures directory {self.root}")
            )
            return b""
        try:
            return target.read_bytes()
        except OSError as exc:
            self.problems.append(
                doc.problem(at, f"body_file {name!r} cannot be read: {exc.strerror}")
            )
            return b""

    def conditions(
        self, doc: YamlDocument, at: Path_, spec: dict[str, Any], params: frozenset[str]
    ) -> Conditions | None:
        for name in spec.get("path") or {}:
            if name not in params:
                known = ", ".join(sorted(params)) or "none"
                self.problems.append(
                    doc.problem(
                        (*at, "path", name),
                        f"when.path.{name}: the route has no {{{name}}} parameter (has: {known})",
                        key=True,
                    )
                )
        try:
            return Conditions.build(spec)
        except re.error as exc:
            self.problems.append(doc.problem(at, f"invalid regular expression: {exc}"))
            return None

    def check_reachable(
        self, doc: YamlDocument, at: Path_, responses: tuple[ResponseVariant, ...]
    ) -> None:
        for i, variant in enumerate(responses):
            if variant.is_default and i < len(responses) - 1:
                self.problems.append(
                    doc.problem(
                        (*at, "responses", i + 1),
                        f"this response can never answer: the response at {variant.source} has no "
                        "'when' and answers first; move the default last",
                    )
                )
                return

    # -- auth -----------------------------------------------------------------------------------

    def auth(self, doc: YamlDocument) -> AuthSettings:
        data = doc.data
        signing = data["signing"]
        algorithm = signing["algorithm"]
        secret = signing.get("secret")
        pem: bytes | None = None
        if algorithm.startswith("HS") and not secret:
            self.problems.append(
                doc.problem(("signing",), f"signing.secret is required for {algorithm}")
            )
        if algorithm == "RS256" and "private_key_file" in signing:
            pem = self.body_file(doc, ("signing", "private_key_file"), signing["private_key_file"])
        users: list[User] = []
        seen: set[str] = set()
        for i, user in enumerate(data["users"]):
            if user["username"] in seen:
                self.problems.append(
                    doc.problem(("users", i, "username"), f"duplicate user {user['username']!r}")
                )
            seen.add(user["username"])
            users.append(
                User(
                    username=user["username"],
                    password=user["password"],
                    scopes=tuple(user["scopes"]),
                    profile=user["profile"],
                )
            )
        return AuthSettings(
            issuer=data["issuer"],
            audience=data["audience"],
            realm=data.get("realm", "coherta"),
            token_lifetime=data.get("token_lifetime", 3600),
            renewal_window=data.get("renewal_window", 86400),
            algorithm=algorithm,
            secret=secret,
            private_key_pem=pem or None,
            key_id=signing.get("key_id"),
            users=tuple(users),
            source=doc.file,
        )


def _load(root: Path) -> tuple[Catalog | None, list[Problem]]:
    with collector_paused():
        return _load_paused(root)


def _load_paused(root: Path) -> tuple[Catalog | None, list[Problem]]:
    build = _Build(root)
    if not root.is_dir():
        return None, [
            Problem(file=str(root), message="not a directory; expected a fixtures folder")
        ]
    auth_path = root / AUTH_FILE
    auth: AuthSettings | None = None
    if auth_path.is_file():
        auth_doc = build.read(auth_path, "auth")
        if auth_doc is not None:
            auth = build.auth(auth_doc)
    else:
        build.problems.append(
            Problem(file=str(auth_path), message="missing: every fixtures folder needs auth.yaml")
        )
    groups: list[Group] = []
    names: dict[str, str] = {}
    files = sorted(p for p in root.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    for path in files:
        if path.name == AUTH_FILE:
            continue
        doc = build.read(path, "group")
        if doc is None:
            continue
        group = build.group(doc)
        if group.name in names:
            build.problems.append(
                doc.problem(
                    ("group", "name"),
                    f"duplicate group {group.name!r}; also in {names[group.name]}",
                )
            )
        names.setdefault(group.name, doc.file)
        groups.append(group)
    build.check_bindings()
    if build.problems or auth is None:
        return None, build.problems
    catalog = Catalog(
        groups=tuple(groups), auth=auth, collections=dict(build.collections), root=str(root)
    )
    return catalog, []


def check_fixtures(root: Path) -> list[Problem]:
    """Every problem in the fixture directory ``root``; empty when it loads cleanly."""
    return sorted(_load(root)[1])


def load_catalog(root: Path) -> Catalog:
    """Load the fixture directory ``root``; raise FixtureError listing every problem."""
    catalog, problems = _load(root)
    if catalog is None:
        raise FixtureError(problems)
    return catalog


def build_variant(spec: dict[str, Any], endpoint: Endpoint, *, source: str) -> ResponseVariant:
    """A response variant of ``endpoint`` from its fixture form; used for runtime stubs."""
    build = _Build(Path(source))
    doc = YamlDocument(file=source, data=spec)
    variant = build.variant(doc, (), spec, frozenset(path_params(endpoint.path)))
    if build.problems:
        raise FixtureError(build.problems)
    return variant
