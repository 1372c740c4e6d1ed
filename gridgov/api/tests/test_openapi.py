"""The OpenAPI schema lists every endpoint, answers match it, and the docs page needs nothing from outside."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.staticfiles import finders
from django.test import Client
from jsonschema import Draft202012Validator

from gridgov.api.tests.conftest import Api
from gridgov.cases.tests import factories as f
from gridgov.testing import MiniDistrict

ENDPOINTS = {
    ("post", "/api/v1/reports"),
    ("get", "/api/v1/track/{tracking_no}"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/cases"),
    ("get", "/api/v1/cases/{tracking_no}"),
    ("get", "/api/v1/cases/{tracking_no}/photos/{pk}"),
    ("post", "/api/v1/cases/{tracking_no}/moves/{move}"),
    ("post", "/api/v1/tasks/{pk}/{event}"),
}


def openapi(client: Client) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(refs(value) for value in node))
    return set()


def check(document: dict[str, Any], name: str, body: Any) -> None:
    """Validate an answer against the component schema of the OpenAPI document."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    errors = sorted(Draft202012Validator(schema).iter_errors(body), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def test_the_schema_lists_every_endpoint_with_its_security(client: Client, db: None) -> None:
    document = openapi(client)

    assert document["openapi"].startswith("3.")
    listed = {(method, path) for path, item in document["paths"].items() for method in item}
    assert listed == ENDPOINTS
    assert document["components"]["securitySchemes"]["TokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "gridgov API token",
    }
    assert document["paths"]["/api/v1/reports"]["post"]["security"] == [{"TokenAuth": []}, {}]
    assert document["paths"]["/api/v1/cases"]["get"]["security"] == [{"TokenAuth": []}]
    assert "security" not in document["paths"]["/api/v1/track/{tracking_no}"]["get"]
    body = document["paths"]["/api/v1/reports"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "multipart/form-data"}
    assert body["multipart/form-data"]["schema"]["properties"]["photos"]["items"]["format"] == "binary"
    assert (
        "accept_dispatch"
        in document["paths"]["/api/v1/cases/{tracking_no}/moves/{move}"]["post"]["requestBody"]["description"]
    )
    missing = {ref for ref in refs(document) if ref.split("/")[-1] not in document["components"]["schemas"]}
    assert not missing


def test_answers_match_the_documented_schemas(client: Client, as_user: Any, mini: MiniDistrict) -> None:
    document = openapi(client)
    case = f.in_progress(mini, photos=[f.photo()])
    api = as_user(mini.handler)

    check(document, "CaseDetailOut", api.get(f"/cases/{case.tracking_no}").json())
    check(document, "CasePage", api.get("/cases").json())
    check(document, "MeOut", api.get("/me").json())
    check(
        document, "TrackOut", Api(client).get(f"/track/{case.tracking_no}", phone_last4=f.PHONE[-4:]).json()
    )
    report = {
        "description": "路灯不亮",
        "lon": f.A1_POINT[0],
        "lat": f.A1_POINT[1],
        "reporter_phone": f.PHONE,
    }
    check(document, "ReportOut", Api(client).post("/reports", report).json())
    check(document, "ErrorOut", Api(client).post("/reports", {}).json())


def test_the_docs_page_loads_swagger_ui_from_local_static_files_only(client: Client, db: None) -> None:
    response = client.get("/api/v1/docs")

    assert response.status_code == 200  # no login needed, as for the schema
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert set(assets) == {
        "/static/vendor/swagger-ui/swagger-ui.css",
        "/static/vendor/swagger-ui/favicon-32x32.png",
        "/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "/static/api/docs.js",
    }
    for asset in assets:
        assert finders.find(asset.removeprefix("/static/")), asset
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
    assert '"url": "/api/v1/openapi.json"' in html
