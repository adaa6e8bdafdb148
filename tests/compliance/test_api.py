"""The framework library's API: read-only lists and objects, the nested requirement tree,
filters, and what people without the compliance grant get."""

from __future__ import annotations

from typing import Any

import pytest

from garrison.compliance.api import library as compliance_api
from garrison.compliance.models import Framework, MappingSet, RequirementMapping, RequirementNode
from garrison.core.models import Person
from garrison.core.roles import Role
from tests.compliance.framework_library import Library, add_frameworks, build_library

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(db: Any) -> Library:
    return build_library()


@pytest.fixture
def risk_owner(organisation: Any, make_person: Any) -> Person:
    return make_person("riskowner", organisation.root, (Role.RISK_OWNER, organisation.root))


def get(api: Any, person: Person, url: str) -> Any:
    response = api.as_(person).get(url)
    assert response.status_code == 200, response.content[:500]
    return response.json()


def test_the_framework_list_gives_each_framework_with_its_number_of_requirements(
    api: Any, compliance_manager: Person, library: Library
) -> None:
    body = get(api, compliance_manager, "/api/compliance/frameworks/")

    assert body["count"] == 2
    first = body["results"][0]
    assert first == {
        "id": library.iso.pk,
        "urn": "urn:test:framework:iso27001",
        "reference": "ISO 27001",
        "name": "Information security management",
        "name_zh": "信息安全管理",
        "description": "",
        "description_zh": "",
        "provider": "ISO",
        "origin": "library",
        "library_urn": "urn:test:library:frameworks",
        "requirement_count": 6,
        "created_at": first["created_at"],
        "updated_at": first["updated_at"],
    }
    assert [item["reference"] for item in body["results"]] == ["ISO 27001", "MLPS 3"]


def test_the_framework_list_filters_by_provider_and_origin(
    api: Any, compliance_manager: Person, library: Library
) -> None:
    by_provider = get(api, compliance_manager, "/api/compliance/frameworks/?provider=TC260")
    by_origin = get(api, compliance_manager, "/api/compliance/frameworks/?origin=oscal")

    assert [item["reference"] for item in by_provider["results"]] == ["MLPS 3"]
    assert by_origin["count"] == 0


def test_the_tree_nests_every_requirement_in_reading_order(
    api: Any, compliance_manager: Person, library: Library
) -> None:
    body = get(api, compliance_manager, f"/api/compliance/frameworks/{library.iso.pk}/tree/")

    def shape(nodes: list[dict[str, Any]]) -> list[Any]:
        return [(node["reference"], node["is_assessable"], shape(node["children"])) for node in nodes]

    assert body["framework"] == library.iso.pk
    assert (body["count"], body["is_complete"]) == (6, True)
    assert shape(body["nodes"]) == [
        ("A.5", False, [("A.5-1", False, [("A.5.1", True, []), ("A.5.2", True, [])])]),
        ("A.6", False, [("A.6.1", True, [])]),
    ]
    assert body["nodes"][0]["name_zh"] == "组织控制"
    assert set(body["nodes"][0]) == set(compliance_api.TREE_NODE_FIELDS)


def test_the_tree_is_bounded_and_says_when_it_is_cut(
    api: Any, compliance_manager: Person, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compliance_api, "TREE_MAXIMUM_NODES", 4)

    body = get(api, compliance_manager, f"/api/compliance/frameworks/{library.iso.pk}/tree/")

    assert (body["count"], body["is_complete"]) == (4, False)
    assert [node["reference"] for node in body["nodes"]] == ["A.5"]
    assert [child["reference"] for child in body["nodes"][0]["children"][0]["children"]] == ["A.5.1", "A.5.2"]


def test_the_requirement_list_filters_by_framework_parent_assessable_and_text(
    api: Any, compliance_manager: Person, library: Library
) -> None:
    base = "/api/compliance/requirements/"
    of_mlps = get(api, compliance_manager, f"{base}?framework={library.mlps.pk}")
    children = get(api, compliance_manager, f"{base}?parent={library.policies.pk}")
    assessable = get(api, compliance_manager, f"{base}?framework={library.iso.pk}&assessable=true")
    top = get(api, compliance_manager, f"{base}?framework={library.iso.pk}&is_root=true")
    searched = get(api, compliance_manager, f"{base}?search=screening")

    def references(body: Any) -> list[str]:
        return [item["reference"] for item in body["results"]]

    assert references(of_mlps) == ["8.1.6.1", "8.1.6.2"]
    assert references(children) == ["A.5.1", "A.5.2"]
    assert references(assessable) == ["A.5.1", "A.5.2", "A.6.1"]
    assert references(top) == ["A.5", "A.6"]
    assert references(searched) == ["A.6.1"]


def test_a_requirement_names_its_framework_parent_and_reference_controls(
    api: Any, compliance_manager: Person, library: Library
) -> None:
    body = get(api, compliance_manager, f"/api/compliance/requirements/{library.policy_document.pk}/")

    assert body == {
        "id": library.policy_document.pk,
        "urn": "urn:test:framework:iso27001:a.5.1",
        "framework": library.iso.pk,
        "parent": library.policies.pk,
        "reference": "A.5.1",
        "name": "Information security policies",
        "name_zh": "信息安全策略",
        "description": "Our summary of A.5.1.",
        "description_zh": "",
        "is_assessable": True,
        "order": 3,
        "depth": 2,
        "reference_controls": [library.control.pk],
    }


def test_mapping_sets_and_their_relations_are_listed_with_filters(
    api: Any, compliance_manager: Person, library: Library
) -> None:
    sets = get(api, compliance_manager, "/api/compliance/mapping-sets/")
    relations = "/api/compliance/requirement-mappings/"
    subsets = get(api, compliance_manager, f"{relations}?relation=subset")
    by_source = get(api, compliance_manager, f"{relations}?source={library.policy_document.pk}")
    by_target = get(api, compliance_manager, f"{relations}?target={library.management_system.pk}")
    by_set = get(api, compliance_manager, f"{relations}?mapping_set={library.mapping_set.pk}")

    assert [(item["name"], item["relation_count"]) for item in sets["results"]] == [
        ("ISO 27001 to MLPS 3", 2)
    ]
    assert sets["results"][0]["source_framework"] == library.iso.pk
    assert [item["id"] for item in subsets["results"]] == [library.subset.pk]
    assert by_source["results"] == [
        {
            "id": library.equal.pk,
            "mapping_set": library.mapping_set.pk,
            "source": library.policy_document.pk,
            "source_reference": "A.5.1",
            "target": library.security_policy.pk,
            "target_reference": "8.1.6.1",
            "relation": "equal",
            "strength": 3,
            "rationale": "Both ask for a written policy.",
        }
    ]
    assert [item["id"] for item in by_target["results"]] == [library.subset.pk]
    assert by_set["count"] == 2


def test_reference_controls_are_listed_with_the_number_of_requirements_they_meet(
    api: Any, compliance_manager: Person, library: Library
) -> None:
    body = get(api, compliance_manager, "/api/compliance/reference-controls/?category=policy")
    one = get(api, compliance_manager, f"/api/compliance/reference-controls/{library.control.pk}/")

    assert [(item["reference"], item["requirement_count"]) for item in body["results"]] == [("RC-POL", 1)]
    assert one["name_zh"] == "策略管理"


def test_the_framework_export_gives_the_filtered_frameworks(
    api: Any, compliance_manager: Person, library: Library
) -> None:
    response = api.as_(compliance_manager).get(
        "/api/compliance/frameworks/export/?file_format=csv&provider=ISO"
    )

    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "Reference,Name,Provider,Origin,Requirements,Library"
    assert lines[1:] == [
        "ISO 27001,Information security management,ISO,Garrison library (YAML),6,urn:test:library:frameworks"
    ]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/api/compliance/frameworks/"),
        ("patch", "/api/compliance/frameworks/{iso}/"),
        ("delete", "/api/compliance/frameworks/{iso}/"),
        ("post", "/api/compliance/requirements/"),
        ("delete", "/api/compliance/mapping-sets/{mapping_set}/"),
        ("post", "/api/compliance/reference-controls/"),
    ],
)
def test_library_data_cannot_be_written_through_the_api(
    api: Any, compliance_manager: Person, library: Library, method: str, url: str
) -> None:
    address = url.format(iso=library.iso.pk, mapping_set=library.mapping_set.pk)

    response = getattr(api.as_(compliance_manager), method)(address, {"name": "Changed"}, format="json")

    assert response.status_code == 405
    assert Framework.objects.get(pk=library.iso.pk).name == "Information security management"
    assert MappingSet.objects.count() == 1


def test_an_auditor_reads_the_library(api: Any, auditor: Person, library: Library) -> None:
    body = get(api, auditor, f"/api/compliance/frameworks/{library.mlps.pk}/tree/")

    assert [node["reference"] for node in body["nodes"]] == ["8.1.6.1", "8.1.6.2"]


def test_an_administrator_of_one_site_reads_the_organisation_wide_library(
    api: Any, outsider: Person, library: Library
) -> None:
    # Library data is the whole organisation's: a grant on any unit reads it.
    body = get(api, outsider, f"/api/compliance/frameworks/{library.iso.pk}/")

    assert body["reference"] == "ISO 27001"


@pytest.mark.parametrize("person_fixture", ["risk_owner", "colleague"])
def test_a_person_without_the_compliance_grant_gets_empty_lists_and_404s(
    api: Any, request: pytest.FixtureRequest, person_fixture: str, library: Library
) -> None:
    person = request.getfixturevalue(person_fixture)
    client = api.as_(person)
    lists = [
        client.get(f"/api/compliance/{name}/")
        for name in (
            "frameworks",
            "requirements",
            "mapping-sets",
            "requirement-mappings",
            "reference-controls",
        )
    ]
    objects = [
        client.get(f"/api/compliance/frameworks/{library.iso.pk}/"),
        client.get(f"/api/compliance/frameworks/{library.iso.pk}/tree/"),
        client.get(f"/api/compliance/requirements/{library.policy_document.pk}/"),
        client.get(f"/api/compliance/mapping-sets/{library.mapping_set.pk}/"),
        client.get(f"/api/compliance/reference-controls/{library.control.pk}/"),
    ]
    missing = client.get("/api/compliance/frameworks/999999/")

    assert [(response.status_code, response.json()["count"]) for response in lists] == [(200, 0)] * 5
    assert [response.status_code for response in objects] == [404] * 5
    assert objects[0].json() == missing.json()
    assert RequirementNode.objects.count() == 8
    assert RequirementMapping.objects.count() == 2


@pytest.mark.parametrize(
    "url",
    [
        "/api/compliance/frameworks/",
        "/api/compliance/requirements/",
        "/api/compliance/mapping-sets/",
        "/api/compliance/requirement-mappings/",
        "/api/compliance/reference-controls/",
    ],
)
def test_a_list_costs_the_same_queries_for_many_rows(
    api: Any, compliance_manager: Person, library: Library, django_assert_max_num_queries: Any, url: str
) -> None:
    add_frameworks(count=30, requirements_each=3)
    client = api.as_(compliance_manager)

    with django_assert_max_num_queries(12):
        response = client.get(f"{url}?page_size=50")

    assert response.status_code == 200
    assert response.json()["count"] >= 1


def test_the_tree_costs_the_same_queries_for_a_large_framework(
    api: Any, compliance_manager: Person, library: Library, django_assert_max_num_queries: Any
) -> None:
    add_frameworks(count=1, requirements_each=300)
    framework = Framework.objects.get(reference="BULK-000")
    client = api.as_(compliance_manager)

    with django_assert_max_num_queries(10):
        response = client.get(f"/api/compliance/frameworks/{framework.pk}/tree/")

    assert response.json()["count"] == 451
