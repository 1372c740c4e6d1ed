"""Discovery, services and service definitions: derived from the matter categories, in both formats."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.test import Client

from gridgov.cases.models import Category, Urgency
from gridgov.open311.tests.schemas import validate

BASE = "/open311/v2/"


def matter(code: str) -> Category:
    return Category.objects.get(kind=Category.Kind.MATTER, code=code)


def test_discovery_names_the_specification_this_endpoint_and_both_formats(api: Client, db: None) -> None:
    response = api.get(BASE + "discovery.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    # GeoReport v2 first; then mySociety's extension at the same URL (see test_updates).
    endpoint, _extension = response.json()["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["application/json", "text/xml"]


def test_discovery_in_xml_uses_the_specs_element_names(api: Client, db: None) -> None:
    response = api.get(BASE + "discovery.xml")

    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == "discovery"
    endpoint = root.find("endpoints/endpoint")
    assert endpoint is not None
    assert [f.text for f in endpoint.findall("formats/format")] == ["application/json", "text/xml"]
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert len(root.findall("endpoints/endpoint")) == 2


def test_services_are_the_active_matters_and_conform_to_the_schema(api: Client, db: None) -> None:
    garbage = matter("06010")
    Category.objects.filter(kind=Category.Kind.MATTER, code="06011").update(active=False)

    answer = api.get(BASE + "services.json").json()

    validate(answer, "services.json")
    codes = [service["service_code"] for service in answer]
    assert len(codes) == Category.objects.filter(kind=Category.Kind.MATTER, active=True).count()
    assert "06011" not in codes  # inactive
    service = next(s for s in answer if s["service_code"] == "06010")
    assert service["service_name"] == garbage.name
    assert service["group"] == garbage.class_name
    assert service["type"] == "realtime"
    assert service["metadata"] is True
    # Synonyms become the comma-separated keywords.
    assert "乱扔垃圾" in service["keywords"].split(", ")


def test_services_in_xml_are_service_elements_with_spec_names(api: Client, db: None) -> None:
    root = ET.fromstring(api.get(BASE + "services.xml").content)

    assert root.tag == "services"
    first = root.find("service")
    assert first is not None
    assert [child.tag for child in first] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert first.findtext("metadata") == "true"


def test_a_service_definition_offers_urgency_and_shows_the_categorys_conditions(
    api: Client, db: None
) -> None:
    dispute = matter("S01001")

    answer = api.get(BASE + "services/S01001.json").json()

    validate(answer, "service-definition.json")
    assert answer["service_code"] == "S01001"
    urgency, *information = answer["attributes"]
    assert (urgency["code"], urgency["variable"], urgency["datatype"], urgency["required"]) == (
        "urgency",
        True,
        "singlevaluelist",
        False,
    )
    assert [value["key"] for value in urgency["values"]] == list(Urgency.values)
    assert [a["code"] for a in information] == ["register_condition", "close_condition"]
    assert all(a["variable"] is False for a in information)
    assert dispute.register_condition in information[0]["description"]
    assert [a["order"] for a in answer["attributes"]] == [1, 2, 3]


def test_a_definition_names_the_matters_a_service_is_confused_with(api: Client, db: None) -> None:
    garbage = matter("06010")
    confused = garbage.confusable_with.split("|")[0]

    answer = api.get(BASE + "services/06010.json").json()

    validate(answer, "service-definition.json")
    (row,) = [a for a in answer["attributes"] if a["code"] == "confusable_with"]
    assert f"{confused} {matter(confused).name}" in row["description"]


def test_a_service_definition_in_xml_lists_attribute_values(api: Client, db: None) -> None:
    root = ET.fromstring(api.get(BASE + "services/S01001.xml").content)

    assert root.tag == "service_definition"
    attribute = root.find("attributes/attribute")
    assert attribute is not None
    assert attribute.findtext("code") == "urgency"
    assert attribute.findtext("variable") == "true"
    assert [v.findtext("key") for v in attribute.findall("values/value")] == list(Urgency.values)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_or_inactive_service_is_a_404_in_the_asked_format(api: Client, db: None, fmt: str) -> None:
    Category.objects.filter(kind=Category.Kind.MATTER, code="06011").update(active=False)

    for code in ("NOPE", "06011"):
        response = api.get(f"{BASE}services/{code}.{fmt}")

        assert response.status_code == 404
        if fmt == "json":
            assert response.json() == [{"code": 404, "description": f"No service has the code “{code}”."}]
        else:
            root = ET.fromstring(response.content)
            assert root.tag == "errors"
            assert root.findtext("error/code") == "404"


@pytest.mark.parametrize("path", ["services.html", "services.JSON", "discovery.yaml", "requests.csv"])
def test_an_unknown_format_extension_is_a_404_error_list(api: Client, db: None, path: str) -> None:
    response = api.get(BASE + path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json; charset=utf-8"
    (error,) = response.json()
    assert error["code"] == 404
    assert "use .json or .xml" in error["description"]


@pytest.mark.parametrize("path", ["", "services", "nothing/here.json", "requests/a/b.json"])
def test_any_other_address_is_a_404_error_list_not_a_page(api: Client, db: None, path: str) -> None:
    response = api.get(BASE + path)

    assert response.status_code == 404
    assert json.loads(response.content)[0]["code"] == 404


def test_a_method_the_endpoint_does_not_take_is_a_405_error_list(api: Client, db: None) -> None:
    response = api.post(BASE + "services.xml", {})

    assert response.status_code == 405
    root = ET.fromstring(response.content)
    assert (root.tag, root.findtext("error/code")) == ("errors", "405")


def test_discovery_names_the_contact_set_in_the_settings(api: Client, db: None, settings: Any) -> None:
    settings.GRIDGOV_OPEN311_CONTACT = "网格中心 0731-12345"

    assert api.get(BASE + "discovery.json").json()["contact"] == "网格中心 0731-12345"
