"""The audit report pages: the list with its filters and export, a report's page with its
counts, sealed tree head, findings and rules that could not run, the matches download,
"Verify seal", signing, and who may see and do what."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from garrison.core.models import StoredFile
from garrison.logaudit.models import (
    AuditFinding,
    AuditReport,
    DetectionRule,
    LogFormat,
    LogSource,
    ReportStatus,
    Triage,
)

# The lead's autouse policy fixture reads the database: open it before that runs.
pytestmark = pytest.mark.django_db

LIST = reverse("logaudit:report-list")
_numbers = itertools.count(1)
WEEK_START = dt.datetime(2025, 3, 3, tzinfo=dt.UTC)
# The head of an empty tree: a report over no batch seals this.
TREE_HEAD = hashlib.sha256(b"").hexdigest()


def client_for(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def listed(page: Any) -> list[str]:
    return [str(row.object) for row in page.context["rows"]]


# Rows straight in the database: the pages only read them. -------------------------------------------


def make_source(asset: Any, owner: Any, reviewer: Any = None, **fields: Any) -> LogSource:
    number = next(_numbers)
    fields.setdefault("reference", f"LSRC-T{number:04d}")
    fields.setdefault("name", f"{asset.name} auditd")
    fields.setdefault("log_format", LogFormat.AUDITD)
    return LogSource.objects.create(asset=asset, owner=owner, reviewer=reviewer, **fields)


def make_rule(**fields: Any) -> DetectionRule:
    number = next(_numbers)
    fields.setdefault("rule_id", f"00000000-0000-0000-0000-{number:012d}")
    fields.setdefault("title", f"Rule {number}")
    fields.setdefault("author", "Jane Analyst")
    fields.setdefault("licence", "DRL 1.1")
    fields.setdefault("references", ["https://example.org/rules/sudo"])
    fields.setdefault("level", "high")
    fields.setdefault("text", "title: a rule\n")
    return DetectionRule.objects.create(**fields)


def make_report(source: LogSource, *, weeks_back: int = 0, **fields: Any) -> AuditReport:
    number = next(_numbers)
    start = WEEK_START - dt.timedelta(weeks=weeks_back)
    fields.setdefault("reference", f"LAR-T{number:05d}")
    fields.setdefault("status", ReportStatus.AWAITING_SIGN_OFF)
    fields.setdefault("reviewer", source.reviewer or source.owner)
    fields.setdefault("tree_size", 0)
    fields.setdefault("tree_head", TREE_HEAD)
    fields.setdefault("batch_count", 3)
    fields.setdefault("event_count", 1200)
    fields.setdefault("malformed_count", 2)
    fields.setdefault("rule_count", 40)
    return AuditReport.objects.create(
        source=source, period_start=start, period_end=start + dt.timedelta(days=7), **fields
    )


def make_finding(report: AuditReport, rule: DetectionRule | None = None, **fields: Any) -> AuditFinding:
    rule = rule or make_rule()
    fields.setdefault("asset", report.source.asset)
    fields.setdefault("title", rule.title)
    fields.setdefault("level", rule.level)
    fields.setdefault("match_count", 3)
    fields.setdefault("accounts", ["root", "deploy"])
    fields.setdefault(
        "samples",
        [{"batch": 1, "line": 17, "event": {"type": "SYSCALL", "exe": "/usr/bin/sudo", "auid": "1000"}}],
    )
    finding = AuditFinding.objects.create(report=report, rule=rule, **fields)
    report.match_count += finding.match_count
    report.save(update_fields=["match_count"])
    return finding


def make_incident_category() -> Any:
    """The GB/T 20986 category incidents opened from findings are filed under."""
    from garrison.incidents.models import IncidentCategory

    return IncidentCategory.objects.create(
        urn="urn:test:incident-category:ab", code="AB", name="Abnormal behaviour incident"
    )


@dataclass
class Audit:
    """What `build_audit` made, named."""

    source: LogSource
    report: AuditReport
    sudo_rule: DetectionRule
    sudo: AuditFinding
    firewall: AuditFinding
    signed: AuditReport
    ordinary_source: LogSource
    ordinary: AuditReport
    far_source: LogSource
    far: AuditReport


def build_audit(
    organisation: Any, security_officer: Any, outsider: Any, critical_system: Any, make_asset: Any
) -> Audit:
    """A Beijing critical system's report awaiting the officer's sign-off with two findings,
    an older signed one, a report of an ordinary server, and one in Shanghai."""
    source = make_source(critical_system, security_officer, reviewer=security_officer)
    report = make_report(
        source, rule_problems=[{"rule": "Clear the audit log", "reason": "unsupported modifier |expand"}]
    )
    sudo_rule = make_rule(title="Sudo to root", author="Florian Roth (Nextron Systems)")
    sudo = make_finding(report, sudo_rule)
    firewall = make_finding(report, make_rule(title="Firewall rule flushed", level="medium"))
    signed = make_report(
        source, weeks_back=1, status=ReportStatus.SIGNED, signed_by=security_officer, signed_at=timezone.now()
    )
    ordinary_source = make_source(make_asset(name="print-server"), security_officer)
    ordinary = make_report(
        ordinary_source, status=ReportStatus.AWAITING_SIGN_OFF, escalated_at=timezone.now(), reviewer=None
    )
    far_asset = make_asset(name="sh-db", unit=organisation.shanghai, owner=outsider, is_critical_system=True)
    far_source = make_source(far_asset, outsider)
    far = make_report(far_source)
    return Audit(
        source, report, sudo_rule, sudo, firewall, signed, ordinary_source, ordinary, far_source, far
    )


@pytest.fixture
def audit(
    organisation: Any, security_officer: Any, outsider: Any, critical_system: Any, make_asset: Any
) -> Any:
    return build_audit(organisation, security_officer, outsider, critical_system, make_asset)


# The list -----------------------------------------------------------------------------------------


def test_the_list_shows_the_officers_reports_and_each_filter_narrows(
    audit: Any, security_officer: Any
) -> None:
    client = client_for(security_officer)
    everything = listed(client.get(LIST))
    assert sorted(everything) == sorted(
        [audit.report.reference, audit.signed.reference, audit.ordinary.reference]
    )

    def only(**query: Any) -> list[str]:
        return sorted(listed(client.get(LIST, query)))

    assert only(status="signed") == [audit.signed.reference]
    assert only(critical="yes") == sorted([audit.report.reference, audit.signed.reference])
    assert only(critical="no") == [audit.ordinary.reference]
    assert only(source=audit.ordinary_source.pk) == [audit.ordinary.reference]
    assert only(asset=audit.source.asset_id) == sorted([audit.report.reference, audit.signed.reference])
    assert only(escalated="yes") == [audit.ordinary.reference]
    # Reviewer of one report; the escalated one is theirs to sign too (they may change it).
    assert only(awaiting_me="yes") == sorted([audit.report.reference, audit.ordinary.reference])
    assert only(period_before="2025-03-02") == [audit.signed.reference]
    assert only(period_after="2025-03-03") == sorted([audit.report.reference, audit.ordinary.reference])
    assert only(q=audit.report.reference) == [audit.report.reference]


def test_awaiting_my_sign_off_is_only_the_reviewers_for_someone_without_escalations(
    audit: Any, make_person: Any, organisation: Any
) -> None:
    from garrison.core.roles import Role

    other = make_person(
        "other-officer", organisation.beijing_ops, (Role.SECURITY_OFFICER, organisation.beijing_ops)
    )
    audit.report.reviewer = other
    audit.report.save(update_fields=["reviewer"])
    page = client_for(other).get(LIST, {"awaiting_me": "yes"})
    assert listed(page) == [audit.report.reference]


def test_a_filter_cannot_name_a_source_out_of_reach(audit: Any, security_officer: Any) -> None:
    page = client_for(security_officer).get(LIST, {"source": audit.far_source.pk})
    assert audit.far.reference not in listed(page)
    assert "source" in page.context["filterset"].errors


def test_the_list_exports_every_count_and_the_tree_head(audit: Any, security_officer: Any) -> None:
    response = client_for(security_officer).get(LIST, {"export": "csv", "status": "awaiting_sign_off"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert audit.report.reference in text
    assert TREE_HEAD in text
    assert audit.signed.reference not in text
    assert audit.far.reference not in text


def test_the_list_reads_a_page_in_a_fixed_number_of_queries(
    audit: Any, security_officer: Any, django_assert_max_num_queries: Any
) -> None:
    for weeks in range(2, 12):
        make_report(audit.source, weeks_back=weeks)
    client = client_for(security_officer)
    client.get(LIST)
    with django_assert_max_num_queries(16):
        page = client.get(LIST)
    assert len(listed(page)) == 13


@pytest.mark.parametrize("who", ["outsider", "colleague"])
def test_people_outside_beijing_log_audit_see_none_of_its_reports(audit: Any, who: str, request: Any) -> None:
    person = request.getfixturevalue(who)
    listed_reports = listed(client_for(person).get(LIST))
    assert audit.report.reference not in listed_reports
    assert audit.ordinary.reference not in listed_reports
    assert (audit.far.reference in listed_reports) == (who == "outsider")


# A report's page ----------------------------------------------------------------------------------


def test_a_reports_page_shows_its_counts_seal_findings_and_problems(
    audit: Any, security_officer: Any
) -> None:
    response = client_for(security_officer).get(reverse("logaudit:report-detail", args=[audit.report.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert TREE_HEAD in html
    assert 'id="tree-size">0<' in html
    assert "1200" in html
    assert "unsupported modifier |expand" in html
    assert "Clear the audit log" in html
    assert "Sudo to root" in html
    assert "Firewall rule flushed" in html
    assert "Florian Roth (Nextron Systems)" in html
    assert response.context["untriaged_count"] == 2
    assert response.context["sign_form"] is not None
    assert f'id="finding-{audit.sudo.pk}"' in html
    assert reverse("logaudit:finding-triage", args=[audit.sudo.pk]) in html
    assert reverse("logaudit:report-verify", args=[audit.report.pk]) in html
    # Findings most severe first.
    assert [finding.pk for finding in response.context["findings"]] == [audit.sudo.pk, audit.firewall.pk]


def test_the_auditor_reads_a_report_but_is_offered_no_triage_or_sign_off(audit: Any, auditor: Any) -> None:
    response = client_for(auditor).get(reverse("logaudit:report-detail", args=[audit.report.pk]))
    assert response.status_code == 200
    assert response.context["sign_form"] is None
    assert response.context["may_triage"] is False
    assert reverse("logaudit:finding-triage", args=[audit.sudo.pk]) not in response.content.decode()
    assert reverse("logaudit:report-verify", args=[audit.report.pk]) in response.content.decode()


def test_a_signed_report_offers_no_sign_off(audit: Any, security_officer: Any) -> None:
    response = client_for(security_officer).get(reverse("logaudit:report-detail", args=[audit.signed.pk]))
    assert response.status_code == 200
    assert response.context["sign_form"] is None


@pytest.mark.parametrize("who", ["outsider", "colleague"])
def test_a_report_out_of_reach_answers_404_like_a_missing_one(audit: Any, who: str, request: Any) -> None:
    client = client_for(request.getfixturevalue(who))
    for name in ("report-detail", "report-matches"):
        assert client.get(reverse(f"logaudit:{name}", args=[audit.report.pk])).status_code == 404
    for name in ("report-sign", "report-verify"):
        assert client.post(reverse(f"logaudit:{name}", args=[audit.report.pk])).status_code == 404
    assert client.get(reverse("logaudit:report-detail", args=[999_999])).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(audit: Any) -> None:
    response = Client().get(reverse("logaudit:report-detail", args=[audit.report.pk]))
    assert response.status_code == 302
    assert "login" in response["Location"]


# Matches download --------------------------------------------------------------------------------


def store_matches(report: AuditReport, lines: list[dict[str, Any]]) -> bytes:
    content = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    sha256 = hashlib.sha256(content).hexdigest()
    stored = StoredFile.objects.create(sha256=sha256, size=len(content))
    if not default_storage.exists(stored.storage_name):
        default_storage.save(stored.storage_name, ContentFile(content))
    report.matches_file = stored
    report.save(update_fields=["matches_file"])
    return content


def test_the_matches_download_streams_the_jsonl_file(audit: Any, auditor: Any) -> None:
    content = store_matches(audit.report, [{"rule_id": "r1", "line": 3}, {"rule_id": "r2", "line": 9}])
    response = client_for(auditor).get(reverse("logaudit:report-matches", args=[audit.report.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/x-ndjson"
    assert f"{audit.report.reference}-matches.jsonl" in response["Content-Disposition"]


def test_a_report_without_a_matches_file_has_no_download(audit: Any, security_officer: Any) -> None:
    client = client_for(security_officer)
    assert client.get(reverse("logaudit:report-matches", args=[audit.report.pk])).status_code == 404
    page = client.get(reverse("logaudit:report-detail", args=[audit.report.pk]))
    assert reverse("logaudit:report-matches", args=[audit.report.pk]) not in page.content.decode()


# Signing and verifying (through the services) ---------------------------------------------------------


def test_signing_is_refused_while_a_finding_is_untriaged_and_the_reason_is_shown(
    audit: Any, security_officer: Any
) -> None:
    response = client_for(security_officer).post(
        reverse("logaudit:report-sign", args=[audit.report.pk]), {"note": "looked at it"}
    )
    assert response.status_code == 400
    assert response.context["sign_form"].errors
    audit.report.refresh_from_db()
    assert audit.report.status == ReportStatus.AWAITING_SIGN_OFF
    assert audit.report.signed_at is None


def test_the_reviewer_signs_a_report_once_every_finding_is_triaged(audit: Any, security_officer: Any) -> None:
    AuditFinding.objects.filter(report=audit.report).update(
        triage=Triage.FALSE_POSITIVE, triaged_by=security_officer, triaged_at=timezone.now()
    )
    client = client_for(security_officer)
    response = client.post(
        reverse("logaudit:report-sign", args=[audit.report.pk]), {"note": "All explained."}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("logaudit:report-detail", args=[audit.report.pk])
    audit.report.refresh_from_db()
    assert audit.report.status == ReportStatus.SIGNED
    assert audit.report.signed_by == security_officer
    assert audit.report.sign_note == "All explained."
    page = client.get(response["Location"])
    assert page.context["sign_form"] is None
    assert "All explained." in page.content.decode()


def test_the_auditor_cannot_sign_and_is_told_why(audit: Any, auditor: Any) -> None:
    AuditFinding.objects.filter(report=audit.report).update(triage=Triage.FALSE_POSITIVE)
    response = client_for(auditor).post(reverse("logaudit:report-sign", args=[audit.report.pk]), {"note": ""})
    assert response.status_code == 400
    assert "Only the reviewer" in response.content.decode()
    audit.report.refresh_from_db()
    assert audit.report.status == ReportStatus.AWAITING_SIGN_OFF


def test_sign_and_verify_take_only_post(audit: Any, security_officer: Any) -> None:
    client = client_for(security_officer)
    assert client.get(reverse("logaudit:report-sign", args=[audit.report.pk])).status_code == 405
    assert client.get(reverse("logaudit:report-verify", args=[audit.report.pk])).status_code == 405


def test_verify_seal_says_when_the_seal_does_not_hold(audit: Any, auditor: Any) -> None:
    # The report names three batches its source never delivered.
    AuditReport.objects.filter(pk=audit.report.pk).update(tree_size=3)
    response = client_for(auditor).post(reverse("logaudit:report-verify", args=[audit.report.pk]))
    assert response.status_code == 200
    check = response.context["seal_check"]
    assert check.ok is False
    assert check.problems
    html = response.content.decode()
    assert "The seal does not hold." in html
    assert "batch 2 is missing" in html


def test_verify_seal_proves_the_stored_batches_unchanged(audit: Any, security_officer: Any) -> None:
    from garrison.logaudit.services.ingest import ingest_batch
    from garrison.logaudit.services.sealing import current_tree

    source = make_source(audit.source.asset, security_officer, log_format=LogFormat.JSONL)
    for number in range(2):
        line = json.dumps({"timestamp": "2025-03-04T10:00:00Z", "message": f"event {number}"})
        ingest_batch(source, BytesIO(line.encode() + b"\n"), filename=f"b{number}.jsonl", by=security_officer)
    size, head = current_tree(source)
    report = make_report(source, tree_size=size, tree_head=head)
    response = client_for(security_officer).post(reverse("logaudit:report-verify", args=[report.pk]))
    assert response.status_code == 200
    check = response.context["seal_check"]
    assert check.ok is True
    assert check.batches_checked == 2
    assert "The seal holds" in response.content.decode()
