"""The generic list pattern, driven through the people list."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from garrison.core.models import EmploymentStatus
from garrison.core.services import org

pytestmark = pytest.mark.django_db

PEOPLE = reverse("core:person-list")


def shown_usernames(response: Any) -> list[str]:
    return [row.object.username for row in response.context["rows"]]


def test_it_shows_the_first_page_of_25_by_default(client: Any, owner: Any, crowd: Any) -> None:
    client.force_login(owner)
    response = client.get(PEOPLE)
    assert response.status_code == 200
    assert len(shown_usernames(response)) == 25
    assert response.context["page"].paginator.count == 31  # the crowd and the owner
    assert "Page 1 of 2" in response.content.decode()


def test_it_pages_with_the_chosen_page_size(client: Any, owner: Any, crowd: Any) -> None:
    client.force_login(owner)
    first = shown_usernames(client.get(PEOPLE, {"page_size": 50}))
    assert len(first) == 31
    second_page = shown_usernames(client.get(PEOPLE, {"page": 2}))
    assert len(second_page) == 6
    assert not set(second_page) & set(shown_usernames(client.get(PEOPLE)))


def test_it_falls_back_to_the_default_page_size_for_a_size_not_offered(
    client: Any, owner: Any, crowd: Any
) -> None:
    client.force_login(owner)
    response = client.get(PEOPLE, {"page_size": 7})
    assert response.status_code == 200
    assert len(shown_usernames(response)) == 25


def test_it_answers_a_page_beyond_the_last_with_the_last_page(client: Any, owner: Any, crowd: Any) -> None:
    client.force_login(owner)
    response = client.get(PEOPLE, {"page": 999})
    assert response.status_code == 200
    assert response.context["page"].number == 2


def test_it_sorts_by_a_column_in_both_directions(client: Any, owner: Any, crowd: Any) -> None:
    client.force_login(owner)
    ascending = shown_usernames(client.get(PEOPLE, {"sort": "username", "page_size": 100}))
    descending = shown_usernames(client.get(PEOPLE, {"sort": "-username", "page_size": 100}))
    assert ascending == sorted(ascending)
    assert descending == list(reversed(ascending))


def test_it_ignores_a_sort_key_that_is_not_a_column(client: Any, owner: Any, crowd: Any) -> None:
    client.force_login(owner)
    default = shown_usernames(client.get(PEOPLE, {"page_size": 100}))
    for key in ("password", "-password", "mfa_secret", "unit__path"):
        response = client.get(PEOPLE, {"sort": key, "page_size": 100})
        assert response.status_code == 200
        assert response.context["sort"] == ""
        assert shown_usernames(response) == default


def test_it_links_the_header_to_the_opposite_direction(client: Any, owner: Any, crowd: Any) -> None:
    client.force_login(owner)
    body = client.get(PEOPLE, {"sort": "username"}).content.decode()
    assert 'href="?sort=-username"' in body
    assert 'aria-sort="ascending"' in body


def test_it_filters_by_unit_including_sub_units(
    client: Any, owner: Any, crowd: Any, organisation: Any, make_person: Any
) -> None:
    make_person("elsewhere", organisation.shanghai)
    client.force_login(owner)
    response = client.get(PEOPLE, {"unit": organisation.beijing.pk, "page_size": 100})
    usernames = shown_usernames(response)
    assert "crowd00" in usernames  # in Beijing Operations, under Beijing
    assert "owner" in usernames
    assert "elsewhere" not in usernames


def test_it_filters_by_employment_status(client: Any, owner: Any, crowd: Any) -> None:
    org.update_person(crowd[3], by=None, employment_status=EmploymentStatus.LEFT)
    client.force_login(owner)
    response = client.get(PEOPLE, {"employment_status": "left"})
    assert shown_usernames(response) == ["crowd03"]


def test_it_searches_names_and_usernames(client: Any, owner: Any, crowd: Any) -> None:
    client.force_login(owner)
    assert shown_usernames(client.get(PEOPLE, {"q": "Member 07"})) == ["crowd07"]
    assert shown_usernames(client.get(PEOPLE, {"q": "CROWD12"})) == ["crowd12"]


def test_it_shows_an_empty_state_with_a_link_that_clears_the_filters(client: Any, owner: Any) -> None:
    client.force_login(owner)
    response = client.get(PEOPLE, {"q": "nobody-has-this-name"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "No people match these filters." in body
    assert f'href="{PEOPLE}">Clear filters</a>' in body


def test_it_shows_only_the_rows_the_person_may_see(
    client: Any, outsider: Any, crowd: Any, organisation: Any
) -> None:
    client.force_login(outsider)
    response = client.get(PEOPLE, {"page_size": 100})
    assert shown_usernames(response) == ["outsider"]
    unit_choices = [str(unit) for unit in response.context["filter_form"].fields["unit"].queryset]
    assert unit_choices == ["Shanghai site"]


def test_it_redirects_an_anonymous_visitor_to_the_login(client: Any) -> None:
    response = client.get(PEOPLE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_works_as_a_plain_get_form_without_javascript(client: Any, owner: Any) -> None:
    client.force_login(owner)
    body = client.get(PEOPLE).content.decode()
    assert f'<form method="get" action="{PEOPLE}"' in body
    assert 'name="q"' in body
    assert 'type="submit"' in body


def test_it_answers_htmx_with_only_the_results(client: Any, owner: Any, crowd: Any) -> None:
    client.force_login(owner)
    response = client.get(PEOPLE, {"q": "crowd"}, headers={"HX-Request": "true", "HX-Target": "list-results"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="list-results"')
    assert "<html" not in body
    assert "HX-Request" in response["Vary"]
    # The filter form's sort follows the table out of band, so a later filter keeps the order.
    assert 'id="list-sort" name="sort" value="" hx-swap-oob="true"' in body


def test_it_answers_an_htmx_history_restore_with_the_whole_page(client: Any, owner: Any) -> None:
    client.force_login(owner)
    response = client.get(
        PEOPLE,
        headers={"HX-Request": "true", "HX-Target": "list-results", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in response.content.decode()


def test_its_query_count_does_not_grow_with_page_size(client: Any, owner: Any, crowd: Any) -> None:
    for person in crowd[1:]:
        org.update_person(person, by=None, manager=crowd[0])
    client.force_login(owner)
    client.get(PEOPLE)  # warm caches such as content types
    counts = []
    for size in (25, 100):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(PEOPLE, {"page_size": size})
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 10


@pytest.mark.parametrize(
    "params",
    [
        {"unit": 10**20, "page": "x", "page_size": "y", "sort": "?"},
        {"unit": "abc", "employment_status": "retired"},
        {"q": "a\x00b"},
        {"q": "%_\\"},
        {"unit": "abc", "export": "xlsx"},
    ],
)
def test_it_answers_malformed_parameters_without_failing(
    client: Any, owner: Any, params: dict[str, Any]
) -> None:
    client.force_login(owner)
    assert client.get(PEOPLE, params).status_code == 200
