"""The exception pages: the list with its filters and export, an exception's page with the
buttons its reader may use, the request form reached from a finding."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from garrison.core.models import Person
from garrison.vulns.models import ExceptionKind, ExceptionStatus, Finding, FindingException, FindingStatus
from garrison.vulns.services.exceptions import request_exception
from tests.conftest import Organisation
from tests.vulns.test_exceptions_services import in_days, make_finding

pytestmark = pytest.mark.django_db

LIST = "/vulns/exceptions/"


@pytest.fixture
def finding(organisation: Organisation, make_asset: Any) -> Finding:
    return make_finding(organisation.beijing, make_asset(name="web-01"), title="Apache Struts RCE")


@pytest.fixture
def requested(finding: Finding, security_officer: Person) -> FindingException:
    return request_exception(
        finding,
        by=security_officer,
        kind=ExceptionKind.RISK_ACCEPTANCE,
        justification="Isolated network segment",
        expires_on=in_days(20),
    )


def test_the_request_form_asks_and_leads_to_the_exception(
    client: Client, finding: Finding, security_officer: Person
) -> None:
    client.force_login(security_officer)
    url = f"/vulns/findings/{finding.pk}/exception/"

    assert client.get(url).status_code == 200
    refused = client.post(url, {"kind": "risk_acceptance", "justification": "Isolated"})
    assert refused.status_code == 400
    assert (
        "A risk acceptance needs an expiry date after today and at most a year ahead"
        in refused.content.decode()
    )

    response = client.post(
        url,
        {"kind": "risk_acceptance", "justification": "Isolated", "expires_on": in_days(20).isoformat()},
    )
    exception = FindingException.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/vulns/exceptions/{exception.pk}/"


def test_the_request_form_is_not_found_for_people_who_may_not_change_the_finding(
    client: Client, finding: Finding, colleague: Person, outsider: Person, auditor: Person
) -> None:
    for person in (colleague, outsider, auditor):
        client.force_login(person)
        assert client.get(f"/vulns/findings/{finding.pk}/exception/").status_code == 404


def test_the_approver_sees_the_buttons_and_approves(
    client: Client, requested: FindingException, finding: Finding, ciso: Person
) -> None:
    client.force_login(ciso)
    page = client.get(f"/vulns/exceptions/{requested.pk}/").content.decode()
    assert f"/vulns/exceptions/{requested.pk}/approve/" in page
    assert f"/vulns/exceptions/{requested.pk}/withdraw/" not in page

    response = client.post(
        f"/vulns/exceptions/{requested.pk}/approve/", {"decision-comment": "OK"}, follow=True
    )

    assert "The exception is approved." in response.content.decode()
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RISK_ACCEPTED


def test_the_requester_sees_only_withdraw_and_cannot_approve(
    client: Client, requested: FindingException, security_officer: Person
) -> None:
    client.force_login(security_officer)
    page = client.get(f"/vulns/exceptions/{requested.pk}/").content.decode()
    assert f"/vulns/exceptions/{requested.pk}/withdraw/" in page
    assert f"/vulns/exceptions/{requested.pk}/approve/" not in page

    response = client.post(f"/vulns/exceptions/{requested.pk}/approve/", {}, follow=True)

    assert "You asked for this exception" in response.content.decode()
    requested.refresh_from_db()
    assert requested.status == ExceptionStatus.REQUESTED


def test_people_out_of_reach_get_404(
    client: Client, requested: FindingException, colleague: Person, outsider: Person
) -> None:
    for person in (colleague, outsider):
        client.force_login(person)
        assert client.get(f"/vulns/exceptions/{requested.pk}/").status_code == 404
        assert client.post(f"/vulns/exceptions/{requested.pk}/approve/", {}).status_code == 404
        assert "Apache Struts RCE" not in client.get(LIST).content.decode()


def test_the_list_filters_on_expiring_acceptances_and_exports(
    client: Client, requested: FindingException, ciso: Person, organisation: Organisation, owner: Person
) -> None:
    request_exception(
        make_finding(organisation.beijing, title="Telnet banner"),
        by=owner,
        kind=ExceptionKind.FALSE_POSITIVE,
        justification="Banner only",
    )
    FindingException.objects.filter(pk=requested.pk).update(status=ExceptionStatus.APPROVED)
    client.force_login(ciso)

    everything = client.get(LIST).content.decode()
    expiring = client.get(LIST, {"expiring": "yes"}).content.decode()

    assert "Apache Struts RCE" in everything
    assert "Telnet banner" in everything
    assert "Apache Struts RCE" in expiring
    assert "Telnet banner" not in expiring
    export = client.get(LIST, {"kind": "false_positive", "export": "csv"})
    lines = b"".join(export.streaming_content).decode("utf-8-sig").strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 2
    assert lines[1].startswith("False positive,")
    assert "No exceptions match these filters." in client.get(LIST, {"status": "expired"}).content.decode()
