"""The log-audit policy API and page: one object, read by whoever reads log audits, changed
by whoever may change log-audit records over the whole organisation."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from garrison.core.models import Person
from garrison.logaudit.services.policy import current_policy

pytestmark = pytest.mark.django_db

URL = "/api/logaudit/policy/"
PAGE = "/logaudit/policy/"
EVERYTHING = {"audit_weekday": 2, "escalation_hours": 48, "retention_days": 400, "samples_per_finding": 10}


def test_readers_get_the_policy(api: Any, security_officer: Person, auditor: Person) -> None:
    for person in (security_officer, auditor):
        response = api.as_(person).get(URL)

        assert response.status_code == 200
        assert response.json() == {
            "audit_weekday": 0,
            "escalation_hours": 72,
            "retention_days": 180,
            "samples_per_finding": 20,
            "updated_at": response.json()["updated_at"],
        }


def test_people_without_the_domain_do_not_find_it(api: Any, colleague: Person) -> None:
    assert api.as_(colleague).get(URL).status_code == 404
    assert api.as_(colleague).patch(URL, {"escalation_hours": 10}, format="json").status_code == 404
    assert api.as_(None).get(URL).status_code in (401, 403)


def test_a_reader_may_not_change_it(api: Any, security_officer: Person, auditor: Person) -> None:
    for person in (security_officer, auditor):
        assert api.as_(person).patch(URL, {"escalation_hours": 10}, format="json").status_code == 403
        assert api.as_(person).put(URL, EVERYTHING, format="json").status_code == 403
    assert current_policy().escalation_hours == 72


def test_put_sets_every_value_and_patch_some(api: Any, ciso: Person) -> None:
    response = api.as_(ciso).put(URL, {**EVERYTHING, "reason": "Yearly review"}, format="json")

    assert response.status_code == 200, response.content
    assert {key: response.json()[key] for key in EVERYTHING} == EVERYTHING

    response = api.as_(ciso).patch(URL, {"samples_per_finding": 50}, format="json")

    assert response.status_code == 200, response.content
    policy = current_policy()
    assert (policy.retention_days, policy.samples_per_finding) == (400, 50)


def test_put_needs_every_value(api: Any, ciso: Person) -> None:
    response = api.as_(ciso).put(URL, {"retention_days": 400}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"audit_weekday", "escalation_hours", "samples_per_finding"}
    assert current_policy().retention_days == 180


def test_a_short_retention_is_400_with_the_reason(api: Any, ciso: Person) -> None:
    response = api.as_(ciso).patch(URL, {"retention_days": 90}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "retention_days": [
            "Logs are kept at least 180 days: the Cybersecurity Law asks that network logs are kept "
            "for no less than six months."
        ]
    }
    assert current_policy().retention_days == 180


def test_the_page_shows_the_policy_to_readers_without_a_form(client: Client, auditor: Person) -> None:
    client.force_login(auditor)

    response = client.get(PAGE)

    assert response.status_code == 200
    assert response.context["form"] is None
    assert "Monday" in response.content.decode()
    assert client.post(PAGE, {**EVERYTHING, "reason": "x"}).status_code == 404


def test_the_page_saves_a_change(client: Client, ciso: Person) -> None:
    client.force_login(ciso)

    response = client.post(PAGE, {**EVERYTHING, "reason": "Yearly review"})

    assert response.status_code == 302
    assert response["Location"] == PAGE
    assert current_policy().audit_weekday == 2


def test_the_page_refuses_a_short_retention_with_the_reason(client: Client, ciso: Person) -> None:
    client.force_login(ciso)

    response = client.post(PAGE, {**EVERYTHING, "retention_days": 30})

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "retention_days": [
            "Logs are kept at least 180 days: the Cybersecurity Law asks that network logs are kept "
            "for no less than six months."
        ]
    }
    assert current_policy().retention_days == 180


def test_the_page_is_missing_for_people_without_the_domain(client: Client, colleague: Person) -> None:
    client.force_login(colleague)

    assert client.get(PAGE).status_code == 404
