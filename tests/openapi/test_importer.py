"""import-openapi: OpenAPI 3.0/3.1 documents become fixtures; our own export round-trips."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from mockserver import Catalog, Config, check_fixtures, create_app, load_catalog
from mockserver.config import shipped_fixtures
from mockserver.errors import OutputExistsError
from mockserver.openapi.export import openapi_document
from mockserver.openapi.importer import OpenAPIImportError, import_openapi

PETSTORE = """
openapi: 3.0.3
info: {title: Pet store, version: "1.0"}
security:
  - petAuth: ["pets:read"]
tags:
  - {name: Pets, description: Pets for sale.}
paths:
  /pets:
    get:
      tags: [Pets]
      operationId: listPets
      summary: List pets
      parameters:
        - {name: limit, in: query, schema: {type: integer, minimum: 1}, description: How many.}
      responses:
        "200":
          description: A page of pets.
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Pet"}}
    post:
      tags: [Pets]
      operationId: createPet
      security: [{petAuth: ["pets:write"]}]
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/NewPet"}
      responses:
        "201":
          description: Created.
          content:
            application/json:
              example: {id: 7, name: Rex, tag: dog}
        "409": {description: Exists already.}
  /pets/{pet-id}:
    parameters:
      - {name: pet-id, in: path, required: true, schema: {type: integer}, example: 7}
    get:
      tags: [Pets]
      operationId: showPet
      security: []
      responses:
        "200":
          description: One pet.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
        "404":
          description: Not found.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Error"}
    delete:
      tags: [Pets]
      responses:
        "204": {description: Deleted.}
components:
  securitySchemes:
    petAuth:
      type: oauth2
      flows: {password: {tokenUrl: /token, scopes: {"pets:read": r, "pets:write": w}}}
  schemas:
    NewPet:
      type: object
      required: [name]
      properties:
        name: {type: string, example: Rex}
        tag: {type: string, enum: [dog, cat]}
        born: {type: string, format: date}
    Pet:
      allOf:
        - {$ref: "#/components/schemas/NewPet"}
        - {type: object, properties: {id: {type: integer, example: 1}}}
    Error:
      type: object
      properties:
        error: {type: string, example: not_found}
        error_description: {type: string}
"""


def test_importer_builds_fixtures_from_a_foreign_document(tmp_path: Path) -> None:
    """Tags become groups; ids, auth, scopes, fields and responses come from the document."""
    spec = tmp_path / "petstore.yaml"
    spec.write_text(PETSTORE)
    result = import_openapi(spec, tmp_path / "out")
    assert result.endpoints == 4
    assert {p.name for p in result.files} == {"pets.yaml", "auth.yaml"}
    assert check_fixtures(tmp_path / "out") == []
    catalog = load_catalog(tmp_path / "out")
    by_id = {e.id: e for e in catalog.endpoints}
    assert set(by_id) == {
        "pets.list_pets",
        "pets.create_pet",
        "pets.show_pet",
        "pets.delete_pets_pet_id",
    }
    listing = by_id["pets.list_pets"]
    assert (listing.auth, listing.scopes) == ("bearer", ("pets:read",))
    assert [(f.name, f.type) for f in listing.request.query] == [("limit", "integer")]
    assert listing.responses[-1].example == [
        {"name": "Rex", "tag": "dog", "born": "2025-01-01", "id": 1}
    ]
    create = by_id["pets.create_pet"]
    assert create.scopes == ("pets:write",)
    assert [(f.name, f.required, f.enum) for f in create.request.body] == [
        ("name", True, None),
        ("tag", False, ("dog", "cat")),
        ("born", False, None),
    ]
    assert [v.status for v in create.responses] == [409, 201]
    assert create.responses[0].when is not None
    assert create.responses[0].when.as_dict() == {"headers": {"Prefer": "code=409"}}
    show = by_id["pets.show_pet"]
    assert show.auth == "open"
    assert show.path == "/pets/{pet_id}"
    assert [(f.name, f.type, f.example) for f in show.request.path] == [("pet_id", "integer", 7)]
    assert catalog.auth.users[0].scopes == ("pets:read", "pets:write")


async def test_importer_output_serves_with_prefer(tmp_path: Path, aiohttp_client) -> None:
    """The imported fixtures answer the success example, and Prefer: code=404 picks the 404."""
    spec = tmp_path / "petstore.yaml"
    spec.write_text(PETSTORE)
    import_openapi(spec, tmp_path / "out")
    client: TestClient = await aiohttp_client(create_app(Config(fixtures=tmp_path / "out")))
    ok = await client.get("/pets/7")
    assert ok.status == 200
    assert (await ok.json())["id"] == 1
    missing = await client.get("/pets/7", headers={"Prefer": "code=404"})
    assert missing.status == 404
    assert (await missing.json())["error"] == "not_found"


def _shape(catalog: Catalog) -> dict[tuple[str, str], dict[str, object]]:
    return {
        (e.method, e.path): {
            "id": e.id,
            "group": e.group,
            "auth": e.auth,
            "scopes": e.scopes,
            "summary": e.summary,
            "builtin": e.builtin,
            # OpenAPI describes the Authorization header by the security scheme, not a parameter.
            "fields": [
                (f.location, f.name, f.type, f.required, f.enum)
                for f in e.request.all_fields()
                if f.name.lower() != "authorization"
            ],
            "responses": [
                (v.status, v.when.as_dict() if v.when else None, v.example) for v in e.responses
            ],
        }
        for e in catalog.endpoints
    }


def test_importer_round_trips_our_own_export(tmp_path: Path) -> None:
    """Importing the shipped catalog's /openapi.json gives an equivalent catalog."""
    original = load_catalog(shipped_fixtures())
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(openapi_document(original, "http://127.0.0.1:8080")))
    import_openapi(spec, tmp_path / "out")
    assert check_fixtures(tmp_path / "out") == []
    imported = load_catalog(tmp_path / "out")
    assert (
        imported.totals()
        == original.totals()
        == {
            "endpoints": 122,
            "protected": 83,
            "open": 39,
            "groups": 34,
        }
    )
    before, after = _shape(original), _shape(imported)
    assert before.keys() == after.keys()
    for route in before:
        assert after[route] == before[route], route


def test_importer_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    """Existing fixture files are kept unless --force is given."""
    spec = tmp_path / "petstore.yaml"
    spec.write_text(PETSTORE)
    out = tmp_path / "out"
    out.mkdir()
    (out / "pets.yaml").write_text("mine\n")
    with pytest.raises(OutputExistsError, match=r"pets\.yaml exists already; pass --force"):
        import_openapi(spec, out)
    assert (out / "pets.yaml").read_text() == "mine\n"
    import_openapi(spec, out, force=True)
    assert (out / "pets.yaml").read_text().startswith("# Imported from an OpenAPI document")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"swagger": "2.0"}', "expected an OpenAPI 3.0 or 3.1 document"),
        ("openapi: [3.1", "not valid YAML"),
        (
            'openapi: "3.1.0"\npaths:\n  /x:\n    get:\n      responses:\n'
            '        "200": {$ref: "#/nope"}\n',
            "cannot resolve $ref '#/nope'",
        ),
    ],
)
def test_importer_explains_bad_documents(tmp_path: Path, text: str, message: str) -> None:
    """A document that is not OpenAPI 3, not parseable, or has a dangling $ref is named."""
    spec = tmp_path / ("spec.json" if text.startswith("{") else "spec.yaml")
    spec.write_text(text)
    with pytest.raises(OpenAPIImportError, match=re.escape(message)):
        import_openapi(spec, tmp_path / "out")


def test_import_openapi_cli_writes_and_reports(tmp_path: Path, capsys) -> None:
    """The CLI imports, lists what it wrote, refuses to overwrite, and names a bad document."""
    from mockserver.cli import ExitCode, main

    spec = tmp_path / "petstore.yaml"
    spec.write_text(PETSTORE)
    out = tmp_path / "out"
    assert main(["import-openapi", str(spec), "--out", str(out)]) == ExitCode.OK
    printed = capsys.readouterr().out.strip().splitlines()
    assert printed[-1] == f"imported 4 endpoints into {out}"
    assert set(printed[:-1]) == {str(out / "pets.yaml"), str(out / "auth.yaml")}
    assert main(["import-openapi", str(spec), "--out", str(out)]) == ExitCode.OUTPUT_EXISTS
    assert "pass --force" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text('{"swagger": "2.0"}')
    assert (
        main(["import-openapi", str(bad), "--out", str(tmp_path / "o2")]) == ExitCode.SPEC_INVALID
    )
    assert capsys.readouterr().err.startswith(f"coherta-mock: {bad}: expected an OpenAPI 3.0")
