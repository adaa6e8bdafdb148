"""The audits API: CRUD, the workflow actions, verification and closure, and the refusals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from garrison.compliance.models import (
    Audit,
    AuditStatus,
    CorrectiveAction,
    Finding,
    FindingKind,
    FindingStatus,
)
from tests.compliance import audits_support
from tests.compliance.audits_support import TODAY, plan, raise_, reload

pytestmark = pytest.mark.django_db

# The fixtures shared by the audit tests.
audit = audits_support.audit
manager = audits_support.manager
officer = audits_support.officer


def test_a_manager_plans_an_audit(api: Any, organisation: Any, manager: Any) -> None:
    response = api.as_(manager).post(
        "/api/compliance/audits/",
        {
            "title": "Supplier audit",
            "kind": "external",
            "unit": organisation.beijing.pk,
            "lead": manager.pk,
            "starts_on": TODAY().isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["reference"].startswith("AUD-")
    assert response.json()["status"] == "planned"


def test_a_reader_cannot_plan_an_audit(api: Any, organisation: Any, officer: Any) -> None:
    response = api.as_(officer).post(
        "/api/compliance/audits/",
        {"title": "X", "unit": organisation.beijing.pk, "lead": officer.pk, "starts_on": TODAY().isoformat()},
        format="json",
    )
    assert response.status_code == 403
    assert not Audit.objects.exists()


def test_bad_dates_answer_400_naming_the_field(api: Any, organisation: Any, manager: Any) -> None:
    response = api.as_(manager).post(
        "/api/compliance/audits/",
        {
            "title": "X",
            "unit": organisation.beijing.pk,
            "lead": manager.pk,
            "starts_on": TODAY().isoformat(),
            "ends_on": (TODAY() - dt.timedelta(days=1)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert "ends_on" in response.json()


def test_audits_out_of_reach_are_missing(api: Any, audit: Any, outsider: Any) -> None:
    assert api.as_(outsider).get(f"/api/compliance/audits/{audit.pk}/").status_code == 404
    assert api.as_(outsider).get("/api/compliance/audits/").json()["count"] == 0


def test_the_auditor_reads_audits_with_their_counts(
    api: Any, audit: Any, manager: Any, colleague: Any, auditor: Any
) -> None:
    raise_(audit, manager, colleague)
    row = api.as_(auditor).get("/api/compliance/audits/").json()["results"][0]
    assert (row["reference"], row["finding_count"], row["open_finding_count"]) == (audit.reference, 1, 1)


def test_transition_moves_the_audit_and_refuses_a_wrong_step(api: Any, audit: Any, manager: Any) -> None:
    url = f"/api/compliance/audits/{audit.pk}/transition/"
    refused = api.as_(manager).post(url, {"transition": "close"}, format="json")
    assert refused.status_code == 400
    assert "status" in refused.json()
    moved = api.as_(manager).post(url, {"transition": "report"}, format="json")
    assert moved.status_code == 200
    assert moved.json()["status"] == "reporting"


def test_a_reader_cannot_take_a_step(api: Any, audit: Any, officer: Any) -> None:
    response = api.as_(officer).post(
        f"/api/compliance/audits/{audit.pk}/transition/", {"transition": "report"}, format="json"
    )
    assert response.status_code == 404
    assert reload(audit).status == AuditStatus.IN_PROGRESS


def test_deleting_an_audit_with_findings_answers_400(
    api: Any, audit: Any, manager: Any, colleague: Any
) -> None:
    raise_(audit, manager, colleague)
    response = api.as_(manager).delete(f"/api/compliance/audits/{audit.pk}/")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert Audit.objects.filter(pk=audit.pk).exists()


def test_findings_are_raised_on_an_audit(api: Any, audit: Any, manager: Any, colleague: Any) -> None:
    response = api.as_(manager).post(
        "/api/compliance/findings/",
        {"audit": audit.pk, "title": "Gap", "kind": "major", "owner": colleague.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["audit_reference"], body["unit"]) == ("open", audit.reference, audit.unit_id)


def test_a_finding_needs_an_audit(api: Any, manager: Any, colleague: Any) -> None:
    response = api.as_(manager).post(
        "/api/compliance/findings/", {"title": "Gap", "kind": "major", "owner": colleague.pk}, format="json"
    )
    assert response.status_code == 400
    assert "audit" in response.json()
    assert not Finding.objects.exists()


def test_an_outsider_cannot_raise_a_finding(api: Any, audit: Any, outsider: Any) -> None:
    response = api.as_(outsider).post(
        "/api/compliance/findings/",
        {"audit": audit.pk, "title": "Gap", "kind": "major", "owner": outsider.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "audit" in response.json()
    assert not Finding.objects.exists()


def test_corrective_actions_complete_and_verification_closes(
    api: Any, audit: Any, manager: Any, colleague: Any
) -> None:
    finding = raise_(audit, manager, colleague)
    created = api.as_(colleague).post(
        "/api/compliance/corrective-actions/",
        {"finding": finding.pk, "title": "Fix", "owner": colleague.pk, "due_on": TODAY().isoformat()},
        format="json",
    )
    assert created.status_code == 201, created.content
    done = api.as_(colleague).post(f"/api/compliance/corrective-actions/{created.json()['id']}/complete/", {})
    assert (done.status_code, done.json()["status"]) == (200, "done")
    assert reload(finding).status == FindingStatus.VERIFYING
    owner_try = api.as_(colleague).post(
        f"/api/compliance/findings/{finding.pk}/verify/", {"effective": True}, format="json"
    )
    assert owner_try.status_code == 400
    assert reload(finding).status == FindingStatus.VERIFYING
    verified = api.as_(manager).post(
        f"/api/compliance/findings/{finding.pk}/verify/", {"effective": True, "notes": "OK"}, format="json"
    )
    assert (verified.status_code, verified.json()["status"], verified.json()["is_effective"]) == (
        200,
        "closed",
        True,
    )


def test_corrective_action_needs_a_due_date(api: Any, audit: Any, manager: Any, colleague: Any) -> None:
    finding = raise_(audit, manager, colleague)
    response = api.as_(manager).post(
        "/api/compliance/corrective-actions/",
        {"finding": finding.pk, "title": "Fix", "owner": colleague.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "due_on" in response.json()
    assert not CorrectiveAction.objects.exists()


def test_a_reader_cannot_complete_an_action(
    api: Any, audit: Any, manager: Any, colleague: Any, officer: Any
) -> None:
    action = plan(raise_(audit, manager, colleague), manager, colleague)
    response = api.as_(officer).post(f"/api/compliance/corrective-actions/{action.pk}/complete/", {})
    assert response.status_code == 404
    assert reload(action).status == "planned"


def test_close_an_observation_and_refuse_a_nonconformity(
    api: Any, audit: Any, manager: Any, colleague: Any
) -> None:
    observation = raise_(audit, manager, colleague, kind=FindingKind.OBSERVATION)
    minor = raise_(audit, manager, colleague)
    closed = api.as_(manager).post(f"/api/compliance/findings/{observation.pk}/close/", {"notes": "Fine"})
    assert (closed.status_code, closed.json()["status"]) == (200, "closed")
    refused = api.as_(manager).post(f"/api/compliance/findings/{minor.pk}/close/", {"notes": "Fine"})
    assert refused.status_code == 400
    assert reload(minor).status == FindingStatus.OPEN


def test_the_findings_list_filters_overdue(api: Any, audit: Any, manager: Any, colleague: Any) -> None:
    late = raise_(audit, manager, colleague, title="Late")
    plan(late, manager, colleague, days=-2)
    raise_(audit, manager, colleague, title="On time")
    rows = api.as_(manager).get("/api/compliance/findings/?overdue=yes").json()["results"]
    assert [(row["reference"], row["is_overdue"]) for row in rows] == [(late.reference, True)]


def test_findings_export_as_csv(api: Any, audit: Any, manager: Any, colleague: Any) -> None:
    finding = raise_(audit, manager, colleague)
    response = api.as_(manager).get("/api/compliance/findings/export/?file_format=csv")
    assert response.status_code == 200
    assert finding.reference in b"".join(response.streaming_content).decode()
