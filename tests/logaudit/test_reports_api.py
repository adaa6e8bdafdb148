"""The report API: lists with the web list's filters, export, history, and the actions
sign, verify and matches, with who may do what."""

from __future__ import annotations

from typing import Any

import pytest

from garrison.logaudit.models import AuditFinding, AuditReport, ReportStatus, Triage
from tests.logaudit.test_reports_pages import TREE_HEAD, build_audit, store_matches

# The lead's autouse policy fixture reads the database: open it before that runs.
pytestmark = pytest.mark.django_db

BASE = "/api/logaudit/reports/"


@pytest.fixture
def audit(
    organisation: Any, security_officer: Any, outsider: Any, critical_system: Any, make_asset: Any
) -> Any:
    return build_audit(organisation, security_officer, outsider, critical_system, make_asset)


def references(response: Any) -> list[str]:
    return sorted(row["reference"] for row in response.json()["results"])


def test_the_list_holds_the_officers_reports_with_their_counts(
    api: Any, audit: Any, security_officer: Any, django_assert_max_num_queries: Any
) -> None:
    client = api.as_(security_officer)
    client.get(BASE)
    with django_assert_max_num_queries(10):
        response = client.get(BASE)
    assert response.status_code == 200
    assert references(response) == sorted(
        [audit.report.reference, audit.signed.reference, audit.ordinary.reference]
    )
    row = next(row for row in response.json()["results"] if row["id"] == audit.report.pk)
    assert row["status"] == "awaiting_sign_off"
    assert row["tree_head"] == TREE_HEAD
    assert row["event_count"] == 1200
    assert row["match_count"] == 6
    assert row["is_critical_system"] is True
    assert row["rule_problems"] == [{"rule": "Clear the audit log", "reason": "unsupported modifier |expand"}]
    assert row["has_matches_file"] is False


def test_the_list_filters_as_the_page_does(api: Any, audit: Any, security_officer: Any) -> None:
    client = api.as_(security_officer)
    assert references(client.get(BASE, {"status": "signed"})) == [audit.signed.reference]
    assert references(client.get(BASE, {"critical": "no"})) == [audit.ordinary.reference]
    assert references(client.get(BASE, {"escalated": "yes"})) == [audit.ordinary.reference]
    assert references(client.get(BASE, {"awaiting_me": "yes"})) == sorted(
        [audit.report.reference, audit.ordinary.reference]
    )
    assert references(client.get(BASE, {"search": audit.ordinary.reference})) == [audit.ordinary.reference]
    refused = client.get(BASE, {"source": audit.far_source.pk})
    assert refused.status_code == 400


def test_the_export_holds_every_filtered_report(api: Any, audit: Any, security_officer: Any) -> None:
    response = api.as_(security_officer).get(f"{BASE}export/", {"file_format": "csv", "status": "signed"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert audit.signed.reference in text
    assert audit.report.reference not in text


@pytest.mark.parametrize("who", ["outsider", "colleague"])
def test_reports_out_of_reach_do_not_exist(api: Any, audit: Any, who: str, request: Any) -> None:
    client = api.as_(request.getfixturevalue(who))
    assert audit.report.reference not in references(client.get(BASE))
    detail = f"{BASE}{audit.report.pk}/"
    assert client.get(detail).status_code == 404
    assert client.get(f"{detail}matches/").status_code == 404
    assert client.get(f"{detail}history/").status_code == 404
    assert client.post(f"{detail}sign/", {"note": ""}, format="json").status_code == 404
    assert client.post(f"{detail}verify/").status_code == 404
    assert AuditReport.objects.get(pk=audit.report.pk).status == ReportStatus.AWAITING_SIGN_OFF


def test_anonymous_clients_are_refused(api: Any, audit: Any) -> None:
    response = api.as_(None).get(BASE)
    assert response.status_code in (401, 403)


def test_the_matches_download_streams_the_jsonl_file(api: Any, audit: Any, auditor: Any) -> None:
    url = f"{BASE}{audit.report.pk}/matches/"
    assert api.as_(auditor).get(url).status_code == 404
    content = store_matches(audit.report, [{"rule_id": "r1", "line": 4}])
    response = api.as_(auditor).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/x-ndjson"
    assert response["X-Content-SHA256"] == audit.report.matches_file.sha256


def test_verify_answers_the_seal_check(api: Any, audit: Any, auditor: Any) -> None:
    client = api.as_(auditor)
    response = client.post(f"{BASE}{audit.report.pk}/verify/")
    assert response.status_code == 200
    assert response.json() == {
        "report": audit.report.pk,
        "ok": True,
        "problems": [],
        "batches_checked": 0,
        "batches_pruned": 0,
    }
    AuditReport.objects.filter(pk=audit.report.pk).update(tree_size=1)
    broken = client.post(f"{BASE}{audit.report.pk}/verify/").json()
    assert broken["ok"] is False
    assert broken["problems"]


def test_signing_is_refused_while_a_finding_is_untriaged(api: Any, audit: Any, security_officer: Any) -> None:
    response = api.as_(security_officer).post(f"{BASE}{audit.report.pk}/sign/", {"note": "x"}, format="json")
    assert response.status_code == 400
    assert "not triaged" in str(response.json())
    assert AuditReport.objects.get(pk=audit.report.pk).status == ReportStatus.AWAITING_SIGN_OFF


def test_the_reviewer_signs_through_the_api(api: Any, audit: Any, security_officer: Any) -> None:
    AuditFinding.objects.filter(report=audit.report).update(triage=Triage.EXPECTED, change_ticket="CHG-9")
    client = api.as_(security_officer)
    response = client.post(f"{BASE}{audit.report.pk}/sign/", {"note": "Week checked."}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "signed"
    assert body["signed_by"] == security_officer.pk
    assert body["sign_note"] == "Week checked."
    history = client.get(f"{BASE}{audit.report.pk}/history/").json()["results"]
    assert history
    assert "status" in history[0]["changes"]


def test_the_auditor_cannot_sign(api: Any, audit: Any, auditor: Any) -> None:
    AuditFinding.objects.filter(report=audit.report).update(triage=Triage.FALSE_POSITIVE)
    response = api.as_(auditor).post(f"{BASE}{audit.report.pk}/sign/", {"note": ""}, format="json")
    assert response.status_code == 400
    assert AuditReport.objects.get(pk=audit.report.pk).status == ReportStatus.AWAITING_SIGN_OFF
