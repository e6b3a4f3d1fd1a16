"""Route templating for recordings: concrete request paths become fixture routes and ids.

``/projects/prj_8fK2/tasks`` becomes ``/projects/{project_id}/tasks`` in group ``projects``:
a segment that looks like an id (it holds a digit, or is a UUID) becomes a parameter named after
the segment before it, in the singular. Version markers such as ``v1`` stay literal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mockserver.catalog.loader import AUTH_FILE

__all__ = ["RecordedRoute", "endpoint_slug", "template_route"]

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_VERSION = re.compile(r"v\d+", re.IGNORECASE)
# Characters the fixture schema allows in a literal path segment.
_LITERAL = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@-]+")
_NOT_NAME = re.compile(r"[^A-Za-z0-9_]+")
_NOT_SLUG = re.compile(r"[^a-z0-9_-]+")


@dataclass(frozen=True, kw_only=True)
class RecordedRoute:
    """A request path as a fixture route: the group, the template and the parameter values."""

    group: str
    path: str
    params: tuple[tuple[str, str], ...]


def _looks_like_id(segment: str) -> bool:
    if _VERSION.fullmatch(segment):
        return False
    return any(c.isdigit() for c in segment) or bool(_UUID.fullmatch(segment))


def _singular(word: str) -> str:
    lower = word.lower()
    if lower.endswith("ies") and len(lower) > 3:
        return word[:-3] + "y"
    if lower.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if lower.endswith("s") and not lower.endswith("ss") and len(lower) > 1:
        return word[:-1]
    return word


def _param_name(previous: str | None, taken: set[str]) -> str:
    stem = _NOT_NAME.sub("_", _singular(previous)).strip("_").lower() if previous else ""
    base = f"{stem}_id" if stem else "id"
    if not (base[0].isalpha() or base[0] == "_"):
        base = f"p_{base}"
    name, n = base, 2
    while name in taken:  # bounded: each turn takes a new suffix of a finite set
        name = f"{base}_{n}"
        n += 1
    taken.add(name)
    return name


def _group_name(segment: str | None) -> str:
    name = re.sub(r"[^a-z0-9_-]+", "_", (segment or "").lower())
    name = name.lstrip("0123456789_-").rstrip("_-")
    if not name:
        return "root"
    # A group called "auth" would be written to auth.yaml, the token issuer's file.
    return f"{name}-routes" if f"{name}.yaml" == AUTH_FILE else name


def template_route(path: str) -> RecordedRoute:
    """The fixture route of a concrete request path (already percent-decoded)."""
    segments = path.split("/")[1:] if path.startswith("/") else path.split("/")
    out: list[str] = []
    params: list[tuple[str, str]] = []
    taken: set[str] = set()
    previous: str | None = None
    first_literal: str | None = None
    for i, segment in enumerate(segments):
        if segment and (_looks_like_id(segment) or not _LITERAL.fullmatch(segment)):
            name = _param_name(previous, taken)
            out.append("{" + name + "}")
            params.append((name, segment))
            previous = None
        else:
            out.append(segment)
            previous = segment or previous
            if i == 0 and segment:
                first_literal = segment
    return RecordedRoute(
        group=_group_name(first_literal), path="/" + "/".join(out), params=tuple(params)
    )


def endpoint_slug(method: str, path: str) -> str:
    """``get_projects_project_id_tasks``: the action part of a recorded endpoint's id."""
    text = _NOT_SLUG.sub("_", path.lower().replace("{", "").replace("}", ""))
    slug = "_".join(w for w in text.split("_") if w) or "root"
    return f"{method.lower()}_{slug}"
