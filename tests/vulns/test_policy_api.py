"""The policy API and page: one object, read by whoever reads vulnerabilities, changed by
whoever may change vulnerability records over the whole organisation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from garrison.core.models import Person
from garrison.core.scheduling import organisation_today
from garrison.vulns.models import Severity
from garrison.vulns.services.policy import current_policy
from tests.conftest import Organisation
from tests.vulns.test_exceptions_services import make_finding

pytestmark = pytest.mark.django_db

URL = "/api/vulns/policy/"
PAGE = "/vulns/policy/"


def test_readers_get_the_policy(api: Any, security_officer: Person) -> None:
    response = api.as_(security_officer).get(URL)

    assert response.status_code == 200
    assert response.json() == {
        "critical_days": 7,
        "high_days": 30,
        "medium_days": 90,
        "low_days": 180,
        "scan_window_days": 30,
        "penetration_test_period_days": 365,
        "updated_at": response.json()["updated_at"],
    }


def test_people_without_the_domain_do_not_find_it(api: Any, colleague: Person) -> None:
    assert api.as_(colleague).get(URL).status_code == 404
    assert api.as_(colleague).patch(URL, {"high_days": 10}, format="json").status_code == 404
    assert api.as_(None).get(URL).status_code in (401, 403)


def test_a_reader_may_not_change_it(api: Any, security_officer: Person, outsider: Person) -> None:
    for person in (security_officer, outsider):
        assert api.as_(person).patch(URL, {"high_days": 10}, format="json").status_code == 403
    assert current_policy().high_days == 30


def test_a_change_answers_how_many_due_dates_moved(
    api: Any, organisation: Organisation, ciso: Person
) -> None:
    finding = make_finding(organisation.beijing, severity=Severity.HIGH)

    response = api.as_(ciso).patch(URL, {"high_days": 10, "reason": "Audit finding"}, format="json")

    assert response.status_code == 200, response.content
    assert (response.json()["high_days"], response.json()["findings_recomputed"]) == (10, 1)
    finding.refresh_from_db()
    assert finding.due_on == organisation_today(finding.opened_at) + dt.timedelta(days=10)


def test_bad_periods_are_400_with_the_reason(api: Any, ciso: Person) -> None:
    response = api.as_(ciso).patch(URL, {"critical_days": 0, "low_days": 4000}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "critical_days": ["Enter a whole number of days from 1 to 3650."],
        "low_days": ["Enter a whole number of days from 1 to 3650."],
    }
    assert (current_policy().critical_days, current_policy().low_days) == (7, 180)


def test_the_page_shows_the_policy_and_saves_a_change(
    client: Client, organisation: Organisation, ciso: Person
) -> None:
    make_finding(organisation.beijing, severity=Severity.CRITICAL)
    make_finding(organisation.beijing, severity=Severity.CRITICAL)
    client.force_login(ciso)

    page = client.get(PAGE)
    assert page.status_code == 200
    assert "Critical findings fixed within (days)" in page.content.decode()

    form = {
        "critical_days": 5,
        "high_days": 30,
        "medium_days": 90,
        "low_days": 180,
        "scan_window_days": 30,
        "penetration_test_period_days": 365,
        "reason": "",
    }
    saved = client.post(PAGE, form, follow=True)
    assert "The vulnerability policy is saved; 2 open findings got a new due date." in saved.content.decode()
    assert current_policy().critical_days == 5

    refused = client.post(PAGE, {**form, "critical_days": 0})
    assert refused.status_code == 400
    assert "Ensure this value is greater than or equal to 1." in refused.content.decode()


def test_readers_see_the_page_without_a_form(
    client: Client, security_officer: Person, colleague: Person
) -> None:
    client.force_login(security_officer)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert '<form method="post" class="form-page' not in page.content.decode()
    assert client.post(PAGE, {"critical_days": 1}).status_code == 404

    client.force_login(colleague)
    assert client.get(PAGE).status_code == 404
