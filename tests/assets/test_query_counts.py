"""Query-count baselines: the inventory list page and API cost the same for 5 rows or 50."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from garrison.assets import services
from garrison.assets.models import AssetType
from garrison.core.models import Person
from garrison.core.roles import Role

pytestmark = pytest.mark.django_db

# Session, person, grants, root units, count and page (with the tags prefetch), the
# session save; the page adds the filter form's unit and tag choices and the navigation.
MAXIMUM_API_QUERIES = 11
MAXIMUM_PAGE_QUERIES = 13


@pytest.fixture
def inventory(organisation: Any, owner: Person, make_asset: Any) -> None:
    site = make_asset("DC-1", asset_type=AssetType.SITE)
    previous = None
    for number in range(60):
        asset = make_asset(
            f"SRV-{number:03d}",
            owner=owner,
            site=site,
            unit=organisation.beijing_ops if number % 2 else organisation.beijing,
            ip_addresses=[f"10.0.0.{number}"],
            tags=["rack-a", f"team-{number % 3}"],
        )
        if previous is not None and number % 5:
            services.add_dependency(previous, asset, by=None)
        previous = asset


@pytest.fixture
def security_officer(make_person: Any, organisation: Any) -> Person:
    return make_person("officer", organisation.beijing_ops, (Role.SECURITY_OFFICER, organisation.beijing_ops))


def count(client: Any, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    rows = len(response.json()["results"]) if url.startswith("/api/") else len(response.context["rows"])
    return len(captured), rows


@pytest.mark.parametrize("persona", ["owner", "security_officer", "auditor"])
@pytest.mark.parametrize(
    "query",
    ["", "&ordering=-effective_criticality", "&search=10.0.0", "&tag=rack-a", "&asset_type=server"],
)
def test_the_asset_list_api_costs_the_same_for_five_rows_or_fifty(
    inventory: None, api: Any, request: Any, persona: str, query: str
) -> None:
    client = api.as_(request.getfixturevalue(persona))
    client.get("/api/assets/assets/?page_size=1")
    small_queries, small_rows = count(client, f"/api/assets/assets/?page_size=5{query}")
    large_queries, large_rows = count(client, f"/api/assets/assets/?page_size=50{query}")
    assert small_rows == 5
    assert large_rows > 5
    assert small_queries == large_queries
    assert large_queries <= MAXIMUM_API_QUERIES


@pytest.mark.parametrize("persona", ["owner", "security_officer"])
@pytest.mark.parametrize("query", ["", "&sort=-effective_criticality", "&q=10.0.0", "&tag=rack-a"])
def test_the_asset_list_page_costs_the_same_for_25_rows_or_100(
    inventory: None, client: Any, request: Any, persona: str, query: str
) -> None:
    client.force_login(request.getfixturevalue(persona))
    url = reverse("assets:asset-list")
    client.get(url)
    small_queries, small_rows = count(client, f"{url}?page_size=25{query}")
    large_queries, large_rows = count(client, f"{url}?page_size=100{query}")
    assert small_rows == 25
    assert large_rows > 25
    assert small_queries == large_queries
    assert large_queries <= MAXIMUM_PAGE_QUERIES


def test_the_dependency_list_api_costs_the_same_for_five_rows_or_fifty(
    inventory: None, api: Any, owner: Person
) -> None:
    client = api.as_(owner)
    client.get("/api/assets/dependencies/?page_size=1")
    small_queries, small_rows = count(client, "/api/assets/dependencies/?page_size=5")
    large_queries, large_rows = count(client, "/api/assets/dependencies/?page_size=50")
    assert (small_rows, large_rows) == (5, 48)
    assert small_queries == large_queries <= MAXIMUM_API_QUERIES


def test_the_asset_page_does_not_grow_with_the_graph(inventory: None, client: Any, owner: Person) -> None:
    from garrison.assets.models import Asset

    client.force_login(owner)
    url = reverse("assets:asset-detail", args=[Asset.objects.get(reference="SRV-001").pk])
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["tree"].depends_on[0].children) == 1
    # Two queries per level of each tree, two to explain the criticality, the history and
    # the RACI lines, the controls protecting the asset, its vulnerability findings (counts
    # and the first ones) and its log sources with their latest reports (and, when there are
    # reports, their untriaged findings): bounded by the depth shown, whatever the number of
    # assets.
    assert len(captured) <= 29
