"""The suppression API: list, create, retrieve, history, revoke and export, for the
people who may, as missing (404) or forbidden (403) for the others, with the service's
refusals as 400s."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from garrison.core.models import Person
from garrison.core.scheduling import organisation_today
from garrison.logaudit.models import DetectionRule, Suppression, SuppressionKind
from garrison.logaudit.services.suppressions import create_suppression
from tests.conftest import Organisation

pytestmark = pytest.mark.django_db

URL = "/api/logaudit/suppressions/"


def in_days(days: int) -> str:
    return (organisation_today() + dt.timedelta(days=days)).isoformat()


def suppress(by: Any, unit: Any) -> Suppression:
    return create_suppression(
        by=by,
        kind=SuppressionKind.SITE,
        unit=unit,
        reason="Backup window",
        expires_on=organisation_today() + dt.timedelta(days=30),
    )


def test_it_creates_a_suppression_owned_by_the_requester(
    api: Any, organisation: Organisation, security_officer: Person
) -> None:
    rule = DetectionRule.objects.create(rule_id="sudo", title="Sudo to root", text="x")

    response = api.as_(security_officer).post(
        URL,
        {
            "kind": "account",
            "unit": organisation.beijing.pk,
            "account": "backup",
            "rule": rule.pk,
            "reason": "Backups use sudo",
            "expires_on": in_days(10),
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    data = response.json()
    made = Suppression.objects.get()
    assert (data["reference"], data["state"], data["owner"], data["rule_title"], data["unit_name"]) == (
        made.reference,
        "active",
        security_officer.pk,
        "Sudo to root",
        "Beijing site",
    )


def test_refusals_are_400_with_the_reason(
    api: Any, organisation: Organisation, security_officer: Person
) -> None:
    response = api.as_(security_officer).post(
        URL,
        {"kind": "site", "unit": organisation.beijing.pk, "reason": "", "expires_on": in_days(-2)},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "reason": ["Say why these matches are expected."],
        "expires_on": ["The expiry date has passed: choose today or a later date."],
    }
    assert not Suppression.objects.exists()


def test_a_unit_out_of_reach_is_refused_like_a_missing_one(
    api: Any, organisation: Organisation, outsider: Person, colleague: Person
) -> None:
    body = {"kind": "site", "unit": organisation.beijing.pk, "reason": "x", "expires_on": in_days(5)}

    refused = api.as_(outsider).post(URL, body, format="json")

    # The outsider cannot even name the Beijing unit.
    assert refused.status_code == 400
    assert list(refused.json()) == ["unit"]
    assert api.as_(colleague).post(URL, body, format="json").status_code == 403
    assert not Suppression.objects.exists()


def test_list_and_retrieve_are_scoped(
    api: Any, organisation: Organisation, security_officer: Person, ciso: Person, outsider: Person
) -> None:
    here = suppress(security_officer, organisation.beijing)
    there = suppress(ciso, organisation.shanghai)

    listed = api.as_(security_officer).get(URL).json()["results"]

    assert [row["reference"] for row in listed] == [here.reference]
    assert api.as_(security_officer).get(f"{URL}{there.pk}/").status_code == 404
    assert api.as_(outsider).get(f"{URL}{there.pk}/").status_code == 200
    history = api.as_(security_officer).get(f"{URL}{here.pk}/history/").json()["results"]
    assert [event["action"] for event in history] == ["create"]


def test_revoke_needs_the_right_to_change_and_a_reason(
    api: Any, organisation: Organisation, security_officer: Person, auditor: Person, outsider: Person
) -> None:
    made = suppress(security_officer, organisation.beijing)
    url = f"{URL}{made.pk}/revoke/"

    assert api.as_(auditor).post(url, {"reason": "x"}, format="json").status_code == 403
    assert api.as_(outsider).post(url, {"reason": "x"}, format="json").status_code == 404
    blank = api.as_(security_officer).post(url, {"reason": ""}, format="json")
    assert (blank.status_code, blank.json()) == (400, {"reason": ["Say why the suppression is revoked."]})

    response = api.as_(security_officer).post(url, {"reason": "Window moved"}, format="json")

    assert response.status_code == 200, response.content
    assert (response.json()["state"], response.json()["revoked_by"]) == ("revoked", security_officer.pk)
    again = api.as_(security_officer).post(url, {"reason": "Twice"}, format="json")
    assert (again.status_code, again.json()) == (
        400,
        {"non_field_errors": ["This suppression is already revoked."]},
    )


def test_the_list_filters_and_exports(api: Any, organisation: Organisation, security_officer: Person) -> None:
    made = suppress(security_officer, organisation.beijing)

    assert api.as_(security_officer).get(URL, {"state": "expired"}).json()["results"] == []
    assert api.as_(security_officer).get(URL, {"state": "active"}).json()["results"][0]["id"] == made.pk
    exported = api.as_(security_officer).get(f"{URL}export/", {"file_format": "csv"})
    assert exported.status_code == 200
    assert made.reference in b"".join(exported.streaming_content).decode("utf-8-sig")
