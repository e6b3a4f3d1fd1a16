"""Route templating: ids become parameters named after their collection, groups from the path."""

from __future__ import annotations

import re

import pytest

from mockserver.recording.routes import endpoint_slug, template_route

# The fixture schema's patterns for a path and for an endpoint id.
PATH = re.compile(r"^/([A-Za-z0-9._~!$&'()*+,;=:@-]+|\{[A-Za-z_][A-Za-z0-9_]*\}|/)*$")
ENDPOINT_ID = re.compile(r"^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$")


@pytest.mark.parametrize(
    ("path", "group", "template", "params"),
    [
        ("/", "root", "/", ()),
        ("/projects", "projects", "/projects", ()),
        (
            "/projects/prj_8fK2/tasks",
            "projects",
            "/projects/{project_id}/tasks",
            (("project_id", "prj_8fK2"),),
        ),
        (
            "/categories/cat1/entries/e2",
            "categories",
            "/categories/{category_id}/entries/{entry_id}",
            (("category_id", "cat1"), ("entry_id", "e2")),
        ),
        (
            "/boxes/550e8400-e29b-41d4-a716-446655440000",
            "boxes",
            "/boxes/{box_id}",
            (("box_id", "550e8400-e29b-41d4-a716-446655440000"),),
        ),
        ("/v1/users/me", "v1", "/v1/users/me", ()),
        (
            "/items/it1/items/it2",
            "items",
            "/items/{item_id}/items/{item_id_2}",
            (("item_id", "it1"), ("item_id_2", "it2")),
        ),
        ("/files/a b", "files", "/files/{file_id}", (("file_id", "a b"),)),
        ("/auth/login", "auth-routes", "/auth/login", ()),
        ("/42/x", "root", "/{id}/x", (("id", "42"),)),
    ],
)
def test_template_route_turns_ids_into_parameters(
    path: str, group: str, template: str, params: tuple[tuple[str, str], ...]
) -> None:
    """Segments holding a digit or a UUID become {<singular>_id}; version markers stay."""
    route = template_route(path)
    assert (route.group, route.path, route.params) == (group, template, params)
    assert PATH.fullmatch(route.path)


@pytest.mark.parametrize(
    ("method", "path", "slug"),
    [
        ("GET", "/", "get_root"),
        ("GET", "/projects/{project_id}/tasks", "get_projects_project_id_tasks"),
        ("DELETE", "/api-keys/{api_key_id}", "delete_api-keys_api_key_id"),
        ("POST", "/.well-known/thing", "post_well-known_thing"),
    ],
)
def test_endpoint_slug_is_valid_in_an_id(method: str, path: str, slug: str) -> None:
    """The action part of an id is the method and the route's words, valid per the schema."""
    assert endpoint_slug(method, path) == slug
    assert ENDPOINT_ID.fullmatch(f"group.{slug}")
