"""The framework library's web pages: frameworks and their trees, requirements, mapping
sets and reference controls, as a compliance manager, an auditor and people without the
compliance grant see them."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.test import Client

from garrison.compliance.models import Framework, RequirementMapping, RequirementNode
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


def page(client: Client, person: Person, url: str) -> str:
    client.force_login(person)
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# The framework list ------------------------------------------------------------------------------


def test_the_framework_list_shows_each_framework_with_its_number_of_requirements(
    client: Client, compliance_manager: Person, library: Library
) -> None:
    html = page(client, compliance_manager, "/compliance/")

    assert f'href="/compliance/frameworks/{library.iso.pk}/"' in html
    rows = re.findall(r"<tr>.*?</tr>", html, re.S)
    iso_row = text_of(next(row for row in rows if "ISO 27001" in row))
    assert "Information security management" in iso_row
    assert " 6 " in iso_row  # six requirement nodes
    assert "urn:test:library:frameworks" in iso_row
    assert "2 results" in html


def test_the_framework_list_filters_by_provider_and_searches_names(
    client: Client, compliance_manager: Person, library: Library
) -> None:
    by_provider = page(client, compliance_manager, "/compliance/?provider=TC260")
    searched = page(client, compliance_manager, "/compliance/?q=management")

    assert "MLPS 3" in by_provider
    assert "ISO 27001" not in text_of(by_provider.split("<tbody>")[1])
    assert "1 result" in by_provider
    assert "ISO 27001" in text_of(searched.split("<tbody>")[1])
    assert "MLPS 3" not in text_of(searched.split("<tbody>")[1])


def test_the_framework_list_exports_the_filtered_frameworks(
    client: Client, compliance_manager: Person, library: Library
) -> None:
    client.force_login(compliance_manager)

    response = client.get("/compliance/?provider=ISO&export=csv")

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Reference", "Name", "Provider", "Origin", "Requirements", "Library"]
    assert rows[1:] == [
        [
            "ISO 27001",
            "Information security management",
            "ISO",
            "Garrison library (YAML)",
            "6",
            "urn:test:library:frameworks",
        ]
    ]


def test_an_empty_library_tells_a_compliance_manager_how_to_load_one(
    client: Client, compliance_manager: Person
) -> None:
    html = page(client, compliance_manager, "/compliance/")

    assert "No framework is loaded yet" in html
    assert 'href="/library/upload/"' in html


def test_an_empty_library_tells_an_auditor_who_loads_one_without_offering_the_upload(
    client: Client, auditor: Person
) -> None:
    html = page(client, auditor, "/compliance/")

    assert "No framework is loaded yet" in html
    assert "/library/upload/" not in html


# The framework page and its tree -----------------------------------------------------------------


def test_the_framework_page_nests_the_tree_in_details_and_marks_assessable_requirements(
    client: Client, compliance_manager: Person, library: Library
) -> None:
    html = page(client, compliance_manager, f"/compliance/frameworks/{library.iso.pk}/")

    tree = html.split('<ul class="requirement-tree">')[1].split("</section>")[0]
    # A.5 holds A.5-1 which holds A.5.1 and A.5.2; A.6 holds A.6.1: three groups in all.
    assert tree.count("<details") == 3
    order = [tree.index(f">{key}<") for key in ("A.5", "A.5-1", "A.5.1", "A.5.2", "A.6", "A.6.1")]
    assert order == sorted(order)
    between_a6_and_a61 = tree[tree.index(">A.6<") : tree.index(">A.6.1<")]
    assert "</details>" not in between_a6_and_a61  # A.6.1 sits inside A.6's group
    assert tree.count("requirement-assessable") == 3
    # Every group closed, and the tree itself: the markup nests properly.
    assert tree.count("<ul") + 1 == tree.count("</ul>")
    assert tree.count("<li") == tree.count("</li>")
    assert tree.count("</details>") == 3


def test_the_framework_page_shows_reference_controls_and_mappings_on_each_requirement(
    client: Client, compliance_manager: Person, library: Library
) -> None:
    iso_html = page(client, compliance_manager, f"/compliance/frameworks/{library.iso.pk}/")
    mlps_html = page(client, compliance_manager, f"/compliance/frameworks/{library.mlps.pk}/")

    assert f'href="/compliance/reference-controls/{library.control.pk}/">RC-POL</a>' in iso_html
    iso_text = text_of(iso_html)
    assert "Equal MLPS 3 8.1.6.1 Security policy" in iso_text
    assert "Subset MLPS 3 8.1.6.2 Management system" in iso_text
    # From the target's side the relation reads the other way round.
    mlps_text = text_of(mlps_html)
    assert "Equal ISO 27001 A.5.1 Information security policies" in mlps_text
    assert "Superset ISO 27001 A.5.2 Review of the policies" in mlps_text


def test_the_tree_search_shows_matching_requirements_with_their_ancestors_only(
    client: Client, compliance_manager: Person, library: Library
) -> None:
    html = page(client, compliance_manager, f"/compliance/frameworks/{library.iso.pk}/?q=review")

    tree = html.split('<ul class="requirement-tree">')[1].split("</section>")[0]
    shown = re.findall(r'class="requirement-reference">([^<]+)<', tree)
    assert shown == ["A.5", "A.5-1", "A.5.2"]
    assert tree.count("requirement-match") == 1
    assert "1 requirement matches “review”" in text_of(html)


def test_a_tree_search_finding_nothing_says_so(
    client: Client, compliance_manager: Person, library: Library
) -> None:
    html = page(client, compliance_manager, f"/compliance/frameworks/{library.iso.pk}/?q=nothing-like-this")

    assert "No requirement matches this search." in html
    assert "requirement-reference" not in html


# Requirement, mapping set and reference control pages ---------------------------------------------


def test_the_requirement_page_places_it_in_its_framework_and_lists_what_relates_to_it(
    client: Client, compliance_manager: Person, library: Library
) -> None:
    html = page(client, compliance_manager, f"/compliance/requirements/{library.policy_document.pk}/")

    crumbs = html.split('class="breadcrumb mb-0 requirement-breadcrumbs"')[1].split("</ol>")[0]
    assert re.findall(r'href="([^"]+)"', crumbs) == [
        f"/compliance/frameworks/{library.iso.pk}/",
        f"/compliance/requirements/{library.organisational.pk}/",
        f"/compliance/requirements/{library.policies.pk}/",
    ]
    text = text_of(html)
    assert "Our summary of A.5.1." in text
    assert "RC-POL Policy management" in text
    assert "Equal MLPS 3 8.1.6.1 Security policy" in text
    assert "No requirement sits within this one." in text


def test_the_requirement_page_of_a_group_lists_its_children(
    client: Client, compliance_manager: Person, library: Library
) -> None:
    html = page(client, compliance_manager, f"/compliance/requirements/{library.policies.pk}/")

    assert f'href="/compliance/requirements/{library.policy_document.pk}/">A.5.1</a>' in html
    assert f'href="/compliance/requirements/{library.policy_review.pk}/">A.5.2</a>' in html


def test_the_mapping_set_list_shows_frameworks_and_relation_counts(
    client: Client, compliance_manager: Person, library: Library
) -> None:
    html = page(client, compliance_manager, "/compliance/mappings/")

    row = text_of(re.findall(r"<tr>.*?</tr>", html, re.S)[1])
    assert row.split() == [
        "ISO",
        "27001",
        "to",
        "MLPS",
        "3",
        "ISO",
        "27001",
        "MLPS",
        "3",
        "2",
        "urn:test:library:frameworks",
    ]


def test_the_mapping_set_page_filters_relations_by_relation_and_by_requirement(
    client: Client, compliance_manager: Person, library: Library
) -> None:
    url = f"/compliance/mappings/{library.mapping_set.pk}/"
    everything = page(client, compliance_manager, url)
    subsets = page(client, compliance_manager, f"{url}?relation=subset")
    by_source = page(client, compliance_manager, f"{url}?source_text=A.5.1")
    by_target = page(client, compliance_manager, f"{url}?target_text=management")

    assert "2 results" in everything
    assert "Equal: 1" in text_of(everything)
    assert "Subset: 1" in text_of(everything)
    assert "1 result" in subsets
    assert ">A.5.2<" in subsets
    assert ">A.5.1<" not in subsets
    assert "1 result" in by_source
    assert ">8.1.6.1<" in by_source
    assert "1 result" in by_target
    assert ">8.1.6.2<" in by_target


def test_the_mapping_set_page_exports_its_relations(
    client: Client, compliance_manager: Person, library: Library
) -> None:
    client.force_login(compliance_manager)

    response = client.get(f"/compliance/mappings/{library.mapping_set.pk}/?export=csv")

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows == [
        [
            "Source requirement",
            "Source name",
            "Relation",
            "Target requirement",
            "Target name",
            "Strength",
            "Rationale",
        ],
        [
            "A.5.1",
            "Information security policies",
            "Equal",
            "8.1.6.1",
            "Security policy",
            "3",
            "Both ask for a written policy.",
        ],
        ["A.5.2", "Review of the policies", "Subset", "8.1.6.2", "Management system", "", ""],
    ]


def test_the_reference_control_pages_list_controls_and_the_requirements_they_meet(
    client: Client, compliance_manager: Person, library: Library
) -> None:
    listed = page(client, compliance_manager, "/compliance/reference-controls/")
    detail = page(client, compliance_manager, f"/compliance/reference-controls/{library.control.pk}/")

    assert text_of(re.findall(r"<tr>.*?</tr>", listed, re.S)[1]).split() == (
        ["RC-POL", "Policy", "management", "policy", "govern", "1", "urn:test:library:frameworks"]
    )
    assert "ISO 27001 Information security management A.5.1 Information security policies" in text_of(detail)


# Languages ---------------------------------------------------------------------------------------


def test_a_reader_of_chinese_sees_the_chinese_names_where_the_library_has_them(
    client: Client, compliance_manager: Person, library: Library
) -> None:
    client.cookies["django_language"] = "zh-hans"
    listed = page(client, compliance_manager, "/compliance/")
    tree = page(client, compliance_manager, f"/compliance/frameworks/{library.iso.pk}/")

    assert "信息安全管理" in listed
    assert "等级保护第三级" in listed
    assert "Information security management" not in text_of(listed.split("<tbody>")[1])
    assert "组织控制" in tree
    assert "信息安全策略" in tree
    assert "Review of the policies" in tree  # no Chinese name: the English one stays


# Who sees what -----------------------------------------------------------------------------------


def test_the_navigation_offers_the_compliance_sections_to_a_compliance_manager(
    client: Client, compliance_manager: Person, library: Library
) -> None:
    html = page(client, compliance_manager, f"/compliance/frameworks/{library.iso.pk}/")

    for url in ("/compliance/", "/compliance/mappings/", "/compliance/reference-controls/", "/library/"):
        assert f'href="{url}"' in html


def test_an_auditor_reads_every_page_without_an_upload_offer(
    client: Client, auditor: Person, library: Library
) -> None:
    urls = [
        "/compliance/",
        f"/compliance/frameworks/{library.iso.pk}/",
        f"/compliance/requirements/{library.screening.pk}/",
        "/compliance/mappings/",
        f"/compliance/mappings/{library.mapping_set.pk}/",
        "/compliance/reference-controls/",
        f"/compliance/reference-controls/{library.control.pk}/",
    ]

    pages = [page(client, auditor, url) for url in urls]

    assert all("/library/upload/" not in html for html in pages)
    assert "ISO 27001" in pages[0]


@pytest.mark.parametrize("person_fixture", ["risk_owner", "colleague"])
def test_a_person_without_the_compliance_grant_finds_no_framework_data(
    client: Client, request: pytest.FixtureRequest, person_fixture: str, library: Library
) -> None:
    person = request.getfixturevalue(person_fixture)
    client.force_login(person)
    before = (Framework.objects.count(), RequirementNode.objects.count(), RequirementMapping.objects.count())

    home = client.get("/").content.decode()
    lists = [
        client.get(url)
        for url in ("/compliance/", "/compliance/mappings/", "/compliance/reference-controls/")
    ]
    details = [
        client.get(url)
        for url in (
            f"/compliance/frameworks/{library.iso.pk}/",
            f"/compliance/requirements/{library.policy_document.pk}/",
            f"/compliance/mappings/{library.mapping_set.pk}/",
            f"/compliance/reference-controls/{library.control.pk}/",
        )
    ]
    missing = client.get("/compliance/frameworks/999999/")

    assert 'href="/compliance/"' not in home
    assert [response.status_code for response in lists] == [200, 200, 200]
    assert all("0 results" in response.content.decode() for response in lists)
    assert all("ISO 27001" not in response.content.decode() for response in lists)
    assert [response.status_code for response in details] == [404, 404, 404, 404]
    assert details[0].content == missing.content
    after = (Framework.objects.count(), RequirementNode.objects.count(), RequirementMapping.objects.count())
    assert after == before


# Query counts ------------------------------------------------------------------------------------


def queries_for(client: Client, url: str, django_assert_max_num_queries: Any, maximum: int) -> str:
    with django_assert_max_num_queries(maximum):
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("url", ["/compliance/", "/compliance/mappings/", "/compliance/reference-controls/"])
def test_a_list_page_costs_the_same_queries_for_many_rows(
    client: Client, compliance_manager: Person, library: Library, django_assert_max_num_queries: Any, url: str
) -> None:
    add_frameworks(count=30, requirements_each=3)
    client.force_login(compliance_manager)

    html = queries_for(client, url, django_assert_max_num_queries, 16)

    assert "result" in html


def test_the_framework_tree_costs_the_same_queries_for_a_large_framework(
    client: Client, compliance_manager: Person, library: Library, django_assert_max_num_queries: Any
) -> None:
    add_frameworks(count=1, requirements_each=200)
    framework = Framework.objects.get(reference="BULK-000")
    client.force_login(compliance_manager)

    html = queries_for(client, f"/compliance/frameworks/{framework.pk}/", django_assert_max_num_queries, 16)

    assert html.count('class="requirement-reference"') == 301


def test_the_mapping_set_page_costs_the_same_queries_for_many_relations(
    client: Client, compliance_manager: Person, library: Library, django_assert_max_num_queries: Any
) -> None:
    targets = list(RequirementNode.objects.filter(framework=library.mlps))
    sources = list(RequirementNode.objects.filter(framework=library.iso))
    RequirementMapping.objects.bulk_create(
        RequirementMapping(
            mapping_set=library.mapping_set, source=source, target=target, relation="intersect"
        )
        for source in sources
        for target in targets
        if (source.pk, target.pk)
        not in {
            (library.policy_document.pk, library.security_policy.pk),
            (library.policy_review.pk, library.management_system.pk),
        }
    )
    client.force_login(compliance_manager)

    html = queries_for(
        client, f"/compliance/mappings/{library.mapping_set.pk}/", django_assert_max_num_queries, 16
    )

    assert "12 results" in html
