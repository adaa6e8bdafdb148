"""The exceptions API: asking on a finding, approving, rejecting and withdrawing, with the
same rules as the pages; errors are 400s with the reason, objects out of reach 404."""

from __future__ import annotations

from typing import Any

import pytest

from garrison.core.models import Person
from garrison.vulns.models import ExceptionKind, ExceptionStatus, Finding, FindingException, FindingStatus
from garrison.vulns.services.exceptions import request_exception
from tests.conftest import Organisation
from tests.vulns.test_exceptions_services import REQUESTER_REFUSAL, in_days, make_finding

pytestmark = pytest.mark.django_db

URL = "/api/vulns/exceptions/"


@pytest.fixture
def finding(organisation: Organisation, make_asset: Any) -> Finding:
    return make_finding(organisation.beijing, make_asset(name="web-01"))


@pytest.fixture
def requested(finding: Finding, security_officer: Person) -> FindingException:
    return request_exception(
        finding,
        by=security_officer,
        kind=ExceptionKind.RISK_ACCEPTANCE,
        justification="WAF rule in place",
        expires_on=in_days(60),
    )


def test_a_request_is_created_on_a_finding(api: Any, finding: Finding, security_officer: Person) -> None:
    response = api.as_(security_officer).post(
        URL,
        {
            "finding": finding.pk,
            "kind": "risk_acceptance",
            "justification": "WAF rule in place",
            "expires_on": in_days(60).isoformat(),
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["finding_reference"], body["requested_by_name"], body["expires_on"]) == (
        "requested",
        finding.reference,
        "Secofficer",
        in_days(60).isoformat(),
    )
    assert FindingException.objects.get().finding == finding


def test_a_bad_request_gets_the_reasons(api: Any, finding: Finding, security_officer: Person) -> None:
    response = api.as_(security_officer).post(
        URL, {"finding": finding.pk, "kind": "risk_acceptance", "justification": ""}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "justification": ["Say why this finding need not be fixed."],
        "expires_on": [
            "A risk acceptance needs an expiry date after today and at most a year ahead "
            f"({in_days(365).isoformat()} at the latest)."
        ],
    }
    assert FindingException.objects.count() == 0


def test_people_who_may_not_change_the_finding_cannot_ask(
    api: Any, finding: Finding, colleague: Person, outsider: Person, auditor: Person
) -> None:
    payload = {"finding": finding.pk, "kind": "false_positive", "justification": "Banner only"}

    assert api.as_(colleague).post(URL, payload, format="json").status_code == 400
    assert api.as_(outsider).post(URL, payload, format="json").status_code == 400
    # The auditor sees the finding but may not change it.
    assert api.as_(auditor).post(URL, payload, format="json").status_code == 404
    assert FindingException.objects.count() == 0


def test_approval_by_someone_else_sets_the_finding_status(
    api: Any, requested: FindingException, finding: Finding, ciso: Person
) -> None:
    response = api.as_(ciso).post(f"{URL}{requested.pk}/approve/", {"comment": "Fine"}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["finding_status"], body["decided_by_name"], body["decision_comment"]) == (
        "approved",
        "risk_accepted",
        "Ciso",
        "Fine",
    )
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RISK_ACCEPTED


def test_the_requester_is_refused_with_the_reason(
    api: Any, requested: FindingException, security_officer: Person
) -> None:
    response = api.as_(security_officer).post(f"{URL}{requested.pk}/approve/", {}, format="json")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [REQUESTER_REFUSAL]}
    requested.refresh_from_db()
    assert requested.status == ExceptionStatus.REQUESTED


def test_people_out_of_reach_get_404(
    api: Any, requested: FindingException, colleague: Person, outsider: Person
) -> None:
    for person in (colleague, outsider):
        client = api.as_(person)
        assert client.get(f"{URL}{requested.pk}/").status_code == 404
        for decision in ("approve", "reject", "withdraw"):
            assert (
                client.post(f"{URL}{requested.pk}/{decision}/", {"comment": "x"}, format="json").status_code
                == 404
            )
        assert client.get(URL).json()["count"] == 0
    requested.refresh_from_db()
    assert requested.status == ExceptionStatus.REQUESTED


def test_reject_and_withdraw(
    api: Any,
    requested: FindingException,
    finding: Finding,
    ciso: Person,
    security_officer: Person,
) -> None:
    missing_comment = api.as_(ciso).post(f"{URL}{requested.pk}/reject/", {}, format="json")
    assert missing_comment.status_code == 400
    assert missing_comment.json() == {"comment": ["Say why the request is rejected; the requester is told."]}

    not_requester = api.as_(ciso).post(f"{URL}{requested.pk}/withdraw/", {}, format="json")
    assert not_requester.json() == {
        "non_field_errors": ["Only the person who asked may withdraw this request."]
    }

    withdrawn = api.as_(security_officer).post(f"{URL}{requested.pk}/withdraw/", {}, format="json")
    assert (withdrawn.status_code, withdrawn.json()["status"]) == (200, "withdrawn")

    second = request_exception(
        finding, by=security_officer, kind=ExceptionKind.FALSE_POSITIVE, justification="Banner only"
    )
    rejected = api.as_(ciso).post(
        f"{URL}{second.pk}/reject/", {"comment": "Confirmed by hand"}, format="json"
    )
    assert (rejected.status_code, rejected.json()["status"], rejected.json()["finding_status"]) == (
        200,
        "rejected",
        "open",
    )


def test_the_list_filters_and_exports(
    api: Any, requested: FindingException, organisation: Organisation, owner: Person, ciso: Person
) -> None:
    other = make_finding(organisation.beijing)
    false_positive = request_exception(
        other, by=owner, kind=ExceptionKind.FALSE_POSITIVE, justification="Banner only"
    )
    client = api.as_(ciso)

    assert [item["id"] for item in client.get(URL, {"kind": "false_positive"}).json()["results"]] == [
        false_positive.pk
    ]
    assert client.get(URL, {"expiring": "yes"}).json()["count"] == 0
    client.post(f"{URL}{requested.pk}/approve/", {}, format="json")
    assert [item["id"] for item in client.get(URL, {"expiring": "no"}).json()["results"]] == [
        false_positive.pk,
        requested.pk,
    ]
    FindingException.objects.filter(pk=requested.pk).update(expires_on=in_days(20))
    assert [item["id"] for item in client.get(URL, {"expiring": "yes"}).json()["results"]] == [requested.pk]

    export = client.get(f"{URL}export/", {"file_format": "csv", "status": "approved"})
    assert export.status_code == 200
    lines = b"".join(export.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 2
    assert lines[0] == (
        "Exception,Finding,Severity,Asset,Unit,Status,Requested by,Requested at,Expires on,"
        "Decided by,Justification"
    )
    assert lines[1].startswith(
        f"Risk acceptance,{requested.finding},High,web-01,Beijing site,Approved,Secofficer,"
    )
