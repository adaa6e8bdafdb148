"""Query-count baselines: a list costs the same number of queries for 5 rows or 50."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from garrison.core.demo.runner import seed_demo_data
from garrison.core.models import OrgUnit, Person

pytestmark = pytest.mark.django_db

# Session, person, grants, the organisation's root units (a grant on one root must not
# cover a second tree), count and page, with room for middleware bookkeeping; anything
# per row would blow well past this at 50 rows.
MAXIMUM_QUERIES = 11


@pytest.fixture
def demo(db: Any) -> None:
    # The organisation alone: these lists are the core's, and the domain steps take seconds.
    seed_demo_data(scale=1, seed=1, only={"organisation"})


def queries_for(api: Any, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(url)
    assert response.status_code == 200, response.content
    return len(captured), len(response.json()["results"])


@pytest.mark.parametrize(
    ("endpoint", "username"),
    [
        ("/api/people/", "admin"),
        ("/api/people/", "riskowner"),
        ("/api/units/", "admin"),
        ("/api/units/", "riskowner"),
        ("/api/role-assignments/", "admin"),
        ("/api/role-assignments/", "auditor"),
        ("/api/audit-events/", "admin"),
        ("/api/audit-events/", "auditor"),
    ],
)
def test_a_list_costs_the_same_queries_for_a_page_of_five_and_a_page_of_fifty(
    demo: None, api: Any, endpoint: str, username: str
) -> None:
    api.as_(Person.objects.get(username=username))
    api.get(f"{endpoint}?page_size=1")  # warm caches that load once per process
    small_queries, small_rows = queries_for(api, f"{endpoint}?page_size=5")
    large_queries, large_rows = queries_for(api, f"{endpoint}?page_size=50")
    assert small_rows == 5
    assert large_rows > 5
    assert small_queries == large_queries
    assert large_queries <= MAXIMUM_QUERIES


@pytest.mark.parametrize(
    "query",
    [
        "ordering=unit__name",
        "ordering=-full_name&employment_status=active",
        "search=engineer",
        "within={bj}",
    ],
)
def test_sorted_filtered_and_searched_people_lists_do_not_grow_with_page_size(
    demo: None, api: Any, query: str
) -> None:
    query = query.format(bj=OrgUnit.objects.get(code="bj").pk)
    api.as_(Person.objects.get(username="admin"))
    api.get("/api/people/?page_size=1")
    small_queries, _small_rows = queries_for(api, f"/api/people/?page_size=5&{query}")
    large_queries, large_rows = queries_for(api, f"/api/people/?page_size=50&{query}")
    assert large_rows > 5
    assert small_queries == large_queries
    assert large_queries <= MAXIMUM_QUERIES


@pytest.mark.parametrize("ordering", ["", "&ordering=unit__name", "&ordering=-username"])
def test_a_deep_page_holds_the_same_people_in_the_same_order_as_the_sorted_table(
    demo: None, api: Any, ordering: str
) -> None:
    api.as_(Person.objects.get(username="admin"))
    response = api.get(f"/api/people/?page_size=20&page=4{ordering}")
    order = ordering.removeprefix("&ordering=")
    expected = Person.objects.order_by(*([order, "pk"] if order else ["full_name", "pk"]))[60:80]
    assert response.status_code == 200
    assert response.json()["count"] == Person.objects.count()
    assert [row["id"] for row in response.json()["results"]] == [person.pk for person in expected]
    assert [row["unit_name"] for row in response.json()["results"]] == [
        person.unit.name for person in expected
    ]
