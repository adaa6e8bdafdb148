"""Suppression pages: the list with its filters and CSV export, the form, a suppression's
page with its history, and revoking; each for the people who may, and as missing for the
others."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client

from garrison.core.models import Person
from garrison.core.scheduling import organisation_today
from garrison.logaudit.models import Suppression, SuppressionKind
from garrison.logaudit.services.suppressions import create_suppression, revoke_suppression
from tests.conftest import Organisation

pytestmark = pytest.mark.django_db

LIST = "/logaudit/suppressions/"
NEW = "/logaudit/suppressions/new/"


def in_days(days: int) -> dt.date:
    return organisation_today() + dt.timedelta(days=days)


def suppress(by: Any, unit: Any, days: int = 30, **fields: Any) -> Suppression:
    fields.setdefault("kind", SuppressionKind.SITE)
    return create_suppression(by=by, unit=unit, reason="Backup window", expires_on=in_days(days), **fields)


@pytest.fixture
def logged_in(client: Client) -> Any:
    def login(person: Person) -> Client:
        client.force_login(person)
        return client

    return login


def references(response: Any) -> list[str]:
    return [row.object.reference for row in response.context["rows"]]


def test_the_list_shows_what_the_person_sees(
    logged_in: Any, organisation: Organisation, security_officer: Person, ciso: Person, outsider: Person
) -> None:
    here = suppress(security_officer, organisation.beijing)
    there = suppress(ciso, organisation.shanghai)

    assert references(logged_in(security_officer).get(LIST)) == [here.reference]
    assert references(logged_in(outsider).get(LIST)) == [there.reference]
    assert set(references(logged_in(ciso).get(LIST))) == {here.reference, there.reference}


def test_the_list_filters_by_state_expiry_owner_and_unit(
    logged_in: Any, organisation: Organisation, security_officer: Person, ciso: Person
) -> None:
    soon = suppress(security_officer, organisation.beijing_ops, days=10)
    later = suppress(security_officer, organisation.beijing, days=60, owner=ciso)
    revoked = suppress(security_officer, organisation.beijing)
    revoke_suppression(revoked, by=security_officer, reason="Done")
    client = logged_in(security_officer)

    assert set(references(client.get(LIST, {"state": "active"}))) == {soon.reference, later.reference}
    assert references(client.get(LIST, {"state": "revoked"})) == [revoked.reference]
    assert references(client.get(LIST, {"expiring": "yes"})) == [soon.reference]
    assert references(client.get(LIST, {"owner": "ciso"})) == [later.reference]
    assert references(client.get(LIST, {"unit": organisation.beijing_ops.pk})) == [soon.reference]
    assert references(client.get(LIST, {"kind": "asset"})) == []


def test_the_list_exports_csv(logged_in: Any, organisation: Organisation, security_officer: Person) -> None:
    made = suppress(security_officer, organisation.beijing)

    response = logged_in(security_officer).get(LIST, {"export": "csv"})

    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][:5] == ["Reference", "Applies to", "Where", "Rule", "State"]
    assert rows[1][:5] == [
        made.reference,
        "Site (organisational unit)",
        "Beijing site",
        "Every rule",
        "Active",
    ]


def test_the_form_makes_a_suppression(
    logged_in: Any, organisation: Organisation, security_officer: Person, make_asset: Any
) -> None:
    server = make_asset(reference="AST-BILL-1")
    client = logged_in(security_officer)
    assert client.get(NEW).status_code == 200

    response = client.post(
        NEW,
        {
            "kind": "account",
            "asset": "AST-BILL-1",
            "account": "backup",
            "reason": "Nightly dump by the backup account",
            "expires_on": in_days(20).isoformat(),
            "owner": "secofficer",
        },
    )

    made = Suppression.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/logaudit/suppressions/{made.pk}/"
    assert (made.kind, made.asset, made.unit, made.account, made.owner) == (
        "account",
        server,
        organisation.beijing,
        "backup",
        security_officer,
    )


def test_the_form_shows_the_services_refusal(
    logged_in: Any, organisation: Organisation, security_officer: Person
) -> None:
    response = logged_in(security_officer).post(
        NEW,
        {
            "kind": "site",
            "unit": organisation.beijing.pk,
            "reason": "x",
            "expires_on": in_days(400).isoformat(),
        },
    )

    assert response.status_code == 400
    assert "expires_on" in response.context["form"].errors
    assert not Suppression.objects.exists()


def test_the_form_is_missing_for_people_who_may_not_add(
    logged_in: Any, colleague: Person, auditor: Person
) -> None:
    for person in (colleague, auditor):
        assert logged_in(person).get(NEW).status_code == 404


def test_the_page_shows_the_suppression_and_its_history(
    logged_in: Any, organisation: Organisation, security_officer: Person, auditor: Person, outsider: Person
) -> None:
    made = suppress(security_officer, organisation.beijing)
    url = f"/logaudit/suppressions/{made.pk}/"

    response = logged_in(security_officer).get(url)

    assert response.status_code == 200
    assert response.context["revoke_form"] is not None
    assert response.context["history"].entries[0].event.reason == "Backup window"
    assert "Backup window" in response.content.decode()
    assert logged_in(auditor).get(url).context["revoke_form"] is None
    assert logged_in(outsider).get(url).status_code == 404


def test_revoking_from_the_page(
    logged_in: Any, organisation: Organisation, security_officer: Person, auditor: Person, outsider: Person
) -> None:
    made = suppress(security_officer, organisation.beijing)
    url = f"/logaudit/suppressions/{made.pk}/revoke/"

    assert logged_in(auditor).post(url, {"revoke-reason": "No"}).status_code == 404
    assert logged_in(outsider).post(url, {"revoke-reason": "No"}).status_code == 404
    client = logged_in(security_officer)
    client.post(url, {"revoke-reason": ""})
    made.refresh_from_db()
    assert made.revoked_at is None

    response = client.post(url, {"revoke-reason": "The backup window moved"})

    assert response.status_code == 302
    made.refresh_from_db()
    assert made.revoked_by == security_officer
    page = client.get(f"/logaudit/suppressions/{made.pk}/")
    assert (page.context["state"], page.context["revoke_form"]) == ("revoked", None)
